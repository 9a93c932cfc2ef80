"""Importing the data kinds from xlsx sheets and csv files: every row checked, then all written or nothing."""

import csv
import datetime
import io
import re
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError
from peewee import JOIN

from kaohe.core.storage.db import bulk_insert, db, is_postgres, refresh_statistics
from kaohe.core.domain.errors import KaoheError
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
    now,
)
from kaohe.core.exchange.schemas import SCHEMAS

CHUNK = 500
MAX_LISTED = 200

# Text a spreadsheet might run as a formula starts with one of these; an export puts a ' before it
# (and before a leading ' of its own), and the import takes that ' away again.
FORMULA_STARTS = "=+-@\t\r"


@dataclass(frozen=True)
class Link:
    """A list column kept in a link table: `owner` row → `target` row, in the order written."""
    model: type
    owner: str
    target: str
    kind: str
    ordered: bool


@dataclass(frozen=True)
class Kind:
    """One data kind of the import files: its names, columns, natural key and references."""
    name: str
    label: str
    aliases: tuple
    model: type
    columns: tuple  # (field, Chinese header) in file order
    key: tuple  # the natural key's fields
    refs: dict = field(default_factory=dict)  # scalar field -> kind it names
    links: dict = field(default_factory=dict)  # list field -> Link
    example: tuple = ()  # one realistic row for the template, in column order
    extra: tuple = ()  # (model field, callable) filled in on insert

    @property
    def schema(self):
        return SCHEMAS[self.name]

    def header(self, name):
        return dict(self.columns)[name]

    @property
    def scalars(self):
        return [name for name, _ in self.columns if name not in self.links]

    @property
    def values_fields(self):
        """The fields compared to tell an update from an unchanged row (all but the key)."""
        return [name for name, _ in self.columns if name not in self.key]


KINDS = {kind.name: kind for kind in (
    Kind("units", "单位", ("unit", "单位", "报送单位"), Unit,
         (("code", "单位代码"), ("name", "单位名称"), ("kind", "单位类型"), ("pool", "考核组别"),
          ("sector", "口子"), ("parent", "上级单位代码")),
         ("code",), refs={"parent": "units"},
         example=("330824", "开化县", "县区", "县区", "", "")),
    Kind("reporters", "信息员", ("reporter", "信息员"), Reporter,
         (("code", "信息员编号"), ("name", "姓名"), ("unit", "单位代码")),
         ("code",), refs={"unit": "units"},
         example=("R330824-01", "李明", "330824")),
    Kind("publications", "刊物", ("publication", "刊物"), Publication,
         (("code", "刊物代码"), ("name", "刊物名称"), ("level", "级别"), ("issuer", "主办单位")),
         ("code",),
         example=("ZJZB", "专报信息", "省", "省政府办公厅")),
    Kind("solicitations", "约稿", ("solicitation", "约稿"), Solicitation,
         (("no", "约稿编号"), ("title", "题目"), ("issued_on", "下发日期"), ("due_on", "截止日期"),
          ("units", "单位")),
         ("no",), links={"units": Link(SolicitationUnit, "solicitation", "unit", "units", False)},
         example=("YG2025-03", "一季度农村人居环境整治进展情况", "2025-03-01", "2025-03-20", "330824")),
    Kind("items", "稿件", ("item", "稿件", "信息稿件"), Item,
         (("no", "稿件编号"), ("title", "标题"), ("submitted_on", "报送日期"), ("units", "报送单位"),
          ("reporters", "作者"), ("category", "类别"), ("negative", "负反馈"),
          ("solicitation", "约稿编号")),
         ("no",), refs={"solicitation": "solicitations"},
         links={"units": Link(ItemUnit, "item", "unit", "units", True),
                "reporters": Link(ItemAuthor, "item", "reporter", "reporters", True)},
         example=("2025-0001", "开化县多措并举推进农村生活污水治理", "2025-03-08", "330824",
                  "R330824-01", "经验", "否", "YG2025-03"),
         extra=(("created_at", now),)),
    Kind("adoptions", "采用", ("adoption", "采用", "采用情况"), Adoption,
         (("item", "稿件编号"), ("publication", "刊物代码"), ("issue", "期号"),
          ("adopted_on", "采用日期"), ("form", "采用形式")),
         ("item", "publication", "issue"), refs={"item": "items", "publication": "publications"},
         example=("2025-0001", "ZJZB", "2025年第12期", "2025-03-12", "全文")),
    Kind("instructions", "批示", ("instruction", "批示", "领导批示"), Instruction,
         (("item", "稿件编号"), ("leader_level", "批示领导级别"), ("leader", "批示领导"),
          ("instructed_on", "批示日期")),
         ("item", "leader_level", "leader", "instructed_on"), refs={"item": "items"},
         example=("2025-0001", "省", "王副省长", "2025-03-15")),
    Kind("urgent", "紧急信息", ("urgent_reports", "urgent_report", "紧急信息", "紧急信息报送"),
         UrgentReport,
         (("no", "事件编号"), ("unit", "单位代码"), ("title", "事件"), ("severity", "级别"),
          ("occurred_at", "发生时间"), ("reported_at", "首报时间"), ("status", "状态"),
          ("misreported", "误报"), ("reporter", "责任信息员")),
         ("no",), refs={"unit": "units", "reporter": "reporters"},
         example=("JJ2025-001", "330824", "某镇山体滑坡", "较大", "2025-03-08 14:30",
                  "2025-03-08 15:10", "已报", "否", "R330824-01")),
    Kind("facts", "单位事实", ("fact", "unit_facts", "单位事实", "事实"), UnitFact,
         (("unit", "单位代码"), ("year", "年度"), ("kind", "事实"), ("value", "值")),
         ("unit", "year", "kind"), refs={"unit": "units"},
         example=("330824", 2025, "provincial_county_rank", "12")),
    Kind("targets", "目标任务", ("target", "目标任务", "目标", "报送任务"), Target,
         (("unit", "单位代码"), ("year", "年度"), ("submit_target", "报送任务"),
          ("adopt_target", "采用任务")),
         ("unit", "year"), refs={"unit": "units"},
         example=("330824", 2025, 120, 30)),
)}

