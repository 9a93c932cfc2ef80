"""The notification's figures, read from the stored month runs only: each unit's month and year to date."""

import datetime

from peewee import fn

from kaohe.core.domain.vocab import ZERO, from_cents, percent, pool_label
from kaohe.core.reads.kept import period_instructions, unit_counts
from kaohe.core.runs import snapshot
from kaohe.core.scoring.ranking import rank_units
from kaohe.core.scoring.totals import UnitTotal, adoption_rate
from kaohe.core.storage.db import fetch_rows
from kaohe.core.storage.models import Unit, UnitResult
from kaohe.core.storage.schemes import pools_of

# The notification's adoption columns: each counts the month's adoptions (not `forwarded`) in
# publications of these levels, one per adoption (an item adopted twice counts twice). The first
# three are the run's own tie-break tiers (UnitResult.national/provincial/city); the county
# column is kept with the run by core/runs/snapshot.py.
LEVEL_COLUMNS = (
    ("national", "国家级（含部委）", ("national", "ministry")),
    ("provincial", "省级（含省直厅局）", ("provincial", "provincial_dept")),
    ("city", "市级", ("city",)),
    ("county", "县级", ("county",)),
)

COLUMN_OF_LEVEL = {level: key for key, _label, levels in LEVEL_COLUMNS for level in levels}


def _month_rows(month_run):
    query = (UnitResult.select(UnitResult.unit, Unit.code, Unit.name, UnitResult.pool,
                               UnitResult.points, UnitResult.submitted, UnitResult.national,
                               UnitResult.provincial, UnitResult.city)
             .join(Unit, on=(UnitResult.unit == Unit.id)).where(UnitResult.run == month_run))
    return {row[0]: row for row in fetch_rows(query)}


def _year_sums(run_ids):
    query = (UnitResult.select(UnitResult.unit, fn.SUM(UnitResult.points),
                               fn.SUM(UnitResult.national), fn.SUM(UnitResult.provincial),
                               fn.SUM(UnitResult.city), fn.SUM(UnitResult.submitted),
                               fn.SUM(UnitResult.adopted))
             .where(UnitResult.run.in_(run_ids)).group_by(UnitResult.unit))
    return {uid: (from_cents(points), int(n or 0), int(p or 0), int(c or 0), int(s or 0),
                  int(a or 0))
            for uid, points, n, p, c, s, a in fetch_rows(query)}


def _counts(runs, month_rows):
    """{run id: {unit id: (county, adopted_earlier)}}, and the runs that had none kept (stored
    before counts were kept): theirs are counted from today's data."""
    stored = snapshot.stored_counts(runs)
    counts, live = {}, []
    unit_ids = list(month_rows)
    for run in runs:
        kept = stored.get(run.id)
        if kept is not None:
            counts[run.id] = {uid: (c.county, c.adopted_earlier) for uid, c in kept.items()}
        else:
            counts[run.id] = unit_counts(run.period_start, run.period_end, unit_ids)
            live.append(run)
    return counts, live


def _had_adoption(runs, counts):
    """The units with an adoption in any of the runs' months (by the runs' own counts)."""
    found = {uid for (uid,) in fetch_rows(
        UnitResult.select(UnitResult.unit).distinct()
        .where(UnitResult.run.in_([r.id for r in runs])
               & ((UnitResult.national + UnitResult.provincial + UnitResult.city) > 0)))}
    for per_unit in counts.values():
        found.update(uid for uid, (county, _earlier) in per_unit.items() if county)
    return found


def unit_figures(scheme, runs):
    """The pools of the notification from `runs` (January..the month, the month last, one a month).

    Returns (pools, totals, live): pools as the documents show them; the UnitTotals of the
    running total ranked as every run ranks; the runs whose counts came from today's data.
    """
    month_run = runs[-1]
    month_rows = _month_rows(month_run)
    year = _year_sums([r.id for r in runs])
    counts, live = _counts(runs, month_rows)
    month_counts = counts[month_run.id]
    with_adoption = _had_adoption(runs, counts)

    totals = {}
    for uid, (_uid, code, name, pool, *_rest) in month_rows.items():
        # The year to the month's end: the months' submissions add up; an item counts as adopted
        # in the month it was submitted (that run's `adopted`) or, when adopted later, in the
        # month of its first adoption (that run's `adopted_earlier`).
        points, national, provincial, city, submitted, adopted_count = year.get(
            uid, (ZERO, 0, 0, 0, 0, 0))
        adopted_count += sum(counts[r.id].get(uid, (0, 0))[1] for r in runs)
        rate = adoption_rate(adopted_count, submitted)
        totals[uid] = UnitTotal(uid, code, name, pool, points=points, submitted=submitted,
                                adopted=adopted_count, adoption_rate=rate, national=national,
                                provincial=provincial, city=city)
    rank_units(totals)

    pools = []
    known = pools_of(scheme)
    order = known + sorted({t.pool for t in totals.values()} - set(known))
    for pool in order:
        members = sorted((t for t in totals.values() if t.pool == pool), key=lambda t: t.rank)
        if not members and pool not in known:
            continue
        rows = []
        for t in members:
            _u, _c, _n, _p, points, submitted, national, provincial, city = month_rows[t.unit]
            adoptions = {"national": national, "provincial": provincial, "city": city,
                         "county": month_counts.get(t.unit, (0, 0))[0]}
            rows.append({
                "rank": t.rank, "code": t.code, "name": t.name, "submitted": submitted,
                "adoptions": adoptions, "adoptions_total": sum(adoptions.values()),
                "points": from_cents(points), "total": t.points,
                "submitted_ytd": t.submitted, "adopted_ytd": t.adopted,
                "adoption_rate": t.adoption_rate,
                "adoption_rate_text": percent(t.adoption_rate) if t.submitted else "—",
                "tie_break": t.tie_break,
            })
        no_adoption = [t.name for t in sorted(members, key=lambda t: t.code)
                       if t.unit not in with_adoption]
        pools.append({"pool": pool, "label": pool_label(pool), "rows": rows,
                      "no_adoption": no_adoption})
    return pools, totals, live


def month_instructions(month_run, unit_ids):
    """The month's leader instructions as the month run saw them (today's, for an older run)."""
    kept = snapshot.snapshot_of(month_run)
    found = kept.instructions if kept is not None else period_instructions(
        month_run.period_start, month_run.period_end, unit_ids)
    return [dict(i, date=datetime.date.fromisoformat(i["date"])) for i in found], kept is None
