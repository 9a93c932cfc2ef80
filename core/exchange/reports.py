"""The monthly notification (每月通报) and the annual award documents, as plain data, xlsx and printable HTML."""

import datetime
import io
import re
from collections import defaultdict
from decimal import Decimal

from jinja2 import Environment, PackageLoader, StrictUndefined
from peewee import fn

from kaohe.core.storage.db import db
from kaohe.core.scoring.engine import RATE_PLACES, UnitTotal, rank_units, recalculate
from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange.exporter import neutralise
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemUnit,
    Publication,
    Reporter,
    SchemeUnit,
    Unit,
    UnitResult,
    now,
)
from kaohe.core.domain.periods import parse_period
from kaohe.core.runs.results import awards, is_official, latest_run, official_run
from kaohe.core.storage.schemes import pools_of
from kaohe.core.domain.vocab import LEVELS, UNIT_KINDS, ZERO, money

# The notification's adoption columns: each counts the month's adoptions (not `forwarded`) in
# publications of these levels, one per adoption (an item adopted twice counts twice).
LEVEL_COLUMNS = (
    ("national", "国家级（含部委）", ("national", "ministry")),
    ("provincial", "省级（含省直厅局）", ("provincial", "provincial_dept")),
    ("city", "市级", ("city",)),
    ("county", "县级", ("county",)),
)
COLUMN_OF_LEVEL = {level: key for key, _label, levels in LEVEL_COLUMNS for level in levels}

OFFICIAL = "正式发布"
UNOFFICIAL = "未发布"

# Words a scheme's title may end with; the notification's title keeps what comes before them.
_TITLE_ENDINGS = ("政务信息考核计分办法", "政务信息考核办法", "政务信息考核方案", "政务信息考核与奖励办法",
                  "政务信息工作考核办法", "信息考核办法", "考核计分办法", "考核办法", "考核方案",
                  "政务信息考核计分", "政务信息考核", "政务信息工作", "政务信息")


def issuer_of(scheme):
    """The name a report is issued under: the scheme's title without its year and 「考核办法」.

    「清江市2025年度市政府系统政务信息考核」 → 「清江市政府系统」.
    """
    base = re.sub(r"\d{4}\s*年度?", "", (scheme.title or scheme.name).strip()) or scheme.name
    for ending in _TITLE_ENDINGS:
        if base.endswith(ending) and len(base) > len(ending):
            base = base[: -len(ending)]
            break
    return base.replace("市市", "市")


def pool_label(pool):
    return UNIT_KINDS.get(pool, pool)


def percent(rate):
    """0.4545 → 45.5%"""
    return f"{(Decimal(rate) * 100).quantize(Decimal('0.1'))}%"


def _raw(query):
    return db.execute(query).fetchall()


def _cents(value):
    """An SQL sum of an AmountField column (whole hundredths) as an exact amount."""
    return Decimal(int(value or 0)).scaleb(-2)


# ---------------------------------------------------------------- the monthly notification

def _month_of(scheme, month):
    period = parse_period(month)
    if period.kind != "month":
        raise KaoheError(f"通报按月生成：期间应为 {scheme.year}-03 这样的月份，而不是「{period.label}」")
    if period.year != scheme.year:
        raise KaoheError(f"{period.title}不在考核方案「{scheme.name}」的年度 {scheme.year} 内")
    return period


def month_runs(scheme, period):
    """For each month January..`period`: (month period, its official run, else its latest, or None)."""
    found = []
    for m in range(1, period.start.month + 1):
        month = parse_period(f"{period.year}-{m:02d}")
        found.append((month, official_run(scheme, month.label) or latest_run(scheme, month.label)))
    return found


def _missing_error(scheme, missing):
    months = "、".join(m.title for m in missing)
    commands = "；".join(f"kaohe recalc {scheme.name} --period {m.label}" for m in missing)
    return KaoheError(f"考核方案「{scheme.name}」{months}尚未计算，无法生成通报。请先计算这些月份"
                      f"（{commands}），或选择自动补算（命令行加 --recalc-missing）")