_KIND_NAMES = {}
for _kind in KINDS.values():
    for _name in (_kind.name, _kind.label) + _kind.aliases:
        _KIND_NAMES[_name.lower()] = _kind
_NOTE = re.compile(r"\s*[（(][^（）()]*[)）]\s*$")
_NAME_TAIL = re.compile(r"^[\s\-_.·（(【\[]")


def kind_named(name):
    """The kind a file stem or sheet name stands for (稿件, items, 稿件-2025年3月), or None."""
    text = (name or "").strip().lower()
    if text in _KIND_NAMES:
        return _KIND_NAMES[text]
    for known in sorted(_KIND_NAMES, key=len, reverse=True):
        if text.startswith(known) and _NAME_TAIL.match(text[len(known):]):
            return _KIND_NAMES[known]
    return None


def kind_names_text():
    return "/".join(kind.label for kind in KINDS.values())


# ---------------------------------------------------------------- errors and the report

@dataclass(frozen=True)
class RowError:
    """One problem of an import: where (file or "workbook › sheet", row, column as written) and what."""
    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = self.source
        if self.row:
            where += f" 第{self.row}行"
        if self.column:
            where += f"「{self.column}」"
        return f"{where}：{self.message}"


class ImportFailed(KaoheError):
    """The files had problems; nothing was written. `errors` lists every one of them."""

    def __init__(self, errors):
        self.errors = list(errors)
        lines = [f"导入失败，共 {len(self.errors)} 处错误，没有写入任何数据："]
        lines += [str(error) for error in self.errors[:MAX_LISTED]]
        if len(self.errors) > MAX_LISTED:
            lines.append(f"另有{len(self.errors) - MAX_LISTED}处错误")
        super().__init__("\n".join(lines))


