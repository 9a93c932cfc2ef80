"""The notification and award documents rendered: printable HTML and xlsx workbooks, with their file names.

Every document speaks Chinese unless its renderer is given `words`: a function that says a Chinese
word or a Sentence (kaohe.core.domain.sentences.say) in the reader's language (the panel in
English passes admin/i18n.py `word`). The documents' own words are said through it, each sentence
with figures defined once here (shared by the HTML and the xlsx); data (a unit's, a person's, a
publication's name, an item's title) is never passed through it. `lang` is the HTML page's
language; in English its print fonts name Latin faces first, the Chinese faces after them for
the data.
"""

import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from kaohe.core.domain.sentences import Sentence, a_word, listing, say
from kaohe.core.domain.vocab import money, percent
from kaohe.core.exchange.reports.sheets import Sheet, page_footer, same, save, sheet_title, workbook

CHINESE = "zh-CN"
LATIN_SERIF = '"Times New Roman", "Liberation Serif", '  # before the Chinese faces, in English
LATIN_SANS = '"Arial", "Liberation Sans", '


def _amount(value):
    return f"{money(value):.2f}"


def date_words(value):
    """A day (and a time) as the documents print it: 「2025年3月20日」, 「2025年3月20日 14:30」."""
    if isinstance(value, datetime.datetime):
        return say("{year}年{month}月{day}日 {time}", year=value.year, month=value.month,
                   day=value.day, time=f"{value:%H:%M}")
    return say("{year}年{month}月{day}日", year=value.year, month=value.month, day=value.day)


@pass_context
def _said_date(context, value):
    return context["t"](date_words(value))


def _css_footer(words):
    """The print footer as CSS content: 「"第 " counter(page) " 页 共 " counter(pages) " 页"」."""
    text = page_footer(words).replace('"', "'")
    content = '"' + text.replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "') + '"'
    return Markup(content.replace(' ""', "").replace('"" ', ""))


