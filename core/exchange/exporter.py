"""Exporting as xlsx or csv: the data kinds in the import format, a run's ranking and its score lines."""

import io
import itertools
from pathlib import Path

from marshmallow import ValidationError
from marshmallow import fields as marshmallow_fields
from peewee import JOIN, BigIntegerField, CharField, FieldAlias, IntegerField, TextField, fn

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now, parse_period
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import UNIT_KINDS
from kaohe.core.exchange import sheets
from kaohe.core.exchange.cells import cell_converter
from kaohe.core.exchange.kinds import KINDS, kind_named, kind_names_text
from kaohe.core.exchange.matching import scalar_columns, scalar_query

# neutralise is also used from here by the reports
from kaohe.core.exchange.sheets import Amount, Cents, Rate, Table, neutralise  # noqa: F401
from kaohe.core.runs import results
from kaohe.core.storage import schemes
from kaohe.core.storage.db import db, is_postgres
from kaohe.core.storage.models import Item, Reporter, ScoreLine, Unit

LIST_JOINER = "、"  # also cells.LIST_JOINER, which writes the lists of the import format


# ---------------------------------------------------------------- writing tables

def write_tables_to(tables, fmt, out, encoding="utf-8"):
    """Write the tables into the binary file `out`: an xlsx workbook, or a csv file of the one
    table. Returns the rows written per table; the rows are never held all at once."""
    if fmt == "xlsx":
        return sheets.write_xlsx(tables, out)
    if fmt == "csv":
        if len(tables) != 1:
            raise KaoheError(say("一个 CSV 文件只能放一种数据（这次有 {count} 种）"
                "，请分别导出，或导出为 xlsx",
                count=len(tables)))
        return sheets.write_csv(tables[0], out, encoding)
    raise KaoheError(say("未知的导出格式「{fmt}」，应为 xlsx 或 csv", fmt=fmt))


def write_tables(tables, fmt, encoding="utf-8"):
    """The bytes of an xlsx workbook holding the tables, or of a csv file holding the one table."""
    buffer = io.BytesIO()
    write_tables_to(tables, fmt, buffer, encoding)
    return buffer.getvalue()


def spooled_tables(tables, fmt, encoding="utf-8"):
    """The tables written into a temporary file (memory while small, disk after), at its start:
    what a download streams out."""
    out = sheets.spooled()
    try:
        write_tables_to(tables, fmt, out, encoding)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


# ---------------------------------------------------------------- data kinds (the import format)

def data_table(kind):
    """A kind's stored rows as the import file holds them: Chinese headers, Chinese words; the
    rows are read as they are written (kind_rows), never all at once."""
    return Table(kind.label, [header for _, header in kind.columns], kind_rows(kind),
                 heading=f"{kind.label}（导出于{now():%Y-%m-%d %H:%M}）")


STREAM_BATCH = 2000  # rows a PostgreSQL server-side cursor sends at a time
CACHED_CELLS = 4096  # distinct stored texts of a column whose cells an export remembers
_cursor_names = itertools.count(1)


def streamed(query):
    """The DB-API rows of a peewee query as the database gives them, never all at once: SQLite
    steps its cursor row by row, PostgreSQL reads a server-side cursor a batch at a time."""
    sql, params = query.sql()
    if not is_postgres():
        return db.execute_sql(sql, params)
    return _server_side(sql, params)


def _server_side(sql, params):
    # WITH HOLD, as peewee's own server-side cursors (playhouse.postgres_ext): peewee runs psycopg2
    # in autocommit, where a named cursor must outlive its statement's transaction. The server
    # keeps the result (spilling to disk); this process holds one batch of it at a time.
    cursor = db.connection().cursor(name=f"kaohe_export_{next(_cursor_names)}", withhold=True)
    cursor.itersize = STREAM_BATCH
    try:
        cursor.execute(sql, params)
        yield from cursor
    finally:
        cursor.close()