@dataclass
class ImportReport:
    """What an import did (or, dry, would do): per kind, rows created, updated and unchanged."""
    counts: dict = field(default_factory=dict)
    dry_run: bool = False

    def summary_lines(self):
        if not self.counts:
            return ["文件中没有数据行。"]
        lines = []
        for name, count in self.counts.items():
            verb = "将" if self.dry_run else ""
            line = (f"{KINDS[name].label}：{verb}新增 {count['created']} 条，"
                    f"{verb}更新 {count['updated']} 条")
            if count.get("unchanged"):
                line += f"，未变 {count['unchanged']} 条"
            lines.append(line)
        return lines


# ---------------------------------------------------------------- reading files

@dataclass
class Record:
    """One good row: its place in the files and its checked values."""
    source: str
    row: int
    columns: dict  # field -> header as written
    data: dict

    def where(self):
        return f"{self.source} 第{self.row}行"


@dataclass
class Batch:
    """Everything read from the files of one import, kind by kind, with the problems found."""
    records: dict = field(default_factory=lambda: defaultdict(list))
    errors: list = field(default_factory=list)
    seen: dict = field(default_factory=lambda: defaultdict(set))  # kind -> keys, good or not
    first: dict = field(default_factory=dict)  # (kind, key) -> the record that gave it first
    partial: dict = field(default_factory=lambda: defaultdict(list))  # bad rows' good cells
    broken: set = field(default_factory=set)  # kinds whose sheet could not be read
    ids: dict = field(default_factory=lambda: defaultdict(dict))  # kind -> {code: id}
    kinds: list = field(default_factory=list)  # kinds met, in file order

    sources: list = field(default_factory=list)  # tables in the order read

    def fail(self, source, row, column, message):
        self.errors.append(RowError(source, row, column, message))

    def sorted_errors(self):
        """The errors file by file, row by row (reference errors join their rows)."""
        order = {}
        for source in self.sources + [error.source for error in self.errors]:
            order.setdefault(source, len(order))
        return sorted(self.errors, key=lambda error: (order[error.source], error.row or 0))


def _unquote(text):
    """Take off the ' an export put before text that would run as a formula."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS + "'":
        return text[1:]
    return text


def _cell(value):
    if isinstance(value, str):
        value = _unquote(value)
        return value if value.strip() else None
    return value


def _decode(raw):
    """CSV text: UTF-8 (with or without BOM) first, else GB18030 (Excel in China saves GBK)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return None


