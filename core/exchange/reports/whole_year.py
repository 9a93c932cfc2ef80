"""Why a running total of month runs differs from the year's result: the rules scored only for the whole year."""

from collections import defaultdict

from peewee import fn

from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import fmt, from_cents
from kaohe.core.exchange.exporter import ruleset_titles
from kaohe.core.runs.results import is_official, latest_run, official_run
from kaohe.core.storage.db import chunked, fetch_rows
from kaohe.core.storage.models import ScoreLine, Unit, UnitResult

GENERAL = say("年度累计得分是1月至本月各月计算结果之和；只在全年计算时计入的规则（例如按全年排名给的加分）"
              "不在各月结果中，以年度计算结果为准。")


def _rule_sums(run_ids, unit_ids):
    """{(unit, rule set, rule): (points, an explanation)} of the runs' score lines of the units."""
    found = {}
    for part in chunked(unit_ids):
        query = (ScoreLine.select(ScoreLine.unit, ScoreLine.ruleset, ScoreLine.rule,
                                  fn.SUM(ScoreLine.points), fn.MIN(ScoreLine.explanation))
                 .where(ScoreLine.run.in_(run_ids) & ScoreLine.unit.in_(part)
                        & (ScoreLine.kind == "score"))
                 .group_by(ScoreLine.unit, ScoreLine.ruleset, ScoreLine.rule))
        for unit, ruleset, rule, points, explanation in fetch_rows(query):
            found[(unit, ruleset, rule)] = (from_cents(points), explanation)
    return found


def whole_year_note(scheme, period, runs, totals, registry=None, stored=None):
    """What the notification says about the year's own result.

    Before December: the general sentence. In December, with a year run (the published one,
    else the latest): each unit whose year result differs from the running total, by how much,
    and the rules that make the difference (those the year run scores and the months do not).
    `stored(run, texts)` (optional): the Sentences the year run kept for its explanations, so
    that another language can say them (see monthly_notification).
    """
    note = {"sentence": GENERAL, "year_run": None, "units": []}
    if period.start.month != 12:
        return note
    year_run = official_run(scheme, str(period.year)) or latest_run(scheme, str(period.year))
    if year_run is None:
        return note
    note["year_run"] = {"id": year_run.id, "official": is_official(year_run)}
    annual = {uid: (from_cents(points), rank) for uid, points, rank in fetch_rows(
        UnitResult.select(UnitResult.unit, UnitResult.points, UnitResult.rank)
        .where(UnitResult.run == year_run))}
    differing = sorted(uid for uid, t in totals.items()
                       if uid in annual and (annual[uid][0] != t.points or annual[uid][1] != t.rank))
    if not differing:
        note["sentence"] = say("12月的年度累计得分与全年计算（第{run}次）的结果一致。", run=year_run.id)
        return note
    titles = ruleset_titles(registry)
    in_year = _rule_sums([year_run.id], differing)
    in_months = _rule_sums([r.id for r in runs], differing)
    kept = stored(year_run, [e for _p, e in in_year.values()]) if stored else (lambda text: text)
    rules_by_unit = defaultdict(list)
    for (uid, ruleset, rule), (points, explanation) in sorted(in_year.items()):
        month_points = in_months.get((uid, ruleset, rule), (from_cents(0), ""))[0]
        if points != month_points:
            rules_by_unit[uid].append({"ruleset": ruleset, "ruleset_title": titles.get(ruleset, ruleset),
                                       "rule": rule, "points": points - month_points,
                                       "explanation": kept(explanation)})
    names = dict(fetch_rows(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(differing))))
    for uid in sorted(differing, key=lambda u: (totals[u].pool, annual[u][1])):
        t = totals[uid]
        points, rank = annual[uid]
        rules = rules_by_unit.get(uid, [])
        why = listing([say("{ruleset}「{explanation}」（{points}分）", ruleset=r["ruleset_title"],
                           explanation=r["explanation"],
                           points=f"{'+' if r['points'] > 0 else ''}{fmt(r['points'])}")
                       if len(rules) > 1 else
                       say("{ruleset}「{explanation}」", ruleset=r["ruleset_title"],
                           explanation=r["explanation"]) for r in rules], "；")
        name = names.get(uid, t.name)
        if points == t.points:
            sentence = say("{name}：得分相同（{points}分），组内名次由第{rank}名变为第{year_rank}名，"
                           "因同组其他单位有只在全年计算时计入的得分",
                           name=name, points=fmt(points), rank=t.rank, year_rank=rank)
        else:
            sentence = say("{name}：12月累计{total}分（组内第{rank}名），全年计算{points}分"
                           "（组内第{year_rank}名），差{difference}分：{why}，只在全年计算时计入",
                           name=name, total=fmt(t.points), rank=t.rank, points=fmt(points),
                           year_rank=rank, difference=fmt(points - t.points),
                           why=why or say("全年计算与各月计算之和不同"))
        note["units"].append({
            "name": name, "total": t.points, "rank": t.rank,
            "year_points": points, "year_rank": rank, "difference": points - t.points,
            "rules": rules, "sentence": sentence,
        })
    note["sentence"] = say("12月的年度累计得分是各月计算之和，与全年计算（第{run}次）的结果有{n}家单位不同："
                           "只在全年计算时计入的规则不在各月结果中，以全年计算结果为准。",
                           run=year_run.id, n=len(differing))
    return note
