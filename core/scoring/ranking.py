"""After the rule sets: the ranking's statistics, ranks with their tie-breaks, conversion, vetoes, awards and grades."""

from collections import defaultdict
from decimal import Decimal

from kaohe.core.domain.sentences import Sentence, listing, say
from kaohe.core.domain.vocab import (
    TIE_BREAK_TIERS,
    ZERO,
    fmt,
    money,
    percent,
    pool_label,
)
from kaohe.core.scoring.totals import TIER_OF_LEVEL, ReporterTotal, adoption_rate
from kaohe.core.storage.schemes import award_titles


def count_statistics(totals, data):
    """Each unit's submissions, adopted items, adoptions by tier and adoption rate in the period."""
    for uid, count in data.submission_counts.items():
        total = totals.get(uid)
        if total is not None:
            total.submitted = count
    for uid, count in data.adopted_counts.items():
        total = totals.get(uid)
        if total is not None:
            total.adopted = count
    for (uid, level), count in data.tier_counts.items():
        tier = TIER_OF_LEVEL.get(level)
        total = totals.get(uid)
        if tier is not None and total is not None:
            setattr(total, tier, getattr(total, tier) + count)
    for total in totals.values():
        if total.submitted:
            total.adoption_rate = adoption_rate(total.adopted, total.submitted)


def convert(totals, config):
    """折算: each unit's total as a share of the best in its pool × max_points, when enabled."""
    conversion = config.get("conversion") or {}
    if not conversion.get("enabled"):
        return
    maximum = money(conversion.get("max_points", "4"))
    best = defaultdict(lambda: ZERO)
    for total in totals.values():
        best[total.pool] = max(best[total.pool], total.points)
    for total in totals.values():
        top = best[total.pool]
        total.converted = money(total.points / top * maximum) if top > 0 and total.points > 0 \
            else ZERO


def apply_vetoes(totals, reporter_totals, vetoes, reporters):
    """Mark the units and reporters that a veto removes from the awards, with the reasons."""
    for veto in vetoes:
        if veto.unit is not None:
            total = totals[veto.unit]
            total.vetoed = True
            total.veto_reason = _join(total.veto_reason, veto.explanation)
        if veto.reporter is not None:
            total = reporter_totals.get(veto.reporter)
            if total is None:
                r = reporters[veto.reporter]
                total = reporter_totals[veto.reporter] = ReporterTotal(
                    veto.reporter, r.code, r.name, r.unit)
            total.vetoed = True
            total.veto_reason = _join(total.veto_reason, veto.explanation)


def award_units(totals, config):
    """先进单位 (or the scheme's own title): the top N of each pool with a positive total, skipping vetoed units."""
    awards = config.get("awards") or {}
    quotas = awards.get("units") or {}
    default = int(awards.get("default_units", 3))
    title = award_titles(config)[0]
    pools = defaultdict(list)
    for total in totals.values():
        pools[total.pool].append(total)
    for pool, members in pools.items():
        members.sort(key=lambda t: t.rank)
        _award(members, int(quotas.get(pool, default)),
               say("{pool}{award}", pool=pool_label(pool), award=title), say("总分不为正，不参加评先"))


def award_reporters(reporter_totals, config):
    """先进个人: rank the reporters; the top N with a positive share, skipping vetoed ones."""
    awards = config.get("awards") or {}
    quota = int(awards.get("reporters", 10))
    ranked = sorted(reporter_totals.values(), key=lambda r: (-r.points, r.code))
    for position, total in enumerate(ranked, 1):
        total.rank = position
    _award(ranked, quota, award_titles(config)[1], say("得分不为正，不参加评先"))


def _award(ranked, quota, title, not_positive):
    """Give `title` 第1..quota名 down `ranked`, passing over the vetoed and the non-positive."""
    given = 0
    for total in ranked:
        if total.vetoed:
            total.award_note = say("一票否决，不参加评先：{reasons}", reasons=total.veto_reason)
        elif total.points <= 0:
            total.award_note = not_positive
        elif given < quota:
            given += 1
            total.award_rank = given
            total.award_note = say("{title}第{place}名", title=title, place=given)