def _sheets(path, batch):
    """Yield (source, kind, rows) for each table in a file; rows are (row number, cells)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        kind = kind_named(path.stem)
        if kind is None:
            batch.fail(path.name, None, None,
                       f"无法从文件名「{path.stem}」看出数据种类，文件名应为 {kind_names_text()} 之一，"
                       f"如 稿件.csv")
            return
        text = _decode(path.read_bytes())
        if text is None:
            batch.fail(path.name, None, None, "文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")
            return
        rows = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
        if not any(_filled(cells) for _, cells in rows):
            batch.fail(path.name, None, None, "文件是空的，第1行应为表头")
            return
        yield path.name, kind, rows
        return
    if suffix in (".xlsx", ".xlsm"):
        yield from _workbook_sheets(path, batch)
        return
    hint = "，请在 Excel 中另存为 xlsx" if suffix == ".xls" else ""
    batch.fail(path.name, None, None, f"不支持的文件类型「{suffix or path.name}」，应为 xlsx 或 csv{hint}")


def _workbook_sheets(path, batch):
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a damaged or mislabelled file: openpyxl raises many kinds
        batch.fail(path.name, None, None, f"无法读取此 xlsx 文件（{type(error).__name__}），请确认文件未损坏")
        return
    try:
        sheets = workbook.worksheets
        single_default = len(sheets) == 1 and kind_named(sheets[0].title) is None
        for sheet in sheets:
            source = f"{path.name} › {sheet.title}"
            rows = list(enumerate(sheet.iter_rows(values_only=True), start=1))
            kind = kind_named(sheet.title)
            if kind is None and single_default:
                kind = kind_named(path.stem)
            if not any(_filled(cells) for _, cells in rows):
                continue  # an empty sheet (Sheet2, Sheet3 of a new workbook) holds nothing
            if kind is None:
                batch.fail(source, None, None,
                           f"未知的工作表「{sheet.title}」，工作表名称应为 {kind_names_text()} 之一")
                continue
            yield source, kind, rows
    finally:
        workbook.close()


def _filled(cells):
    return any(_cell(value) is not None for value in cells)


def _header_field(kind, text):
    name = _NOTE.sub("", text).strip().strip("*＊").strip()
    for field_name, header in kind.columns:
        if name == header or name.lower() == field_name:
            return field_name
    return None


def _read_table(source, kind, rows, batch):
    """Check one table's header and rows; good rows become Records of the batch."""
    rows = [(number, cells) for number, cells in rows]
    start = next(n for n, (_, cells) in enumerate(rows) if _filled(cells))
    header_row, header = rows[start]
    columns = {}  # position -> field
    written = {}  # field -> header as written
    failed = False
    for position, value in enumerate(header):
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        name = _header_field(kind, text)
        if name is None:
            failed = True
            expected = "、".join(h for _, h in kind.columns)
            batch.fail(source, header_row, text, f"未知的列名「{text}」，{kind.label}的列应为：{expected}")
        elif name in written:
            failed = True
            batch.fail(source, header_row, text, f"列「{text}」与列「{written[name]}」重复")
        else:
            columns[position] = name
            written[name] = text
    for name, header_text in kind.columns:
        if name not in written and _schema(kind).fields[name].required:
            failed = True
            batch.fail(source, header_row, header_text, f"缺少必填的列「{header_text}」")
    if failed:
        batch.broken.add(kind.name)
        return
    if kind.name not in batch.kinds:
        batch.kinds.append(kind.name)
    schema = _schema(kind)
    for number, cells in rows[start + 1:]:
        if not _filled(cells):
            continue
        data = {}
        bad = False
        for position, value in enumerate(cells):
            value = _cell(value)
            if value is None:
                continue
            name = columns.get(position)
            if name is None:
                bad = True
                batch.fail(source, number, f"第{position + 1}列", "此列有数据但没有列名")
                continue
            data[name] = value
        try:
            loaded = schema.load(data)
        except ValidationError as error:
            for name, messages in sorted(error.messages.items(), key=lambda m: _order(kind, m[0])):
                column = written.get(name) or (kind.header(name) if name in dict(kind.columns) else None)
                for message in _flatten(messages):
                    batch.fail(source, number, column, message)
            _remember_key(kind, error.valid_data or {}, batch)
            batch.partial[kind.name].append(Record(source, number, written, error.valid_data or {}))
            continue
        if bad:
            _remember_key(kind, loaded, batch)
            continue
        _add(kind, Record(source, number, written, loaded), batch)


_SCHEMA_CACHE = {}


def _schema(kind):
    if kind.name not in _SCHEMA_CACHE:
        _SCHEMA_CACHE[kind.name] = kind.schema()
    return _SCHEMA_CACHE[kind.name]


def _order(kind, name):
    names = [n for n, _ in kind.columns]
    return names.index(name) if name in names else len(names)


def _flatten(messages):
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    return [text for value in messages for text in _flatten(value)]


def key_of(kind, data):
    return tuple(data.get(name) for name in kind.key)


def _remember_key(kind, data, batch):
    """A bad row's key still counts as given, so rows naming it do not add a second complaint."""
    if all(data.get(name) is not None for name in kind.key):
        batch.seen[kind.name].add(key_of(kind, data))


def _add(kind, record, batch):
    key = key_of(kind, record.data)
    first = batch.first.get((kind.name, key))
    if first is not None:
        column = record.columns.get(kind.key[0]) or kind.header(kind.key[0])
        place = f"第{first.row}行" if first.source == record.source else first.where()
        if len(kind.key) == 1:
            message = f"{kind.header(kind.key[0])}「{key[0]}」与{place}重复"
        else:
            names = "、".join(kind.header(name) for name in kind.key)
            message = f"与{place}重复（{names}都相同）"
        batch.fail(record.source, record.row, column, message)
        return
    batch.first[(kind.name, key)] = record
    batch.seen[kind.name].add(key)
    batch.records[kind.name].append(record)


def read_files(paths):
    """Read and check every row of the files, without looking at the database."""
    batch = Batch()
    for path in paths:
        for source, kind, rows in _sheets(path, batch):
            batch.sources.append(source)
            _read_table(source, kind, rows, batch)
    return batch


