"""The notification and award documents rendered: printable HTML and xlsx workbooks, with their file names."""

import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from kaohe.core.domain.vocab import money, percent
from kaohe.core.exchange.reports.sheets import Sheet, save, sheet_title, workbook


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


def notification_html(data, toolbar=None, nonce=None):
    """The notification as one printable A4 page; `toolbar` (print/download links) is for the
    panel, whose content policy runs the print button's script by this answer's `nonce`."""
    return environment().get_template("reports/notification.html").render(
        data=data, toolbar=toolbar, nonce=nonce)


def awards_html(data, toolbar=None, nonce=None):
    """The award documents as one printable A4 page (`toolbar`, `nonce`: as notification_html)."""
    return environment().get_template("reports/awards.html").render(data=data, toolbar=toolbar,
                                                                     nonce=nonce)


def notification_headers(data):
    return (["名次", "单位", "本月报送（篇）"]
            + [f"本月采用·{label}（篇次）" for _key, label in data["level_columns"]]
            + ["本月采用合计（篇次）", "本月得分", "年度累计得分", "年度采用/报送（篇）", "年度采用率",
               "同分说明"])


def _notification_widths(data):
    ties = any(r["tie_break"] for pool in data["pools"] for r in pool["rows"])
    return [6, 16, 8] + [10] * len(data["level_columns"]) + [9, 9, 10, 10, 8, 30 if ties else 10]


def _basis(data):
    """The second title line: scheme, the runs used and whether each is published."""
    return f"考核方案：{data['scheme_title']}　{_runs_sentence(data)}"


def _warnings(data):
    """The notice, then the out-of-date banner and caveats, as one paragraph."""
    return "　".join(part for part in [data["notice"], data.get("stale", "")]
                    + list(data.get("caveats", [])) if part)


def notification_xlsx(data):
    """The notification as an xlsx workbook: a sheet per pool, then the instructions and the runs."""
    book = workbook()
    used = set()
    headers = notification_headers(data)
    levels = [key for key, _label in data["level_columns"]]
    amount_columns = (4 + len(levels) + 1, 4 + len(levels) + 2)
    whole_year = data.get("whole_year") or {}
    for pool in data["pools"]:
        writer = Sheet(book.create_sheet(sheet_title(pool["label"], used)),
                       _notification_widths(data))
        writer.title(f"{data['title']}——{pool['label']}")
        writer.line(_basis(data))
        writer.line(_warnings(data), bold=not data["all_official"] or bool(data.get("stale")))
        header_row = writer.header(headers)
        for r in pool["rows"]:
            writer.values([r["rank"], r["name"], r["submitted"]]
                          + [r["adoptions"][key] for key in levels]
                          + [r["adoptions_total"], r["points"], r["total"],
                             f"{r['adopted_ytd']}/{r['submitted_ytd']}", r["adoption_rate_text"],
                             r["tie_break"]], amounts=amount_columns)
        writer.blank()
        names = "、".join(pool["no_adoption"]) or "无"
        writer.line(f"本年度截至{data['period_title']}末尚无采用的单位（{len(pool['no_adoption'])}家）："
                    f"{names}", bold=True)
        members = {r["name"] for r in pool["rows"]}
        if whole_year:
            writer.line(whole_year["sentence"])
            for unit in whole_year.get("units", []):
                if unit["name"] in members:
                    writer.line(unit["sentence"])
        writer.finish(landscape=True, header_row=header_row)
    instruction_headers = ["批示日期", "批示领导级别", "批示领导", "稿件编号", "稿件标题", "报送单位"]
    writer = Sheet(book.create_sheet(sheet_title("领导批示", used)), [14, 10, 10, 12, 44, 24])
    writer.title(f"{data['period_title']}领导批示情况（{len(data['instructions'])}件）")
    header_row = writer.header(instruction_headers)
    for i in data["instructions"]:
        writer.values([_date(i["date"]), i["level_label"], i["leader"], i["item_no"],
                       i["item_title"], "、".join(i["units"])])
    if not data["instructions"]:
        writer.line("本月没有领导批示。")
    writer.finish(landscape=True, header_row=header_row)
    writer = Sheet(book.create_sheet(sheet_title("计算依据", used)), [12, 10, 20, 10, 24])
    writer.title("本通报所用的计算结果")
    writer.line(_warnings(data), bold=not data["all_official"] or bool(data.get("stale")))
    header_row = writer.header(["月份", "计算编号", "计算时间", "状态", "考核方案"])
    for r in data["runs"]:
        writer.values([r["title"], r["run_id"], _date(r["created_at"]), r["status"],
                       data["scheme"]])
    writer.line(f"生成时间：{_date(data['generated_at'])}")
    writer.finish(header_row=header_row)
    return save(book)


