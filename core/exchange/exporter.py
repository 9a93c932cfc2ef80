"""Exporting as xlsx or csv: the data kinds in the import format, a run's ranking and its score lines."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from peewee import JOIN

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.vocab import UNIT_KINDS, money
from kaohe.core.exchange.importer import stored_rows
from kaohe.core.exchange.kinds import FORMULA_STARTS, KINDS, kind_named, kind_names_text
from kaohe.core.exchange.schemas import Amount as AmountCell
from kaohe.core.exchange.schemas import CodeList, Flag, Pool, Word, cell_word
from kaohe.core.runs import results
from kaohe.core.storage import schemes
from kaohe.core.storage.models import Item, Reporter, ScoreLine, Unit

ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}
LIST_JOINER = "、"


def neutralise(text):
    """Put a ' before text a spreadsheet would run as a formula (and before a leading ' of its own)."""
    if text and (text[0] in FORMULA_STARTS or text[0] == "'"):
        return "'" + text
    return text


class Amount(Decimal):
    """Points or 元: written as a number with two places."""


class Rate(Decimal):
    """An adoption rate: a fraction, shown as a percentage."""


@dataclass
class Table:
    """One sheet (or one csv file): a title, the headers and the rows of cells."""
    title: str
    headers: list
    rows: list


# ---------------------------------------------------------------- writing tables

def write_tables(tables, fmt, encoding="utf-8"):
    """The bytes of an xlsx workbook holding the tables, or of a csv file holding the one table."""
    if fmt == "xlsx":
        return _xlsx(tables)
    if fmt == "csv":
        if len(tables) != 1:
            raise KaoheError(f"一个 CSV 文件只能放一种数据（这次有 {len(tables)} 种），"
                             f"请分别导出，或导出为 xlsx")
        return _csv(tables[0], ENCODINGS.get(encoding, encoding))
    raise KaoheError(f"未知的导出格式「{fmt}」，应为 xlsx 或 csv")


def _xlsx(tables):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.freeze_panes = "A2"
        header = []
        for text in table.headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            cells = []
            for value in row:
                if value == "":
                    value = None
                if isinstance(value, str):
                    value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                elif isinstance(value, Amount):
                    cell = WriteOnlyCell(sheet, value=money(value))
                    cell.number_format = "0.00"
                elif isinstance(value, Rate):
                    cell = WriteOnlyCell(sheet, value=Decimal(value))
                    cell.number_format = "0.00%"
                elif isinstance(value, datetime.datetime):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "yyyy-mm-dd hh:mm" + (":ss" if value.second else "")
                elif isinstance(value, datetime.date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell = WriteOnlyCell(sheet, value=value)
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(table, encoding):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode(encoding)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Amount):
        return f"{money(value):.2f}"
    if isinstance(value, Rate):
        return f"{money(Decimal(value) * 100):.2f}%"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


# ---------------------------------------------------------------- data kinds (the import format)

def data_table(kind):
    """A kind's stored rows as the import file holds them: Chinese headers, Chinese words."""
    schema_fields = kind.schema().fields
    converters = [_converter(schema_fields[name]) for name, _ in kind.columns]
    rows = []
    for _, values in stored_rows(kind):
        rows.append([convert(values.get(name))
                     for convert, (name, _) in zip(converters, kind.columns)])
    return Table(kind.label, [header for _, header in kind.columns], rows)


def _converter(schema_field):
    if isinstance(schema_field, Word):
        return lambda code: None if code is None else cell_word(schema_field.vocabulary, code)
    if isinstance(schema_field, Flag):
        return lambda flag: "是" if flag else "否"
    if isinstance(schema_field, Pool):
        return lambda pool: cell_word("kind", pool) if pool in UNIT_KINDS else pool
    if isinstance(schema_field, AmountCell):
        return lambda value: None if value is None else Amount(value)
    if isinstance(schema_field, CodeList):
        return lambda codes: LIST_JOINER.join(codes or ())
    return lambda value: value


def resolve_kinds(names):
    """Kinds named in English or Chinese (all of them for None, "all" or "全部"), in import order."""
    if not names or any(str(name).strip().lower() in ("all", "全部") for name in names):
        return list(KINDS.values())
    chosen = set()
    for name in names:
        kind = kind_named(str(name))
        if kind is None:
            raise KaoheError(f"未知的数据种类「{name}」，应为 {kind_names_text()} 之一，或 all 全部")
        chosen.add(kind.name)
    return [kind for kind in KINDS.values() if kind.name in chosen]


def export_data(kinds=None, fmt="xlsx", encoding="utf-8"):
    """The stored data of these kinds in the import format (xlsx: one sheet each; csv: one kind)."""
    return write_tables([data_table(kind) for kind in resolve_kinds(kinds)], fmt, encoding)