# ---------------------------------------------------------------- references

def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def lookup(kind_name, codes):
    """{code: id} of the rows of a single-key kind that exist, in a few queries."""
    kind = KINDS[kind_name]
    key = getattr(kind.model, kind.key[0])
    codes = set(codes)
    if _worth_scanning(kind.model, codes):
        return {code: ident for code, ident in kind.model.select(key, kind.model.id).tuples()
                if code in codes}
    found = {}
    for chunk in _chunks(codes):
        found.update(kind.model.select(key, kind.model.id).where(key.in_(chunk)).tuples())
    return found


def _worth_scanning(model, wanted):
    """Whether one read of the whole table beats asking for `wanted` a chunk at a time.

    Building a query of thousands of parameters costs more than the database's work, so a
    large import into a table of similar size reads the table once and picks in Python.
    """
    return len(wanted) > CHUNK and len(wanted) * 4 >= model.select().count()


def _check_references(batch):
    """Every code a row names must be in the database or in these files; record their ids."""
    checked = {name: batch.records.get(name, []) + batch.partial.get(name, [])
               for name in set(batch.records) | set(batch.partial)}
    wanted = defaultdict(set)
    for _kind, _record, _field, target, code in _references(checked):
        if (code,) not in batch.seen[target]:
            wanted[target].add(code)
    for target, codes in wanted.items():
        batch.ids[target].update(lookup(target, codes))
    for kind, record, field_name, target, code in _references(checked):
        if (code,) in batch.seen[target] or code in batch.ids[target]:
            continue
        if target in batch.broken:
            continue  # its own sheet is already reported as unreadable
        target_kind = KINDS[target]
        column = record.columns.get(field_name) or kind.header(field_name)
        batch.fail(record.source, record.row, column,
                   f"{target_kind.header(target_kind.key[0])}「{code}」不存在"
                   f"（数据库和本次导入的文件中都没有）")


def _references(checked):
    """(kind, record, field name, target kind name, code) for every code the records name."""
    for name, records in checked.items():
        kind = KINDS[name]
        targets = dict(kind.refs)
        targets.update({f: link.kind for f, link in kind.links.items()})
        for record in records:
            for field_name, target in targets.items():
                for code in _codes(record.data.get(field_name)):
                    yield kind, record, field_name, target, code


def _codes(value):
    if value is None:
        return ()
    if isinstance(value, list):
        return value
    return (value,)


# ---------------------------------------------------------------- comparing with the database

def stored_rows(kind, firsts=None):
    """(id, values) of a kind's stored rows, values by field as a file holds them (codes, lists).

    With `firsts`, only the rows whose first key field is one of them; else every row, by id.
    """
    model = kind.model
    joins = []
    columns = {}
    for name in kind.scalars:
        if name in kind.refs:
            target = KINDS[kind.refs[name]]
            alias = target.model.alias()
            joins.append((alias, getattr(model, name) == alias.id))
            columns[name] = getattr(alias, target.key[0])
        else:
            columns[name] = getattr(model, name)
    selected = [model.id] + [columns[name] for name in kind.scalars]

    def query():
        select = model.select(*selected)
        for alias, on in joins:
            select = select.join_from(model, alias, join_type=JOIN.LEFT_OUTER, on=on)
        return select

    scan = firsts is None or _worth_scanning(model, firsts)
    if scan:
        batches = [query().order_by(model.id)]
    else:
        first = columns[kind.key[0]]
        batches = (query().where(first.in_(chunk)) for chunk in _chunks(set(firsts)))
    found = [(row[0], dict(zip(kind.scalars, row[1:])))
             for select in batches for row in select.tuples()]
    if firsts is not None and scan:
        wanted = set(firsts)
        found = [(ident, values) for ident, values in found if values[kind.key[0]] in wanted]
    for name, link in kind.links.items():
        lists = _link_codes(link, None if firsts is None else [ident for ident, _ in found])
        for ident, values in found:
            values[name] = lists.get(ident, [])
    return found