def kind_rows(kind):
    """A kind's stored rows by id, each a list of its cells in the import format, as they are read.

    The rows are those matching.stored_rows reads for an import (the codes of the rows they name
    for references, the link tables' codes as lists, in order), but streamed: one cursor over the
    kind's table and one over each link table, both in the order of the owner's id, walked side
    by side, so the memory needed does not grow with the rows. A stored text seen before in a
    column (a date, a word, the tags) is not converted again.
    """
    model = kind.model
    schema_fields = kind.schema().fields
    columns = scalar_columns(kind)
    fields = [columns[name] for name in kind.scalars]
    rows = streamed(scalar_query(kind, columns).order_by(model.id))
    links = [name for name, _ in kind.columns if name in kind.links]
    lists = [iter(_link_pairs(kind.links[name])) for name in links]
    pending = [next(pairs, None) for pairs in lists]  # each link's next (owner id, code)
    scalar_of = {name: index for index, name in enumerate(kind.scalars, start=1)}
    cells = []  # (index in the stored row, or -1 - index of the link; its conversion or None)
    for name, _ in kind.columns:
        convert = cell_converter(schema_fields[name])
        if name not in scalar_of:
            cells.append((-1 - links.index(name), convert))
            continue
        index = scalar_of[name]
        field = fields[index - 1]
        source = field.field if isinstance(field, FieldAlias) else field  # a referred row's code
        if type(source) in _AS_STORED and convert.__code__ is _UNCONVERTED:
            cells.append((index, None))  # text and numbers the import format holds as stored
        else:
            cells.append((index, _Remembered(field.python_value, convert).__getitem__))
    for row in rows:
        ident = row[0]
        codes = []
        for number, pairs in enumerate(lists):
            head, listed = pending[number], []
            while head is not None and head[0] <= ident:  # (a link to no row of the kind: left)
                if head[0] == ident:
                    listed.append(head[1])
                head = next(pairs, None)
            pending[number] = head
            codes.append(listed)
        yield [(row[index] if convert is None else convert(row[index])) if index >= 0
               else convert(codes[-1 - index]) for index, convert in cells]


# Columns whose stored value is the cell when the import format does not convert it: the
# drivers give these as the Python values the fields would (text, whole numbers).
_AS_STORED = (CharField, TextField, IntegerField, BigIntegerField)
_UNCONVERTED = cell_converter(marshmallow_fields.Raw()).__code__  # what a field kept as it is gets


class _Remembered(dict):
    """A column's cells by stored value (the field's own conversion, then the import format's),
    each made once, for up to CACHED_CELLS distinct values: most such columns hold few (dates,
    words, flags, tags). The drivers' values of these columns are all hashable."""

    __slots__ = ("convert", "python_value")

    def __init__(self, python_value, convert):
        super().__init__()
        self.python_value, self.convert = python_value, convert

    def __missing__(self, raw):
        value = self.convert(self.python_value(raw))
        if len(self) < CACHED_CELLS:
            self[raw] = value
        return value


def _link_pairs(link):
    """The (owner id, code) rows of a link table, by owner id and in each owner's order, as read."""
    target = KINDS[link.kind]
    owner = getattr(link.model, link.owner)
    order = link.model.position if link.ordered else link.model.id
    return streamed(link.model.select(owner, getattr(target.model, target.key[0]))
                    .join(target.model, on=(getattr(link.model, link.target) == target.model.id))
                    .order_by(owner, order))


def resolve_kinds(names):
    """Kinds named in English or Chinese (all of them for None, "all" or "全部"), in import order."""
    if not names or any(str(name).strip().lower() in ("all", "全部") for name in names):
        return list(KINDS.values())
    chosen = set()
    for name in names:
        kind = kind_named(str(name))
        if kind is None:
            raise KaoheError(say("未知的数据种类「{name}」，应为 {names} "
                "之一，或 all 全部",
                name=name, names=kind_names_text()))
        chosen.add(kind.name)
    return [kind for kind in KINDS.values() if kind.name in chosen]


def export_data(kinds=None, fmt="xlsx", encoding="utf-8"):
    """The stored data of these kinds in the import format (xlsx: one sheet each; csv: one kind)."""
    return write_tables([data_table(kind) for kind in resolve_kinds(kinds)], fmt, encoding)


# ---------------------------------------------------------------- a run's results