def monthly_notification(scheme, month, recalc_missing=False, registry=None,
                         author="kaohe notify"):
    """The notification of `scheme` for `month` (e.g. "2025-03"), read from the stored month runs.

    The month's points come from the month's run and the year's running total is the sum of the
    runs of January to the month (each month's official run, else its latest). A month without
    a run is an error, unless `recalc_missing` computes and stores it first (as `author`).
    """
    period = _month_of(scheme, month)
    runs = month_runs(scheme, period)
    missing = [m for m, run in runs if run is None]
    if missing:
        if not recalc_missing:
            raise _missing_error(scheme, missing)
        if registry is None:
            from kaohe.plugins.manager import build_registry
            registry = build_registry()
        for m in missing:
            recalculate(registry, scheme, m.label, author=author,
                        note=f"生成{period.title}通报时补算")
        runs = month_runs(scheme, period)
    run_ids = [run.id for _m, run in runs]
    month_run = runs[-1][1]
    year_start = datetime.date(period.year, 1, 1)

    units = {u.id: u for u in Unit.select().join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
             .where(SchemeUnit.scheme == scheme)}
    member_ids = list(units)

    # The stored runs: the month's points, and the year's running sums.
    month_points = {uid: _cents(points) for uid, points in _raw(
        UnitResult.select(UnitResult.unit, UnitResult.points).where(UnitResult.run == month_run))}
    year_rows = _raw(UnitResult.select(UnitResult.unit, fn.SUM(UnitResult.points),
                                       fn.SUM(UnitResult.national), fn.SUM(UnitResult.provincial),
                                       fn.SUM(UnitResult.city))
                     .where(UnitResult.run.in_(run_ids)).group_by(UnitResult.unit))
    year = {uid: (_cents(points), int(n or 0), int(p or 0), int(c or 0))
            for uid, points, n, p, c in year_rows}

    # The data: the month's submissions and adoptions, the year-to-date adoption rate.
    member_link = ItemUnit.unit.in_(member_ids)
    submitted_month = dict(_raw(
        ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.item))
        .join(Item, on=(ItemUnit.item == Item.id))
        .where(member_link & Item.submitted_on.between(period.start, period.end))
        .group_by(ItemUnit.unit)))
    adoptions_month = defaultdict(lambda: defaultdict(int))
    for uid, level, count in _raw(
            ItemUnit.select(ItemUnit.unit, Publication.level, fn.COUNT(Adoption.id))
            .join(Adoption, on=(Adoption.item == ItemUnit.item))
            .join(Publication, on=(Adoption.publication == Publication.id))
            .where(member_link & Adoption.adopted_on.between(period.start, period.end)
                   & (Adoption.form != "forwarded"))
            .group_by(ItemUnit.unit, Publication.level)):
        column = COLUMN_OF_LEVEL.get(level)
        if column is not None:
            adoptions_month[uid][column] += count
    submitted_ytd = dict(_raw(
        ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.item))
        .join(Item, on=(ItemUnit.item == Item.id))
        .where(member_link & Item.submitted_on.between(year_start, period.end))
        .group_by(ItemUnit.unit)))
    adopted_items = (Adoption.select(Adoption.item)
                     .where((Adoption.adopted_on <= period.end) & (Adoption.form != "forwarded")))
    adopted_ytd = dict(_raw(
        ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.item))
        .join(Item, on=(ItemUnit.item == Item.id))
        .where(member_link & Item.submitted_on.between(year_start, period.end)
               & Item.id.in_(adopted_items))
        .group_by(ItemUnit.unit)))
    with_adoption = {uid for (uid,) in _raw(
        ItemUnit.select(ItemUnit.unit).distinct()
        .join(Adoption, on=(Adoption.item == ItemUnit.item))
        .where(member_link & Adoption.adopted_on.between(year_start, period.end)
               & (Adoption.form != "forwarded")))}

    # Rank by the running total, with the engine's own ordering and tie-break sentences.
    totals = {}
    for uid, unit in units.items():
        points, national, provincial, city = year.get(uid, (ZERO, 0, 0, 0))
        submitted, adopted = submitted_ytd.get(uid, 0), adopted_ytd.get(uid, 0)
        rate = (Decimal(adopted) / Decimal(submitted)).quantize(RATE_PLACES) if submitted \
            else Decimal("0.0000")
        totals[uid] = UnitTotal(uid, unit.code, unit.name, unit.pool, points=points,
                                submitted=submitted, adopted=adopted, adoption_rate=rate,
                                national=national, provincial=provincial, city=city)
    rank_units(totals)

    pools = []
    for pool in pools_of(scheme):
        members = sorted((t for t in totals.values() if t.pool == pool), key=lambda t: t.rank)
        rows = []
        for t in members:
            by_level = adoptions_month.get(t.unit, {})
            adoptions = {key: by_level.get(key, 0) for key, _label, _levels in LEVEL_COLUMNS}
            rows.append({
                "rank": t.rank, "code": t.code, "name": t.name,
                "submitted": submitted_month.get(t.unit, 0),
                "adoptions": adoptions, "adoptions_total": sum(adoptions.values()),
                "points": month_points.get(t.unit, ZERO), "total": t.points,
                "submitted_ytd": t.submitted, "adopted_ytd": t.adopted,
                "adoption_rate": t.adoption_rate,
                "adoption_rate_text": percent(t.adoption_rate) if t.submitted else "—",
                "tie_break": t.tie_break,
            })
        no_adoption = [t.name for t in sorted(members, key=lambda t: t.code)
                       if t.unit not in with_adoption]
        pools.append({"pool": pool, "label": pool_label(pool), "rows": rows,
                      "no_adoption": no_adoption})

    run_rows = []
    for m, run in runs:
        official = is_official(run)
        run_rows.append({"period": m.label, "title": m.title, "run_id": run.id,
                         "official": official, "status": OFFICIAL if official else UNOFFICIAL,
                         "created_at": run.created_at})
    unofficial = [r["title"] for r in run_rows if not r["official"]]
    notice = (f"注意：{'、'.join(unofficial)}的计算结果尚未正式发布，本通报相关数字不是正式结果，"
              f"仅供核对" if unofficial else "本通报所用各月计算结果均已正式发布")
    return {
        "kind": "notification",
        "scheme": scheme.name, "scheme_title": scheme.title or scheme.name,
        "issuer": issuer_of(scheme), "year": period.year, "month": period.start.month,
        "period": period.label, "period_title": period.title,
        "title": f"{issuer_of(scheme)}政务信息工作通报（{period.year}年第{period.start.month}期）",
        "runs": run_rows, "all_official": not unofficial, "notice": notice,
        "level_columns": [(key, label) for key, label, _levels in LEVEL_COLUMNS],
        "pools": pools,
        "instructions": _instructions(period, member_ids),
        "generated_at": now(),
    }