def _existing(kind, keys):
    """{key: (id, values)} of the stored rows with these natural keys (values compared on import)."""
    wanted = set(keys)
    found = {}
    for ident, values in stored_rows(kind, {key[0] for key in keys}):
        key = key_of(kind, values)
        if key in wanted:
            found[key] = (ident, tuple(_comparable(values.get(n)) for n in kind.values_fields))
    return found


def _link_codes(link, owner_ids):
    """{owner id: [codes in order]} of a link table, for these owners or (None) for all."""
    target = KINDS[link.kind]
    owner = getattr(link.model, link.owner)
    code = getattr(target.model, target.key[0])
    order = link.model.position if link.ordered else link.model.id

    def query():
        return (link.model.select(owner, code)
                .join(target.model, on=(getattr(link.model, link.target) == target.model.id))
                .order_by(owner, order))

    scan = owner_ids is None or _worth_scanning(link.model, owner_ids)
    selects = ([query()] if scan
               else (query().where(owner.in_(chunk)) for chunk in _chunks(owner_ids)))
    wanted = None if owner_ids is None else set(owner_ids)
    lists = defaultdict(list)
    for select in selects:
        for ident, value in select.tuples():
            if wanted is None or ident in wanted:
                lists[ident].append(value)
    return lists


def _comparable(value):
    return tuple(value) if isinstance(value, list) else value


def _plan(batch, report):
    """Split each kind's rows into new ones and changed ones (with their ids); count them."""
    plan = {}
    for name in KINDS:
        records = batch.records.get(name, [])
        if name not in batch.kinds:
            continue
        kind = KINDS[name]
        existing = _existing(kind, [key_of(kind, r.data) for r in records]) if records else {}
        created, updated = [], []
        unchanged = 0
        for record in records:
            key = key_of(kind, record.data)
            if key not in existing:
                created.append(record)
                continue
            ident, values = existing[key]
            if len(kind.key) == 1:
                batch.ids[name][key[0]] = ident
            if values == tuple(_comparable(record.data.get(n)) for n in kind.values_fields):
                unchanged += 1
            else:
                updated.append((ident, record))
        plan[name] = (created, updated)
        report.counts[name] = {"created": len(created), "updated": len(updated), "unchanged": unchanged}
    return plan


# ---------------------------------------------------------------- writing

def _db_values(model, names, values):
    fields_ = model._meta.fields
    return tuple(fields_[name].db_value(value) for name, value in zip(names, values))


def bulk_update(model, names, rows, batch=5000):
    """Update many rows by id: `rows` are tuples of the `names` values followed by the id."""
    if not rows:
        return 0
    table = model._meta.table_name
    assignments = ", ".join(f'"{model._meta.fields[n].column_name}" = {db.obj.param}' for n in names)
    sql = f'UPDATE "{table}" SET {assignments} WHERE "id" = {db.obj.param}'
    cursor = db.cursor()
    for chunk in _chunks(rows, batch):
        if is_postgres():
            from psycopg2.extras import execute_batch
            execute_batch(cursor, sql, chunk, page_size=len(chunk))
        else:
            cursor.executemany(sql, chunk)
    return len(rows)


def _resolve(kind, record, name, batch):
    value = record.data.get(name)
    if name in kind.refs and value is not None:
        return batch.ids[kind.refs[name]][value]
    return value