RANKING_HEADERS = ["单位代码", "单位名称", "考核组别", "名次", "得分", "奖惩（元）", "采用率", "报送数",
                   "采用数", "国家级采用", "省级采用", "市级采用", "折算分", "一票否决", "同分说明"]


def ruleset_titles(registry):
    """{code: title} of a registry's rule sets ({} without one: the rule sets go by their codes)."""
    if registry is None:
        return {}
    return {name: ruleset.title for name, ruleset in registry.rulesets.items() if ruleset.title}


def rule_labels(registry, config):
    """{(rule set, rule): label} of a configuration's rules, in the clerk's words (采用计分 for
    ``adoption``), from each rule set's own rows (RuleSet.rule_labels); {} without a registry."""
    if registry is None:
        return {}
    labels = {}
    for entry in schemes.enabled_rulesets(config):
        ruleset = registry.rulesets.get(entry.get("name"))
        if ruleset is None:
            continue
        try:
            params = ruleset.load_params(entry.get("params") or {})
        except ValidationError:  # a version this Kaohe no longer reads keeps its codes
            continue
        for rule, label in ruleset.rule_labels(params).items():
            if label and label != rule:
                labels[(ruleset.name, rule)] = label
    return labels


def run_heading(run, what):
    """What a run's table is, printed above each page: scheme, period, run, and 未发布 where so."""
    scheme = run.scheme
    name = scheme.title or scheme.name
    state = "正式结果" if run.published else "未发布"
    return f"{name}　{parse_period(run.period).title}　第{run.id}次计算　{what}（{state}）"


def ranking_table(run, pool=None):
    rows = ([r.unit.code, r.unit.name, UNIT_KINDS.get(r.pool, r.pool), r.rank, Amount(r.points),
             Amount(r.yuan), Rate(r.adoption_rate), r.submitted, r.adopted, r.national,
             r.provincial, r.city, None if r.converted is None else Amount(r.converted),
             (r.veto_reason or "是") if r.vetoed else "", r.tie_break]
            for r in results.ranking(run, pool))
    return Table("排名", RANKING_HEADERS, rows, heading=run_heading(run, "排名"))


LINE_HEADERS = ["单位代码", "单位名称", "信息员编号", "信息员", "稿件编号", "标题", "规则集", "规则",
                "类型", "得分", "奖惩（元）", "说明"]
LINE_KINDS = {"score": "计分", "flag": "提示", "veto": "一票否决"}


def lines_table(run, unit=None, titles=None, labels=None):
    """A run's score lines (of one unit, or all); `titles` {rule set: its title} names the rule
    sets in the clerk's words, their code beside (“省政府信息采用计分（provincial）”), and
    `labels` {(rule set, rule): label} the rules (“采用计分（adoption）”, see rule_labels)."""
    titles, labels = titles or {}, labels or {}
    named = {}

    def words(ruleset, rule):
        """The rule set's and the rule's cells, made once per rule."""
        label = labels.get((ruleset, rule))
        named[(ruleset, rule)] = known = (
            f"{titles[ruleset]}（{ruleset}）" if ruleset in titles else ruleset,
            f"{label}（{rule}）" if label else rule)
        return known

    reporter_unit = Unit.alias()
    query = (ScoreLine.select(Unit.code, Unit.name, Reporter.code, Reporter.name, Item.no, Item.title,
                              ScoreLine.ruleset, ScoreLine.rule, ScoreLine.kind, ScoreLine.points,
                              ScoreLine.yuan, ScoreLine.explanation, reporter_unit.code,
                              reporter_unit.name)
             .join_from(ScoreLine, Unit, JOIN.LEFT_OUTER, on=(ScoreLine.unit == Unit.id))
             .join_from(ScoreLine, Reporter, JOIN.LEFT_OUTER, on=(ScoreLine.reporter == Reporter.id))
             .join_from(Reporter, reporter_unit, JOIN.LEFT_OUTER, on=(Reporter.unit == reporter_unit.id))
             .join_from(ScoreLine, Item, JOIN.LEFT_OUTER, on=(ScoreLine.item == Item.id))
             )
    if unit is not None:
        query = query.where((ScoreLine.run == run) & (ScoreLine.unit == unit))
    else:
        # A run's lines are stored one after another: read them as the range of ids they hold,
        # in the table's own order (the index by run and unit would visit them out of order and
        # the sort back by id costs more than the reading).
        first, last = (ScoreLine.select(fn.MIN(ScoreLine.id), fn.MAX(ScoreLine.id))
                       .where(ScoreLine.run == run).tuples().get())
        query = query.where(ScoreLine.id.between(first or 0, last or 0)
                            & ((ScoreLine.run + 0) == run.id))
    # The cursor's own rows: the models' conversions cost more than the writing at 1M lines.
    cursor = streamed(query.order_by(ScoreLine.id))
    rows = ([code or reporter_unit_code, name or reporter_unit_name, reporter_code, reporter_name, no,
             title, *(named.get((ruleset, rule)) or words(ruleset, rule)),
             LINE_KINDS.get(kind, kind), Cents(points), Cents(yuan), text]
            for (code, name, reporter_code, reporter_name, no, title, ruleset, rule, kind, points,
                 yuan, text, reporter_unit_code, reporter_unit_name) in cursor)
    what = "计分明细" if unit is None else f"{unit.name}计分明细"
    return Table("计分明细", LINE_HEADERS, rows, heading=run_heading(run, what))


