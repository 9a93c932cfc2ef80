"""Reading import files (xlsx sheets, csv in UTF-8 or GBK) into checked records and row errors."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange.kinds import FORMULA_STARTS, NOTE_PATTERN, kind_named, kind_names_text

MAX_LISTED = 200


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
    name = NOTE_PATTERN.sub("", text).strip().strip("*＊").strip()
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
        if name not in written and schema_of(kind).fields[name].required:
            failed = True
            batch.fail(source, header_row, header_text, f"缺少必填的列「{header_text}」")
    if failed:
        batch.broken.add(kind.name)
        return
    if kind.name not in batch.kinds:
        batch.kinds.append(kind.name)
    schema = schema_of(kind)
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
                for message in flatten_messages(messages):
                    batch.fail(source, number, column, message)
            remember_key(kind, error.valid_data or {}, batch)
            batch.partial[kind.name].append(Record(source, number, written, error.valid_data or {}))
            continue
        if bad:
            remember_key(kind, loaded, batch)
            continue
        add_record(kind, Record(source, number, written, loaded), batch)


_SCHEMA_CACHE = {}


def schema_of(kind):
    if kind.name not in _SCHEMA_CACHE:
        _SCHEMA_CACHE[kind.name] = kind.schema()
    return _SCHEMA_CACHE[kind.name]


def _order(kind, name):
    names = [n for n, _ in kind.columns]
    return names.index(name) if name in names else len(names)


def flatten_messages(messages):
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in flatten_messages(value)]
    return [text for value in messages for text in flatten_messages(value)]


def key_of(kind, data):
    return tuple(data.get(name) for name in kind.key)


def remember_key(kind, data, batch):
    """A bad row's key still counts as given, so rows naming it do not add a second complaint."""
    if all(data.get(name) is not None for name in kind.key):
        batch.seen[kind.name].add(key_of(kind, data))


def add_record(kind, record, batch):
    key = key_of(kind, record.data)
    first = batch.first.get((kind.name, key))
    if first is not None:
        column = record.columns.get(kind.key[0]) or kind.header(kind.key[0])
        place = f"第{first.row}行" if first.source == record.source else first.where()
        if len(kind.key) == 1:
            message = f"{kind.header(kind.key[0])}「{key[0]}」与{place}重复"
        else:
            # the key's columns the file has (a target's 期间 and 考核方案 may be left out)
            given = [name for name in kind.key if name in record.columns] or kind.key
            names = "、".join(kind.header(name) for name in given)
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
