"""The annual award documents (先进单位、先进个人) as plain data, from the year's published run."""

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import pool_label
from kaohe.core.exchange.reports.common import issuer_of
from kaohe.core.runs.awarding import award_wording
from kaohe.core.runs.results import awards, latest_run, official_run
from kaohe.core.storage.db import fetch_rows
from kaohe.core.storage.models import Reporter, Unit
from kaohe.core.storage.schemes import award_titles, pools_of


def award_documents(scheme, year=None, stored=None):
    """The year's 先进单位 by pool and 先进个人, with the exclusions; only from a published year run.

    `stored(run, texts)` (optional) gives the Sentences the run kept for its texts, by text (the
    panel in English: admin/i18n.py kept_sentences), so that the reasons can be said in another
    language."""
    year = int(year if year is not None else scheme.year)
    if year != scheme.year:
        raise KaoheError(say("考核方案「{scheme}」的年度是 {year}，没有 {asked} "
            "年度的结果",
            scheme=scheme.name, year=scheme.year, asked=year))
    run = official_run(scheme, str(year))
    if run is None:
        latest = latest_run(scheme, str(year))
        hint = (say("请核对后发布第 {run} 次计算（kaohe publish {scheme} {run}）", run=latest.id,
                    scheme=scheme.name)
                if latest else say("请先计算并发布年度结果（kaohe recalc {scheme} --period {year}）",
                                   scheme=scheme.name, year=year))
        raise KaoheError(say("考核方案「{scheme}」{year}年度结果尚未发布，不能生成评先文件；"
            "{hint}",
            scheme=scheme.name, year=year, hint=hint))
    lists = awards(run)
    excluded = [*lists["excluded_units"], *lists["excluded_reporters"]]
    kept = stored(run, [t for r in excluded for t in (r.veto_reason, r.award_note)]) if stored else None
    unit_of_reporter = dict(fetch_rows(Reporter.select(Reporter.id, Unit.name)
                                 .join(Unit, on=(Reporter.unit == Unit.id))))
    pools = [{"pool": pool, "label": pool_label(pool),
              "rows": [{"award_rank": r.award_rank, "code": r.unit.code, "name": r.unit.name,
                        "points": r.points} for r in lists["units"].get(pool, [])]}
             for pool in pools_of(scheme)]
    issuer = issuer_of(scheme)
    unit_title, reporter_title = award_titles(run.parameter_version.config)  # the run's version's
    return {
        "kind": "awards",
        "scheme": scheme.name, "scheme_title": scheme.title or scheme.name, "issuer": issuer,
        "year": year,
        "title": say("{issuer}{year}年度政务信息工作{unit_title}和{reporter_title}名单", issuer=issuer,
                     year=year, unit_title=unit_title, reporter_title=reporter_title),
        "unit_title": unit_title, "reporter_title": reporter_title,
        "run": {"id": run.id, "period": run.period, "published_at": run.published_at,
                "published_by": run.published_by or ""},
        "pools": pools,
        "reporters": [{"award_rank": r.award_rank, "code": r.reporter.code,
                       "name": r.reporter.name, "unit": unit_of_reporter.get(r.reporter_id, ""),
                       "points": r.points} for r in lists["reporters"]],
        "excluded_units": [{"pool": r.pool, "pool_label": pool_label(r.pool), "code": r.unit.code,
                            "name": r.unit.name, "points": r.points, "reason": award_wording(run, r, kept)}
                           for r in lists["excluded_units"]],
        "excluded_reporters": [{"code": r.reporter.code, "name": r.reporter.name,
                                "unit": unit_of_reporter.get(r.reporter_id, ""),
                                "points": r.points, "reason": award_wording(run, r, kept)}
                               for r in lists["excluded_reporters"]],
        "generated_at": now(),
    }