def _apply(plan, batch):
    for name, (created, updated) in plan.items():
        kind = KINDS[name]
        model = kind.model
        scalars = kind.scalars
        # a unit's parent may be a unit of the same file: insert without parents, then set them
        deferred = [n for n in scalars if kind.refs.get(n) == name]
        first = [n for n in scalars if n not in deferred]
        extra = [n for n, _ in kind.extra]
        rows = [_db_values(model, first + extra,
                           [_resolve(kind, r, n, batch) for n in first] + [make() for _, make in kind.extra])
                for r in created]
        bulk_insert(model, first + extra, rows)
        if len(kind.key) == 1 and created:
            batch.ids[name].update(lookup(name, [key_of(kind, r.data)[0] for r in created]))
        changing = [n for n in scalars if n not in kind.key]
        bulk_update(model, changing, [
            _db_values(model, changing, [_resolve(kind, r, n, batch) for n in changing]) + (ident,)
            for ident, r in updated])
        if deferred:
            bulk_update(model, deferred, [
                _db_values(model, deferred, [_resolve(kind, r, n, batch) for n in deferred])
                + (batch.ids[name][key_of(kind, r.data)[0]],)
                for r in created if any(r.data.get(n) is not None for n in deferred)])
        for field_name, link in kind.links.items():
            stale = [ident for ident, _ in updated]
            for chunk in _chunks(stale):
                link.model.delete().where(getattr(link.model, link.owner).in_(chunk)).execute()
            link_rows = []
            owners = [(batch.ids[name][key_of(kind, r.data)[0]], r) for r in created]
            owners += updated
            for ident, record in owners:
                for position, code in enumerate(record.data.get(field_name) or ()):
                    target = batch.ids[link.kind][code]
                    link_rows.append((ident, target, position) if link.ordered else (ident, target))
            names = [link.owner, link.target] + (["position"] if link.ordered else [])
            bulk_insert(link.model, names, link_rows)


# ---------------------------------------------------------------- the entry points

def validate_files(paths):
    """Every problem of these files (an empty list when they would import), writing nothing."""
    batch = read_files(paths)
    _check_references(batch)
    return batch.sorted_errors()


def import_files(paths, dry_run=False):
    """Import the files together, all or nothing; raise ImportFailed listing every problem.

    Rows are matched to the database by their natural keys, so importing a file again
    updates the rows it changed instead of adding them twice.
    """
    batch = read_files(paths)
    report = ImportReport(dry_run=dry_run)
    with nullcontext() if dry_run else db.atomic():
        _check_references(batch)
        if batch.errors:
            raise ImportFailed(batch.sorted_errors())
        plan = _plan(batch, report)
        if not dry_run:
            _apply(plan, batch)
    if not dry_run:
        refresh_statistics(sum(len(records) for records in batch.records.values()))
    return report


def import_records(kind_name, rows, source="接口"):
    """Import rows of one kind given as dicts of field names (as the JSON API receives them).

    The rows take the same path as a file's: the kind's schema, the reference checks and the
    upsert by natural key, all or nothing. A problem is a RowError whose `row` is the row's
    place counted from 1 and whose `column` is the field name; raise ImportFailed listing them.
    """
    kind = KINDS[kind_name]
    batch = Batch()
    batch.kinds.append(kind.name)
    schema = _schema(kind)
    names = {name: name for name, _ in kind.columns}
    for number, data in enumerate(rows, start=1):
        try:
            loaded = schema.load(data)
        except ValidationError as error:
            for name, messages in error.messages.items():
                for message in _flatten(messages):
                    batch.fail(source, number, name, message)
            _remember_key(kind, error.valid_data or {}, batch)
            batch.partial[kind.name].append(Record(source, number, names, error.valid_data or {}))
            continue
        _add(kind, Record(source, number, names, loaded), batch)
    report = ImportReport()
    with db.atomic():
        _check_references(batch)
        if batch.errors:
            raise ImportFailed(batch.sorted_errors())
        _apply(_plan(batch, report), batch)
    return report


# ---------------------------------------------------------------- templates

def template_workbook():
    """An xlsx workbook with one sheet per kind: the Chinese headers and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in KINDS.values():
        sheet = workbook.create_sheet(kind.label)
        sheet.append([header for _, header in kind.columns])
        sheet.append([_template_cell(value) for value in kind.example])
        required = _schema(kind).fields
        for cell, (name, _) in zip(sheet[1], kind.columns):
            cell.font = Font(bold=required[name].required)
            sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(cell.value) + 4)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_cell(value):
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.date.fromisoformat(value)
    return value if value != "" else None


def template_csv(kind):
    """A CSV template of one kind (UTF-8 with BOM, which Excel opens correctly)."""
    found = KINDS.get(kind) or kind_named(kind)
    if found is None:
        raise KaoheError(f"未知的数据种类「{kind}」，应为 {kind_names_text()} 之一")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in found.columns])
    writer.writerow(found.example)
    return buffer.getvalue().encode("utf-8-sig")
