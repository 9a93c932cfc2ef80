"""The shape every further report shares (title, basis, sections of rows), and its printable HTML and xlsx.

A report is plain data: ``title``, ``scheme``/``scheme_title``, ``period``/``period_title``, the
``run`` it reads (or None when it counts today's data), ``basis`` (the sentence naming its
source), ``notice`` (未发布 and the like), ``stale``, ``sections`` (each a ``heading``,
``columns``, ``rows`` of cells, ``amounts``: 1-based columns holding points, ``widths``) and
``notes``. The JSON API returns the same data.
"""

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now, parse_period
from kaohe.core.domain.sentences import say
from kaohe.core.exchange.reports.common import OFFICIAL, UNOFFICIAL
from kaohe.core.exchange.reports.sheets import Sheet, save, sheet_title, workbook
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
        basis = basis or "依据：现在的数据（不依据某次计算）"
        notice = ""
    else:
        basis = basis or f"依据：{parse_period(run.period).title}第{run.id}次计算（{OFFICIAL if official else UNOFFICIAL}）"
        notice = "" if official else "注意：所用计算结果尚未正式发布，本表数字不是正式结果，仅供核对"
    return {
        "kind": kind, "title": title, "scheme": scheme.name,
        "scheme_title": scheme.title or scheme.name, "period": period.label,
        "period_title": period.title,
        "run": None if run is None else {"id": run.id, "period": run.period, "official": official},
        "basis": basis, "notice": notice, "stale": stale_message([run]) if run else "",
        "sections": list(sections), "notes": list(notes), "generated_at": now(),
    }


def section(heading, columns, rows, widths, amounts=(), empty="无"):
    return {"heading": heading, "columns": list(columns), "rows": [list(r) for r in rows],
            "widths": list(widths), "amounts": list(amounts), "empty": empty}


def table_html(data, toolbar=None, nonce=None):
    """A report as a printable A4 page (`toolbar`, `nonce`: as notification_html)."""
    from kaohe.core.exchange.reports.documents import environment
    return environment().get_template("reports/table.html").render(data=data, toolbar=toolbar,
                                                                    nonce=nonce)


def table_xlsx(data):
    """A report as an xlsx workbook: one sheet per section, each with the report's title block."""
    book = workbook()
    used = set()
    for part in data["sections"]:
        writer = Sheet(book.create_sheet(sheet_title(part["heading"], used)), part["widths"])
        writer.title(data["title"])
        writer.line(f"考核方案：{data['scheme_title']}　统计期间：{data['period_title']}　{data['basis']}")
        warning = "　".join(p for p in (data["notice"], data["stale"]) if p)
        if warning:
            writer.line(warning, bold=True)
        writer.line(part["heading"], bold=True)
        header_row = writer.header(part["columns"])
        for row in part["rows"]:
            writer.values(row, amounts=set(part["amounts"]))
        if not part["rows"]:
            writer.line(part["empty"])
        for note in data["notes"]:
            writer.line(note)
        writer.finish(landscape=max(sum(p["widths"]) for p in data["sections"]) > 100,
                      header_row=header_row)
    return save(book)


def table_filename(data, fmt_):
    return f"{data['scheme']}-{data['title']}-{data['period']}.{fmt_}".replace("/", "、")