def environment():
    """The Jinja environment of the report templates: autoescaped, undefined names fail loudly."""
    env = Environment(loader=PackageLoader("kaohe.core.exchange", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["amount"] = _amount
    env.filters["percent"] = percent
    env.filters["cdate"] = _said_date
    return env


def said_cell(words):
    """A report cell in the reader's language: a Sentence (a word of the core, a sentence) is
    said, any other value (data, a number) is as it is."""
    return lambda value: words(value) if isinstance(value, Sentence) else value


def render(template, data, toolbar=None, nonce=None, words=None, lang=None, **context):
    """A document's template rendered for a reader: `words` and `lang` as the module says."""
    words = words or same
    latin = (lang or CHINESE) != CHINESE
    return environment().get_template(template).render(
        data=data, toolbar=toolbar, nonce=nonce, t=words, cell=said_cell(words),
        lang=lang or CHINESE, footer=_css_footer(words),
        latin_serif=Markup(LATIN_SERIF if latin else ""), latin_sans=Markup(LATIN_SANS if latin else ""),
        **context)


# ---------------------------------------------------------------- shared sentences

def pool_heading(pool, count=None):
    """「县(市、区)（3家）」."""
    return say("{label}（{n}家）", label=pool["label"],
               n=len(pool["rows"]) if count is None else count)


def scheme_line(data):
    return say("考核方案：{scheme}", scheme=data["scheme_title"])


def generated_line(data, basis):
    """The basis of a document, then when it was made: 「依据：…　生成时间：2025年3月20日 14:30」."""
    return say("{basis}　生成时间：{generated}", basis=basis, generated=date_words(data["generated_at"]))


def stale_line(data):
    return say("结果可能已过时：{why}", why=data["stale"])


# ---------------------------------------------------------------- the notification

def runs_sentence(data):
    """「计算依据：2025年1月第1次计算（未发布）；…」."""
    return say("计算依据：{runs}", runs=listing(
        [say("{month}第{run}次计算（{status}）", month=r["title"], run=r["run_id"], status=r["status"])
         for r in data["runs"]], "；"))


def notification_meta(data):
    return say("考核方案：{scheme}　统计期间：{period}（年度累计自{year}年1月起）",
               scheme=data["scheme_title"], period=data["period_title"], year=data["year"])


def no_adoption_label(data, pool):
    """「本年度截至2025年3月末尚无采用的单位（1家）：」, the names follow it."""
    return say("本年度截至{period}末尚无采用的单位（{n}家）：", period=data["period_title"],
               n=len(pool["no_adoption"]))


def no_adoption_names(pool):
    return listing(pool["no_adoption"], empty=say("无"))


def instructions_heading(data):
    return say("{period}领导批示情况（{n}件）", period=data["period_title"], n=len(data["instructions"]))


def closing_note(data):
    return say("说明：本月采用按采用日期统计，一篇稿件被多个刊物采用的分别计数，“上报”不计为采用；年度采用率为本年报送的"
               "稿件中截至本月末已被采用的比例；名次按年度累计得分排列，同分时依次比较国家级、省级、市级采用篇次和采用率。"
               "生成时间：{generated}。", generated=date_words(data["generated_at"]))


NOTIFICATION_SENTENCES = {name: globals()[name] for name in (
    "pool_heading", "scheme_line", "generated_line", "stale_line", "runs_sentence", "notification_meta",
    "no_adoption_label", "no_adoption_names", "instructions_heading", "closing_note", "listing")}


def notification_html(data, toolbar=None, nonce=None, words=None, lang=None):
    """The notification as one printable A4 page; `toolbar` (print/download links) is for the
    panel, whose content policy runs the print button's script by this answer's `nonce`;
    `words`, `lang`: the reader's language (see the module)."""
    return render("reports/notification.html", data, toolbar, nonce, words, lang,
                  s=NOTIFICATION_SENTENCES)


def awards_html(data, toolbar=None, nonce=None, words=None, lang=None):
    """The award documents as one printable A4 page (the arguments as notification_html)."""
    return render("reports/awards.html", data, toolbar, nonce, words, lang, s=AWARDS_SENTENCES)


def notification_headers(data, words=same):
    return [words(h) for h in (
        ["名次", "单位", "本月报送（篇）"]
        + [say("本月采用·{level}（篇次）", level=label) for _key, label in data["level_columns"]]
        + ["本月采用合计（篇次）", "本月得分", "年度累计得分", "年度采用/报送（篇）", "年度采用率", "同分说明"])]


def _notification_widths(data):
    ties = any(r["tie_break"] for pool in data["pools"] for r in pool["rows"])
    return [6, 16, 8] + [10] * len(data["level_columns"]) + [9, 9, 10, 10, 8, 30 if ties else 10]


def scheme_basis(data, basis):
    """A document's second title line: its scheme, then what it rests on (the runs used, the
    published run)."""
    return say("考核方案：{scheme}　{basis}", scheme=data["scheme_title"], basis=basis)


def _warnings(data):
    """The notice, then the out-of-date banner and caveats, as one paragraph."""
    return listing([part for part in [data["notice"], data.get("stale", "")]
                    + list(data.get("caveats", [])) if part], "　")


def notification_xlsx(data, words=None):
    """The notification as an xlsx workbook: a sheet per pool, then the instructions and the runs
    (`words`: the reader's language, see the module)."""
    t = words or same
    book = workbook()
    used = set()
    headers = notification_headers(data, t)
    levels = [key for key, _label in data["level_columns"]]
    amount_columns = (4 + len(levels) + 1, 4 + len(levels) + 2)
    whole_year = data.get("whole_year") or {}
    for pool in data["pools"]:
        writer = Sheet(book.create_sheet(sheet_title(t(pool["label"]), used)),
                       _notification_widths(data), t)
        writer.title(t(say("{title}——{pool}", title=data["title"], pool=pool["label"])))
        writer.line(t(scheme_basis(data, runs_sentence(data))))
        writer.line(t(_warnings(data)), bold=not data["all_official"] or bool(data.get("stale")))
        header_row = writer.header(headers)
        for r in pool["rows"]:
            writer.values([r["rank"], r["name"], r["submitted"]]
                          + [r["adoptions"][key] for key in levels]
                          + [r["adoptions_total"], r["points"], r["total"],
                             f"{r['adopted_ytd']}/{r['submitted_ytd']}", r["adoption_rate_text"],
                             t(r["tie_break"])], amounts=amount_columns)
        writer.blank()
        writer.line(t(no_adoption_label(data, pool)) + t(no_adoption_names(pool)), bold=True)
        members = {r["name"] for r in pool["rows"]}
        if whole_year:
            writer.line(t(whole_year["sentence"]))
            for unit in whole_year.get("units", []):
                if unit["name"] in members:
                    writer.line(t(unit["sentence"]))
        writer.finish(landscape=True, header_row=header_row)
    instruction_headers = [t(h) for h in ("批示日期", "批示领导级别", "批示领导", "稿件编号", "稿件标题", "报送单位")]
    writer = Sheet(book.create_sheet(sheet_title(t("领导批示"), used)), [14, 10, 10, 12, 44, 24], t)
    writer.title(t(instructions_heading(data)))
    header_row = writer.header(instruction_headers)
    for i in data["instructions"]:
        writer.values([t(date_words(i["date"])), t(i["level_label"]), i["leader"], i["item_no"],
                       i["item_title"], t(listing(i["units"]))])
    if not data["instructions"]:
        writer.line(t("本月没有领导批示。"))
    writer.finish(landscape=True, header_row=header_row)
    writer = Sheet(book.create_sheet(sheet_title(t("计算依据"), used)), [12, 10, 20, 10, 24], t)
    writer.title(t("本通报所用的计算结果"))
    writer.line(t(_warnings(data)), bold=not data["all_official"] or bool(data.get("stale")))
    header_row = writer.header([t(h) for h in ("月份", "计算编号", "计算时间", "状态",
                                               a_word("考核方案", "方案名称"))])
    for r in data["runs"]:
        writer.values([t(r["title"]), r["run_id"], t(date_words(r["created_at"])), t(r["status"]),
                       data["scheme"]])
    writer.line(t(say("生成时间：{generated}", generated=date_words(data["generated_at"]))))
    writer.finish(header_row=header_row)
    return save(book)


# ---------------------------------------------------------------- the award documents

def published_sentence(data):
    """「依据：2025年度第4次计算，2025年12月31日 10:00由王科长正式发布」, the same on the page and in
    the xlsx; a run published before its time and publisher were kept says what it has."""
    run = data["run"]
    who, known = run["published_by"], {"year": data["year"], "run": run["id"]}
    if run["published_at"]:
        when = date_words(run["published_at"])
        if who:
            return say("依据：{year}年度第{run}次计算，{when}由{who}正式发布", when=when, who=who, **known)
        return say("依据：{year}年度第{run}次计算，{when}正式发布", when=when, **known)
    if who:
        return say("依据：{year}年度第{run}次计算，由{who}正式发布", who=who, **known)
    return say("依据：{year}年度第{run}次计算，正式发布", **known)


def units_heading(data):
    return say("一、{title}", title=data["unit_title"])


def awarded_pool_heading(number, pool):
    return say("（{number}）{label}（{n}家）", number=number, label=pool["label"], n=len(pool["rows"]))


def reporters_heading(data):
    return say("二、{title}（{n}名）", title=data["reporter_title"], n=len(data["reporters"]))


def award_sheet_title(data, title):
    return say("{issuer}{year}年度政务信息工作{title}", issuer=data["issuer"], year=data["year"], title=title)


AWARDS_SENTENCES = {name: globals()[name] for name in (
    "scheme_line", "generated_line", "published_sentence", "units_heading", "awarded_pool_heading",
    "reporters_heading")}


def awards_xlsx(data, words=None):
    """The award documents as an xlsx workbook: 先进单位, 先进个人 and 不参加评先 (`words`: the
    reader's language, see the module)."""
    t = words or same
    book = workbook()
    used = set()
    published = t(published_sentence(data))
    basis = t(scheme_basis(data, published_sentence(data)))
    writer = Sheet(book.create_sheet(sheet_title(t(data["unit_title"]), used)), [8, 12, 30, 12], t)
    writer.title(t(award_sheet_title(data, data["unit_title"])))
    writer.line(basis)
    unit_headers = [t(h) for h in ("名次", "单位代码", "单位", "得分")]
    for pool in data["pools"]:
        writer.line(t(pool_heading(pool)), bold=True)
        writer.header(unit_headers)
        for r in pool["rows"]:
            writer.values([r["award_rank"], r["code"], r["name"], r["points"]], amounts=(4,))
        if not pool["rows"]:
            writer.line(t("（无）"))
        writer.blank()
    writer.finish()
    writer = Sheet(book.create_sheet(sheet_title(t(data["reporter_title"]), used)),
                   [8, 12, 12, 26, 12], t)
    writer.title(t(award_sheet_title(data, data["reporter_title"])))
    writer.line(basis)
    header_row = writer.header([t(h) for h in ("名次", "信息员编号", "姓名", "所在单位", "得分")])
    for r in data["reporters"]:
        writer.values([r["award_rank"], r["code"], r["name"], r["unit"], r["points"]],
                      amounts=(5,))
    if not data["reporters"]:
        writer.line(t("（无）"))
    writer.finish(header_row=header_row)
    writer = Sheet(book.create_sheet(sheet_title(t("不参加评先"), used)), [12, 12, 20, 10, 60], t)
    writer.title(t("不参加评先的单位和个人"))
    writer.line(published)
    writer.line(t(a_word("单位", "（一）单位")), bold=True)
    writer.header([t(h) for h in ("考核组别", "单位代码", "单位", "得分", "原因")])
    for r in data["excluded_units"]:
        writer.values([t(r["pool_label"]), r["code"], r["name"], r["points"], t(r["reason"])],
                      amounts=(4,))
    if not data["excluded_units"]:
        writer.line(t("（无）"))
    writer.blank()
    writer.line(t(a_word("个人", "（二）个人")), bold=True)
    writer.header([t(h) for h in ("信息员编号", "姓名", "所在单位", "得分", "原因")])
    for r in data["excluded_reporters"]:
        writer.values([r["code"], r["name"], r["unit"], r["points"], t(r["reason"])], amounts=(4,))
    if not data["excluded_reporters"]:
        writer.line(t("（无）"))
    writer.line(t(say("生成时间：{generated}", generated=date_words(data["generated_at"]))))
    writer.finish(landscape=True)
    return save(book)


def notification_filename(data, fmt_, words=None):
    return (words or same)(say("{scheme}-通报-{period}.{format}", scheme=data["scheme"],
                               period=data["period"], format=fmt_))


def awards_filename(data, fmt_, words=None):
    return (words or same)(say("{scheme}-{year}年度评先名单.{format}", scheme=data["scheme"],
                               year=data["year"], format=fmt_))