def export_ranking(run, fmt="xlsx", pool=None, encoding="utf-8"):
    """A run's ranking, pool by pool, with every tie-break shown."""
    return write_tables([ranking_table(run, pool)], fmt, encoding)


def export_lines(run, fmt="xlsx", unit=None, encoding="utf-8", registry=None):
    """A run's score lines: whose, which item, which rule (in the registry's words), how much and why."""
    return write_tables([lines_table(run, unit, ruleset_titles(registry),
                                     rule_labels(registry, run.parameter_version.config))],
                        fmt, encoding)


# ---------------------------------------------------------------- what the command asks for

def format_of(output, fmt=None):
    """The format asked for, else the one the output file's suffix names."""
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return suffix[1:]
    raise KaoheError(say("无法从文件名「{file}」看出格式，请用 --format xlsx "
        "或 --format csv",
        file=Path(output).name))


def export(what, scheme_name=None, fmt="xlsx", period=None, run_id=None, pool=None, unit_code=None,
           encoding="utf-8", registry=None):
    """The bytes the `kaohe export` command writes, and a sentence saying what they hold
    (the rule sets and rules named in `registry`'s words, see lines_table)."""
    kind = str(what).strip().lower()
    if kind in ("ranking", "排名", "lines", "明细", "计分明细"):
        if not scheme_name:
            raise KaoheError(say("导出排名或计分明细时须给出考核方案名称，"
                                 "如 kaohe export ranking 市政府系统"))
        scheme = schemes.get_scheme(scheme_name)
        run = results.pick_run(scheme, period, run_id)
        official = "正式结果" if results.is_official(run) else "未发布的结果"
        if kind in ("ranking", "排名"):
            table = ranking_table(run, pool)
            what_text = "排名"
        else:
            unit = None
            if unit_code:
                unit = Unit.get_or_none(Unit.code == unit_code)
                if unit is None:
                    raise KaoheError(say("找不到单位代码「{unit_code}」", unit_code=unit_code))
            table = lines_table(run, unit, ruleset_titles(registry),
                                rule_labels(registry, run.parameter_version.config))
            what_text = "计分明细"
        data = write_tables([table], fmt, encoding)
        return data, (f"已导出「{scheme.name}」第 {run.id} 次计算（{run.period}，{official}）的"
                      f"{what_text}，共 {table.written} 行")
    if scheme_name:
        raise KaoheError(say("导出数据时不需要考核方案名称「{scheme_name}」", scheme_name=scheme_name))
    kinds = resolve_kinds([part for part in str(what).replace("，", ",").split(",") if part.strip()])
    tables = [data_table(k) for k in kinds]
    data = write_tables(tables, fmt, encoding)
    return data, "已导出：" + "，".join(f"{t.title} {t.written} 条" for t in tables)