# ---------------------------------------------------------------- a run's results

RANKING_HEADERS = ["单位代码", "单位名称", "考核组别", "名次", "得分", "奖惩（元）", "采用率", "报送数",
                   "采用数", "国家级采用", "省级采用", "市级采用", "折算分", "一票否决", "同分说明"]


def ranking_table(run, pool=None):
    rows = []
    for r in results.ranking(run, pool):
        rows.append([
            r.unit.code, r.unit.name, UNIT_KINDS.get(r.pool, r.pool), r.rank, Amount(r.points),
            Amount(r.yuan), Rate(r.adoption_rate), r.submitted, r.adopted, r.national,
            r.provincial, r.city, None if r.converted is None else Amount(r.converted),
            (r.veto_reason or "是") if r.vetoed else "", r.tie_break,
        ])
    return Table("排名", RANKING_HEADERS, rows)


LINE_HEADERS = ["单位代码", "单位名称", "信息员编号", "信息员", "稿件编号", "标题", "规则集", "规则",
                "类型", "得分", "奖惩（元）", "说明"]
LINE_KINDS = {"score": "计分", "flag": "提示", "veto": "一票否决"}


def lines_table(run, unit=None):
    reporter_unit = Unit.alias()
    query = (ScoreLine.select(Unit.code, Unit.name, Reporter.code, Reporter.name, Item.no, Item.title,
                              ScoreLine.ruleset, ScoreLine.rule, ScoreLine.kind, ScoreLine.points,
                              ScoreLine.yuan, ScoreLine.explanation, reporter_unit.code,
                              reporter_unit.name)
             .join_from(ScoreLine, Unit, JOIN.LEFT_OUTER, on=(ScoreLine.unit == Unit.id))
             .join_from(ScoreLine, Reporter, JOIN.LEFT_OUTER, on=(ScoreLine.reporter == Reporter.id))
             .join_from(Reporter, reporter_unit, JOIN.LEFT_OUTER, on=(Reporter.unit == reporter_unit.id))
             .join_from(ScoreLine, Item, JOIN.LEFT_OUTER, on=(ScoreLine.item == Item.id))
             .where(ScoreLine.run == run))
    if unit is not None:
        query = query.where(ScoreLine.unit == unit)
    rows = []
    for (code, name, reporter_code, reporter_name, no, title, ruleset, rule, kind, points, yuan,
         text, reporter_unit_code, reporter_unit_name) in query.order_by(ScoreLine.id).tuples():
        rows.append([code or reporter_unit_code, name or reporter_unit_name, reporter_code,
                     reporter_name, no, title, ruleset, rule, LINE_KINDS.get(kind, kind),
                     Amount(points), Amount(yuan), text])
    return Table("计分明细", LINE_HEADERS, rows)


def export_ranking(run, fmt="xlsx", pool=None, encoding="utf-8"):
    """A run's ranking, pool by pool, with every tie-break shown."""
    return write_tables([ranking_table(run, pool)], fmt, encoding)


def export_lines(run, fmt="xlsx", unit=None, encoding="utf-8"):
    """A run's score lines: whose, which item, which rule, how much and why."""
    return write_tables([lines_table(run, unit)], fmt, encoding)


# ---------------------------------------------------------------- what the command asks for

def format_of(output, fmt=None):
    """The format asked for, else the one the output file's suffix names."""
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return suffix[1:]
    raise KaoheError(f"无法从文件名「{Path(output).name}」看出格式，请用 --format xlsx 或 --format csv")


def export(what, scheme_name=None, fmt="xlsx", period=None, run_id=None, pool=None, unit_code=None,
           encoding="utf-8"):
    """The bytes the `kaohe export` command writes, and a sentence saying what they hold."""
    kind = str(what).strip().lower()
    if kind in ("ranking", "排名", "lines", "明细", "计分明细"):
        if not scheme_name:
            raise KaoheError("导出排名或计分明细时须给出考核方案名称，如 kaohe export ranking 市政府系统")
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
                    raise KaoheError(f"找不到单位代码「{unit_code}」")
            table = lines_table(run, unit)
            what_text = "计分明细"
        data = write_tables([table], fmt, encoding)
        return data, (f"已导出「{scheme.name}」第 {run.id} 次计算（{run.period}，{official}）的"
                      f"{what_text}，共 {len(table.rows)} 行")
    if scheme_name:
        raise KaoheError(f"导出数据时不需要考核方案名称「{scheme_name}」")
    kinds = resolve_kinds([part for part in str(what).replace("，", ",").split(",") if part.strip()])
    tables = [data_table(k) for k in kinds]
    data = write_tables(tables, fmt, encoding)
    return data, "已导出：" + "，".join(f"{t.title} {len(t.rows)} 条" for t in tables)
