"""The monthly notification (每月通报) as plain data: each unit's month, running total, rank and rate."""

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now, parse_period
from kaohe.core.domain.sentences import listing, say
from kaohe.core.exchange.reports.common import OFFICIAL, UNOFFICIAL, issuer_of
from kaohe.core.exchange.reports.running import (
    COLUMN_OF_LEVEL,
    LEVEL_COLUMNS,
    month_instructions,
    unit_figures,
)
from kaohe.core.exchange.reports.whole_year import whole_year_note
from kaohe.core.runs.results import is_official, latest_run, official_run
from kaohe.core.runs.snapshot import stale_message
from kaohe.core.runs.store import recalculate

__all__ = ["COLUMN_OF_LEVEL", "LEVEL_COLUMNS", "MissingMonths", "month_runs", "monthly_notification",
           "notification_runs"]


def _month_of(scheme, month):
    period = parse_period(month)
    if period.kind != "month":
        raise KaoheError(say("通报按月生成：期间应为 {year}-03 这样的月份，而不是「{period}」",
            year=scheme.year, period=period.label))
    if period.year != scheme.year:
        raise KaoheError(say("{period}不在考核方案「{scheme}」的年度 {year} 内",
            period=period.title, scheme=scheme.name, year=scheme.year))
    return period


def month_runs(scheme, period):
    """For each month January..`period`: (month period, its official run, else its latest, or None)."""
    found = []
    for m in range(1, period.start.month + 1):
        month = parse_period(f"{period.year}-{m:02d}")
        found.append((month, official_run(scheme, month.label) or latest_run(scheme, month.label)))
    return found


class MissingMonths(KaoheError):
    """Months of a notification that have no run yet; `months` are their periods."""

    def __init__(self, message, months):
        super().__init__(message)
        self.months = months


def _missing_error(scheme, missing):
    months = listing(m.title for m in missing)
    commands = listing((f"kaohe recalc {scheme.name} --period {m.label}" for m in missing), "；")
    return MissingMonths(say("考核方案「{scheme}」{months}尚未计算，无法生成通报。请先计算这些月份"
                             "（{commands}），或选择自动补算（命令行加 --recalc-missing）",
                             scheme=scheme.name, months=months, commands=commands), missing)


def notification_runs(scheme, period, recalc_missing=False, registry=None, author="kaohe notify"):
    """The runs of January..`period`, computing the missing months first when asked to."""
    runs = month_runs(scheme, period)
    missing = [m for m, run in runs if run is None]
    if not missing:
        return runs
    if not recalc_missing:
        raise _missing_error(scheme, missing)
    if registry is None:
        raise TypeError("recalc_missing needs the plugin registry to compute the missing months")
    for m in missing:
        recalculate(registry, scheme, m.label, author=author, note=f"生成{period.title}通报时补算")
    return month_runs(scheme, period)


def _run_rows(runs):
    rows = []
    for m, run in runs:
        official = is_official(run)
        rows.append({"period": m.label, "title": m.title, "run_id": run.id,
                     "official": official, "status": OFFICIAL if official else UNOFFICIAL,
                     "created_at": run.created_at})
    return rows


def monthly_notification(scheme, month, recalc_missing=False, registry=None,
                         author="kaohe notify", stored=None):
    """The notification of `scheme` for `month` (e.g. "2025-03"), read from the stored month runs.

    Every figure comes from the runs it names: the month's points and counts from the month's
    run, the year's running total from the runs of January to the month (each month's official
    run, else its latest), the year to date's submissions and adoptions as the month's run kept
    them. A month without a run is an error (MissingMonths), unless `recalc_missing` computes
    and stores it first (as `author`). `stored(run, texts)` (optional) gives the Sentences a
    run kept for its texts, by text (the panel in English: admin/i18n.py kept_sentences), so
    that the December note can say the year run's explanations in another language.
    """
    period = _month_of(scheme, month)
    runs = notification_runs(scheme, period, recalc_missing, registry, author)
    used = [run for _m, run in runs]
    pools, totals, live = unit_figures(scheme, used)
    instructions, live_instructions = month_instructions(used[-1], list(totals))
    run_rows = _run_rows(runs)
    unofficial = [r["title"] for r in run_rows if not r["official"]]
    notice = (say("注意：{months}的计算结果尚未正式发布，本通报相关数字不是正式结果，仅供核对",
                  months=listing(unofficial))
              if unofficial else say("本通报所用各月计算结果均已正式发布"))
    caveats = []
    if live or live_instructions:
        ids = sorted({r.id for r in live} | ({used[-1].id} if live_instructions else set()))
        caveats.append(say("第{runs}次计算保存时未记录通报所需的计数，这些计数按现在的数据统计",
                           runs=listing(map(str, ids))))
    issuer = issuer_of(scheme)
    return {
        "kind": "notification",
        "scheme": scheme.name, "scheme_title": scheme.title or scheme.name,
        "issuer": issuer, "year": period.year, "month": period.start.month,
        "period": period.label, "period_title": period.title,
        "title": say("{issuer}政务信息工作通报（{day:%Y}年第{month}期）", issuer=issuer,
                     day=period.start, month=period.start.month),
        "runs": run_rows, "all_official": not unofficial, "notice": notice,
        "stale": stale_message(used), "caveats": caveats,
        "whole_year": whole_year_note(scheme, period, used, totals, registry, stored),
        "level_columns": [(key, label) for key, label, _levels in LEVEL_COLUMNS],
        "pools": pools,
        "instructions": instructions,
        "generated_at": now(),
    }