def grade_units(totals, config, period):
    """Result grades of the units (优良一般差, 达标/不达标, 一二三等奖), by the scheme's gradings."""
    for grading in _gradings(config, "units", period):
        pools = set(grading.get("pools") or ())
        _grade([t for t in totals.values() if not pools or t.pool in pools], grading)


def grade_reporters(reporter_totals, config, period):
    """Result grades of the reporters, by the scheme's gradings for reporters."""
    for grading in _gradings(config, "reporters", period):
        _grade(list(reporter_totals.values()), grading)


def _gradings(config, whom, period):
    for grading in ((config.get("grades") or {}).get(whom) or ()):
        kinds = grading.get("periods") or ()
        if not kinds or period.kind in kinds:
            yield grading


def _grade(members, grading):
    """Give each member the first band it reaches: by points (`min`) or by its place (`top`)
    among the eligible ones; an ineligible member (vetoed, or not positive where the grading
    asks for a positive total) gets the grading's `ineligible` word, one not positive (and not
    vetoed) its `not_positive` word where it gives one (未入选: eligible, but not placed)."""
    ineligible = grading.get("ineligible", "")
    positive_only = grading.get("positive_only", False)
    eligible = []
    for total in members:
        if total.vetoed and grading.get("skip_vetoed", True):
            total.grade = ineligible
        elif positive_only and total.points <= 0:
            total.grade = grading.get("not_positive", ineligible)
        else:
            eligible.append(total)
    if grading.get("by", "points") == "points":
        for total in eligible:
            total.grade = next((band["grade"] for band in grading["bands"]
                                if band.get("min") is None or total.points >= Decimal(band["min"])), "")
        return
    eligible.sort(key=lambda t: (-t.points, t.rank, t.code))
    for place, total in enumerate(eligible, 1):
        total.grade = next((band["grade"] for band in grading["bands"]
                            if band.get("top") is None or place <= band["top"]), "")


def rank_units(totals):
    """Rank UnitTotals within their pools (setting `rank` and `tie_break`), as every run does.

    Ties in points are broken by more national, then provincial, then city adoptions, then the
    adoption rate, then the unit code; the deciding criterion is written in `tie_break`.
    """
    pools = defaultdict(list)
    for total in totals.values():
        pools[total.pool].append(total)
    for members in pools.values():
        members.sort(key=_rank_key)
        for position, total in enumerate(members, 1):
            total.rank = position
        for above, below in zip(members, members[1:]):
            if above.points == below.points:
                reason = _tie_reason(above, below)
                below.tie_break = say("与{name}同分（{points}分），{reason}，排其后",
                                      name=above.name, points=fmt(above.points), reason=reason)
                if not above.tie_break:
                    above.tie_break = say("与{name}同分，{reason}，排其前", name=below.name,
                                          reason=reason)


def _rank_key(total):
    return (-total.points, -total.national, -total.provincial, -total.city, -total.adoption_rate,
            total.code)


def _tie_reason(above, below):
    for attr, label, _levels in TIE_BREAK_TIERS:
        a, b = getattr(above, attr), getattr(below, attr)
        if a != b:
            return say("{tier}采用{more}篇多于{fewer}篇", tier=label, more=a, fewer=b)
    if above.adoption_rate != below.adoption_rate:
        return say("采用率{higher}高于{lower}", higher=percent(above.adoption_rate),
                   lower=percent(below.adoption_rate))
    return say("各项相同，按单位代码 {first} 先于 {second}", first=above.code, second=below.code)


def _join(old, new):
    """Veto reasons joined by 「；」, a listing whose reasons are said one by one."""
    if not old:
        return new
    parts = old.parts if isinstance(old, Sentence) and old.parts is not None else [old]
    return listing([*parts, new], "；")
