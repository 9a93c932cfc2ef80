"""The shape every further report shares (title, basis, sections of rows), and its printable HTML and xlsx.

A report is plain data: ``title``, ``scheme``/``scheme_title``, ``period``/``period_title``, the
``run`` it reads (or None when it counts today's data), ``basis`` (the sentence naming its
source), ``notice`` (未发布 and the like), ``stale``, ``sections`` (each a ``heading``,
``columns``, ``rows`` of cells, ``amounts``: 1-based columns holding points, ``widths``) and
``notes``. The JSON API returns the same data. Its words and sentences are Chinese (Sentences where
they have figures); a cell that is a Sentence (a word of a vocabulary: 县(市、区), 合计, 迟报) is
said in the reader's language by the renderers, a plain str cell is data (see documents.py).
"""

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now, parse_period
from kaohe.core.domain.sentences import a_word, listing, say
from kaohe.core.exchange.reports.common import OFFICIAL, UNOFFICIAL
from kaohe.core.exchange.reports.sheets import Sheet, same, save, sheet_title, workbook
from kaohe.core.runs.results import is_official, latest_run, official_run
from kaohe.core.runs.snapshot import stale_message


class MissingPeriod(KaoheError):
    """A report's period has no run yet; `months` holds the period (as MissingMonths does)."""

    def __init__(self, message, period):
        super().__init__(message)
        self.months = [period]


def period_of(scheme, raw, kinds=None, what="报表"):
    period = parse_period(raw if raw is not None else scheme.year)
    if period.year != scheme.year:
        raise KaoheError(say("{period}不在考核方案「{scheme}」的年度 {year} 内",
            period=period.title, scheme=scheme.name, year=scheme.year))
    if kinds and period.kind not in kinds:
        examples = {"quarter": f"{scheme.year}-Q1", "year": str(scheme.year), "month": f"{scheme.year}-03"}
        wanted = "、".join(examples[k] for k in kinds if k in examples)
        raise KaoheError(say("{what}的期间应为 {wanted} 这样的期间，而不是「{period}」",
            what=what, wanted=wanted, period=period.label))
    return period


def run_for(scheme, period):
    """The period's official run, else its latest; a period without a run is MissingPeriod."""
    run = official_run(scheme, period.label) or latest_run(scheme, period.label)
    if run is None:
        raise MissingPeriod(say("考核方案「{scheme}」{period}尚未计算，无法生成报表；"
            "请先计算（命令行 kaohe recalc {scheme} --period {label}）",
            scheme=scheme.name, period=period.title, label=period.label), period)
    return run


def report(kind, title, scheme, period, run, sections, notes=(), basis=None):
    """Assemble a report's data: the run's status and freshness said as every document says them."""
    official = run is not None and is_official(run)
    if run is None:
        basis = basis or say("依据：现在的数据（不依据某次计算）")
        notice = ""
    else:
        basis = basis or say("依据：{period}第{run}次计算（{status}）", period=parse_period(run.period).title,
                             run=run.id, status=a_word(OFFICIAL if official else UNOFFICIAL))
        notice = "" if official else say("注意：所用计算结果尚未正式发布，本表数字不是正式结果，仅供核对")
    return {
        "kind": kind, "title": title, "scheme": scheme.name,
        "scheme_title": scheme.title or scheme.name, "period": period.label,
        "period_title": period.title,
        "run": None if run is None else {"id": run.id, "period": run.period, "official": official},
        "basis": basis, "notice": notice, "stale": stale_message([run]) if run else "",
        "sections": list(sections), "notes": list(notes), "generated_at": now(),
    }


def section(heading, columns, rows, widths, amounts=(), empty=a_word("无")):
    return {"heading": heading, "columns": list(columns), "rows": [list(r) for r in rows],
            "widths": list(widths), "amounts": list(amounts), "empty": empty}


def period_line(data):
    return say("考核方案：{scheme}　统计期间：{period}", scheme=data["scheme_title"], period=data["period_title"])


def table_html(data, toolbar=None, nonce=None, words=None, lang=None):
    """A report as a printable A4 page (the arguments as documents.notification_html)."""
    from kaohe.core.exchange.reports.documents import generated_line, render, stale_line
    return render("reports/table.html", data, toolbar, nonce, words, lang,
                  s={"period_line": period_line, "generated_line": generated_line,
                     "stale_line": stale_line})


def table_xlsx(data, words=None):
    """A report as an xlsx workbook: one sheet per section, each with the report's title block
    (`words`: the reader's language, see documents.py)."""
    from kaohe.core.exchange.reports.documents import said_cell
    t = words or same
    cell = said_cell(t)
    book = workbook()
    used = set()
    for part in data["sections"]:
        writer = Sheet(book.create_sheet(sheet_title(t(part["heading"]), used)), part["widths"], t)
        writer.title(t(data["title"]))
        writer.line(t(say("{period_line}　{basis}", period_line=period_line(data), basis=data["basis"])))
        warning = listing([p for p in (data["notice"], data["stale"]) if p], "　")
        if warning:
            writer.line(t(warning), bold=True)
        writer.line(t(part["heading"]), bold=True)
        header_row = writer.header([t(label) for label in part["columns"]])
        for row in part["rows"]:
            writer.values([cell(value) for value in row], amounts=set(part["amounts"]))
        if not part["rows"]:
            writer.line(t(part["empty"]))
        for note in data["notes"]:
            writer.line(t(note))
        writer.finish(landscape=max(sum(p["widths"]) for p in data["sections"]) > 100,
                      header_row=header_row)
    return save(book)


def table_filename(data, fmt_, words=None):
    """「市政府系统-<title>-2025-Q1.xlsx」; in another language (`words`) without the title's colon,
    which a file name on Windows cannot hold."""
    title = words(data["title"]).replace(":", "") if words else data["title"]
    return (words or same)(say("{scheme}-{title}-{period}.{format}", scheme=data["scheme"], title=title,
                               period=data["period"], format=fmt_)).replace("/", "、")
