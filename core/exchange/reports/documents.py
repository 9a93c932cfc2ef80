"""The notification and award documents rendered: printable HTML and xlsx workbooks, with their file names."""

import datetime
import io
from collections import defaultdict

from jinja2 import Environment, PackageLoader, StrictUndefined

from kaohe.core.domain.vocab import money, percent
from kaohe.core.exchange.exporter import neutralise


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