def _instructions(period, member_ids):
    """The month's leader instructions on the members' items, each with its item and units."""
    members = ItemUnit.select(ItemUnit.item).where(ItemUnit.unit.in_(member_ids))
    rows = list(Instruction.select(Instruction, Item).join(Item)
                .where(Instruction.instructed_on.between(period.start, period.end)
                       & Instruction.item.in_(members))
                .order_by(Instruction.instructed_on, Instruction.id))
    names = defaultdict(list)
    if rows:
        for item_id, name in _raw(ItemUnit.select(ItemUnit.item, Unit.name)
                                  .join(Unit, on=(ItemUnit.unit == Unit.id))
                                  .where(ItemUnit.item.in_([r.item_id for r in rows]))
                                  .order_by(ItemUnit.item, ItemUnit.position, ItemUnit.id)):
            names[item_id].append(name)
    return [{"date": r.instructed_on, "level": r.leader_level,
             "level_label": LEVELS.get(r.leader_level, r.leader_level), "leader": r.leader,
             "item_no": r.item.no, "item_title": r.item.title, "units": names[r.item_id]}
            for r in rows]


# ---------------------------------------------------------------- the annual award documents

def award_documents(scheme, year=None):
    """The year's 先进单位 by pool and 先进个人, with the exclusions; only from a published year run."""
    year = int(year if year is not None else scheme.year)
    if year != scheme.year:
        raise KaoheError(f"考核方案「{scheme.name}」的年度是 {scheme.year}，没有 {year} 年度的结果")
    run = official_run(scheme, str(year))
    if run is None:
        latest = latest_run(scheme, str(year))
        hint = (f"请核对后发布第 {latest.id} 次计算（kaohe publish {scheme.name} {latest.id}）"
                if latest else f"请先计算并发布年度结果（kaohe recalc {scheme.name} --period {year}）")
        raise KaoheError(f"考核方案「{scheme.name}」{year}年度结果尚未发布，不能生成评先文件；{hint}")
    lists = awards(run)
    unit_of_reporter = dict(_raw(Reporter.select(Reporter.id, Unit.name)
                                 .join(Unit, on=(Reporter.unit == Unit.id))))
    pools = [{"pool": pool, "label": pool_label(pool),
              "rows": [{"award_rank": r.award_rank, "code": r.unit.code, "name": r.unit.name,
                        "points": r.points} for r in lists["units"].get(pool, [])]}
             for pool in pools_of(scheme)]
    issuer = issuer_of(scheme)
    return {
        "kind": "awards",
        "scheme": scheme.name, "scheme_title": scheme.title or scheme.name, "issuer": issuer,
        "year": year,
        "title": f"{issuer}{year}年度政务信息工作先进单位和先进个人名单",
        "run": {"id": run.id, "period": run.period, "published_at": run.published_at,
                "published_by": run.published_by or ""},
        "pools": pools,
        "reporters": [{"award_rank": r.award_rank, "code": r.reporter.code,
                       "name": r.reporter.name, "unit": unit_of_reporter.get(r.reporter_id, ""),
                       "points": r.points} for r in lists["reporters"]],
        "excluded_units": [{"pool": r.pool, "pool_label": pool_label(r.pool), "code": r.unit.code,
                            "name": r.unit.name, "points": r.points, "reason": r.award_note}
                           for r in lists["excluded_units"]],
        "excluded_reporters": [{"code": r.reporter.code, "name": r.reporter.name,
                                "unit": unit_of_reporter.get(r.reporter_id, ""),
                                "points": r.points, "reason": r.award_note}
                               for r in lists["excluded_reporters"]],
        "generated_at": now(),
    }