def _runs_sentence(data):
    parts = [f"{r['title']}第{r['run_id']}次计算（{r['status']}）" for r in data["runs"]]
    return "计算依据：" + "；".join(parts)


def awards_xlsx(data):
    """The award documents as an xlsx workbook: 先进单位, 先进个人 and 不参加评先."""
    book = workbook()
    used = set()
    published = _published_sentence(data)
    writer = Sheet(book.create_sheet(sheet_title(data["unit_title"], used)), [8, 12, 30, 12])
    writer.title(f"{data['issuer']}{data['year']}年度政务信息工作{data['unit_title']}")
    writer.line(f"考核方案：{data['scheme_title']}　{published}")
    for pool in data["pools"]:
        writer.line(f"{pool['label']}（{len(pool['rows'])}家）", bold=True)
        writer.header(["名次", "单位代码", "单位", "得分"])
        for r in pool["rows"]:
            writer.values([r["award_rank"], r["code"], r["name"], r["points"]], amounts=(4,))
        if not pool["rows"]:
            writer.line("（无）")
        writer.blank()
    writer.finish()
    writer = Sheet(book.create_sheet(sheet_title(data["reporter_title"], used)),
                   [8, 12, 12, 26, 12])
    writer.title(f"{data['issuer']}{data['year']}年度政务信息工作{data['reporter_title']}")
    writer.line(f"考核方案：{data['scheme_title']}　{published}")
    header_row = writer.header(["名次", "信息员编号", "姓名", "所在单位", "得分"])
    for r in data["reporters"]:
        writer.values([r["award_rank"], r["code"], r["name"], r["unit"], r["points"]],
                      amounts=(5,))
    if not data["reporters"]:
        writer.line("（无）")
    writer.finish(header_row=header_row)
    writer = Sheet(book.create_sheet(sheet_title("不参加评先", used)), [12, 12, 20, 10, 60])
    writer.title("不参加评先的单位和个人")
    writer.line(published)
    writer.line("单位", bold=True)
    writer.header(["考核组别", "单位代码", "单位", "得分", "原因"])
    for r in data["excluded_units"]:
        writer.values([r["pool_label"], r["code"], r["name"], r["points"], r["reason"]],
                      amounts=(4,))
    if not data["excluded_units"]:
        writer.line("（无）")
    writer.blank()
    writer.line("个人", bold=True)
    writer.header(["信息员编号", "姓名", "所在单位", "得分", "原因"])
    for r in data["excluded_reporters"]:
        writer.values([r["code"], r["name"], r["unit"], r["points"], r["reason"]], amounts=(4,))
    if not data["excluded_reporters"]:
        writer.line("（无）")
    writer.line(f"生成时间：{_date(data['generated_at'])}")
    writer.finish(landscape=True)
    return save(book)


def _published_sentence(data):
    run = data["run"]
    when = _date(run["published_at"]) if run["published_at"] else ""
    who = f"由{run['published_by']}" if run["published_by"] else ""
    return f"依据：{data['year']}年度第{run['id']}次计算，{when}{who}正式发布"


def notification_filename(data, fmt_):
    return f"{data['scheme']}-通报-{data['period']}.{fmt_}"


def awards_filename(data, fmt_):
    return f"{data['scheme']}-{data['year']}年度评先名单.{fmt_}"