# ---------------------------------------------------------------- printable HTML

def _amount(value):
    return f"{money(value):.2f}"


def _date(value):
    if isinstance(value, datetime.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


def environment():
    """The Jinja environment of the report templates: autoescaped, undefined names fail loudly."""
    env = Environment(loader=PackageLoader("kaohe.core.exchange", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["amount"] = _amount
    env.filters["percent"] = percent
    env.filters["cdate"] = _date
    return env


def notification_html(data, toolbar=None):
    """The notification as one printable A4 page; `toolbar` (print/download links) is for the panel."""
    return environment().get_template("reports/notification.html").render(
        data=data, toolbar=toolbar)


def awards_html(data, toolbar=None):
    """The award documents as one printable A4 page."""
    return environment().get_template("reports/awards.html").render(data=data, toolbar=toolbar)


# ---------------------------------------------------------------- xlsx

class _Sheet:
    """Writes rows into an openpyxl sheet, text cells neutralised, remembering column widths."""

    def __init__(self, sheet):
        from openpyxl.styles import Alignment, Border, Font, Side
        self.sheet = sheet
        self.row = 1
        self.widths = defaultdict(lambda: 6)
        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.wrap = Alignment(vertical="top", wrap_text=True)

    def _cell(self, column, value, bold=False, border=False, number=False, wrap=False,
              widest=50):
        if isinstance(value, str):
            value = neutralise(value)
        cell = self.sheet.cell(row=self.row, column=column, value=value)
        if bold:
            cell.font = self.bold
        if border:
            cell.border = self.border
        if number:
            cell.number_format = "0.00"
        if wrap:
            cell.alignment = self.wrap
        text = value if isinstance(value, str) else (f"{value:.2f}" if number else str(value))
        width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2
        self.widths[column] = max(self.widths[column], min(width, widest))
        return cell

    def title(self, text, span):
        cell = self.sheet.cell(row=self.row, column=1, value=neutralise(text))
        cell.font = self.title_font
        cell.alignment = self.center
        self.sheet.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                               end_column=span)
        self.sheet.row_dimensions[self.row].height = 28
        self.row += 1

    def line(self, text, span, bold=False):
        cell = self.sheet.cell(row=self.row, column=1, value=neutralise(text))
        cell.alignment = self.wrap
        if bold:
            cell.font = self.bold
        self.sheet.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                               end_column=span)
        lines = max(1, sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) // (span * 12) + 1)
        self.sheet.row_dimensions[self.row].height = 16 * lines
        self.row += 1

    def header(self, labels):
        self.sheet.row_dimensions[self.row].height = 32  # headers wrap in narrow columns
        for column, label in enumerate(labels, 1):
            cell = self._cell(column, label, bold=True, border=True, widest=12)
            cell.alignment = self.center
        self.row += 1

    def values(self, values, amounts=()):
        for column, value in enumerate(values, 1):
            self._cell(column, value, border=True, number=column in amounts,
                       wrap=isinstance(value, str) and len(value) > 20)
        self.row += 1

    def blank(self):
        self.row += 1

    def finish(self, landscape=False, title_rows=None):
        from openpyxl.utils import get_column_letter
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = width
        setup = self.sheet.page_setup
        setup.paperSize = self.sheet.PAPERSIZE_A4
        setup.orientation = "landscape" if landscape else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_options.horizontalCentered = True
        self.sheet.page_margins.left = self.sheet.page_margins.right = 0.5
        self.sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
        self.sheet.evenFooter.center.text = "第 &P 页 共 &N 页"
        if title_rows:
            self.sheet.print_title_rows = title_rows


def _sheet_title(text, used):
    for bad in "[]:*?/\\":
        text = text.replace(bad, "、")
    text = text[:28] or "表"
    base, n = text, 2
    while text in used:
        text = f"{base}{n}"
        n += 1
    used.add(text)
    return text


def _save(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def notification_headers(data):
    return (["名次", "单位", "本月报送（篇）"]
            + [f"本月采用·{label}（篇次）" for _key, label in data["level_columns"]]
            + ["本月采用合计（篇次）", "本月得分", "年度累计得分", "年度采用/报送（篇）", "年度采用率",
               "同分说明"])


def notification_xlsx(data):
    """The notification as an xlsx workbook: a sheet per pool, then the instructions and the runs."""
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    used = set()
    headers = notification_headers(data)
    span = len(headers)
    levels = [key for key, _label in data["level_columns"]]
    amount_columns = (4 + len(levels) + 1, 4 + len(levels) + 2)
    for pool in data["pools"]:
        writer = _Sheet(book.create_sheet(_sheet_title(pool["label"], used)))
        writer.title(f"{data['title']}——{pool['label']}", span)
        writer.line(_runs_sentence(data), span)
        writer.line(data["notice"], span, bold=not data["all_official"])
        header_row = writer.row
        writer.header(headers)
        for r in pool["rows"]:
            writer.values([r["rank"], r["name"], r["submitted"]]
                          + [r["adoptions"][key] for key in levels]
                          + [r["adoptions_total"], r["points"], r["total"],
                             f"{r['adopted_ytd']}/{r['submitted_ytd']}", r["adoption_rate_text"],
                             r["tie_break"]], amounts=amount_columns)
        writer.blank()
        names = "、".join(pool["no_adoption"]) or "无"
        writer.line(f"本年度截至{data['period_title']}末尚无采用的单位（{len(pool['no_adoption'])}家）："
                    f"{names}", span, bold=True)
        writer.finish(landscape=True, title_rows=f"{header_row}:{header_row}")
    writer = _Sheet(book.create_sheet(_sheet_title("领导批示", used)))
    instruction_headers = ["批示日期", "批示领导级别", "批示领导", "稿件编号", "稿件标题", "报送单位"]
    writer.title(f"{data['period_title']}领导批示情况（{len(data['instructions'])}件）",
                 len(instruction_headers))
    header_row = writer.row
    writer.header(instruction_headers)
    for i in data["instructions"]:
        writer.values([_date(i["date"]), i["level_label"], i["leader"], i["item_no"],
                       i["item_title"], "、".join(i["units"])])
    if not data["instructions"]:
        writer.line("本月没有领导批示。", len(instruction_headers))
    writer.finish(landscape=True, title_rows=f"{header_row}:{header_row}")
    writer = _Sheet(book.create_sheet(_sheet_title("计算依据", used)))
    writer.title("本通报所用的计算结果", 5)
    writer.line(data["notice"], 5, bold=not data["all_official"])
    header_row = writer.row
    writer.header(["月份", "计算编号", "计算时间", "状态", "考核方案"])
    for r in data["runs"]:
        writer.values([r["title"], r["run_id"], _date(r["created_at"]), r["status"],
                       data["scheme"]])
    writer.line(f"生成时间：{_date(data['generated_at'])}", 5)
    writer.finish(title_rows=f"{header_row}:{header_row}")
    return _save(book)


def _runs_sentence(data):
    parts = [f"{r['title']}第{r['run_id']}次计算（{r['status']}）" for r in data["runs"]]
    return "计算依据：" + "；".join(parts)


def awards_xlsx(data):
    """The award documents as an xlsx workbook: 先进单位, 先进个人 and 不参加评先."""
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    used = set()
    published = _published_sentence(data)
    writer = _Sheet(book.create_sheet(_sheet_title("先进单位", used)))
    writer.title(f"{data['issuer']}{data['year']}年度政务信息工作先进单位", 4)
    writer.line(published, 4)
    for pool in data["pools"]:
        writer.line(f"{pool['label']}（{len(pool['rows'])}家）", 4, bold=True)
        writer.header(["名次", "单位代码", "单位", "得分"])
        for r in pool["rows"]:
            writer.values([r["award_rank"], r["code"], r["name"], r["points"]], amounts=(4,))
        if not pool["rows"]:
            writer.line("（无）", 4)
        writer.blank()
    writer.finish()
    writer = _Sheet(book.create_sheet(_sheet_title("先进个人", used)))
    writer.title(f"{data['issuer']}{data['year']}年度政务信息工作先进个人", 5)
    writer.line(published, 5)
    header_row = writer.row
    writer.header(["名次", "信息员编号", "姓名", "所在单位", "得分"])
    for r in data["reporters"]:
        writer.values([r["award_rank"], r["code"], r["name"], r["unit"], r["points"]],
                      amounts=(5,))
    if not data["reporters"]:
        writer.line("（无）", 5)
    writer.finish(title_rows=f"{header_row}:{header_row}")
    writer = _Sheet(book.create_sheet(_sheet_title("不参加评先", used)))
    writer.title("不参加评先的单位和个人", 5)
    writer.line("单位", 5, bold=True)
    writer.header(["考核组别", "单位代码", "单位", "得分", "原因"])
    for r in data["excluded_units"]:
        writer.values([r["pool_label"], r["code"], r["name"], r["points"], r["reason"]],
                      amounts=(4,))
    if not data["excluded_units"]:
        writer.line("（无）", 5)
    writer.blank()
    writer.line("个人", 5, bold=True)
    writer.header(["信息员编号", "姓名", "所在单位", "得分", "原因"])
    for r in data["excluded_reporters"]:
        writer.values([r["code"], r["name"], r["unit"], r["points"], r["reason"]], amounts=(4,))
    if not data["excluded_reporters"]:
        writer.line("（无）", 5)
    writer.finish(landscape=True)
    return _save(book)


def _published_sentence(data):
    run = data["run"]
    when = _date(run["published_at"]) if run["published_at"] else ""
    who = f"由{run['published_by']}" if run["published_by"] else ""
    return f"依据：{data['year']}年度第{run['id']}次计算，{when}{who}正式发布"


def notification_filename(data, fmt_):
    return f"{data['scheme']}-通报-{data['period']}.{fmt_}"


def awards_filename(data, fmt_):
    return f"{data['scheme']}-{data['year']}年度评先名单.{fmt_}"

