"""What a stored run saw beside its results, and whether its results are still up to date.

`record(run, stamp)` is called as a run is stored (core/runs/store.py, in the same transaction):
it keeps the data revision the run read, the counts the monthly notification needs that
UnitResult does not hold (adoptions in county publications; the year to the period's end), and
the period's leader instructions, so that a notification reads every figure from the runs it
names.

`freshness(run)` says whether data or parameters changed after the run, in the clerk's words.
The revision is the whole database's: a change to any scored data marks every earlier run.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import listing, say
from kaohe.core.reads.kept import period_instructions, unit_counts
from kaohe.core.storage import revision
from kaohe.core.storage.db import bulk_insert, chunked, db, fetch_rows
from kaohe.core.storage.models import (
    RunSnapshot,
    UnitCount,
    UnitResult,
)
from kaohe.core.storage.schemes import current_version


def _unit_ids(run):
    return [uid for (uid,) in fetch_rows(UnitResult.select(UnitResult.unit)
                                         .where(UnitResult.run == run))]


def record(run, stamp=None):
    """Keep the revision, the notification's counts and the instructions with a stored run (once).

    Called by core/runs/store.py in the run's own transaction, with `stamp`, the data revision
    read before the run read any row: a change committed while the run was computed then makes
    the run out of date at once. Without a stamp (inside a caller's transaction) the revision
    as the transaction sees it is kept.
    """
    if RunSnapshot.select().where(RunSnapshot.run == run).exists():
        return
    with db.atomic():
        stamp = stamp or revision.current()
        unit_ids = _unit_ids(run)
        monthly = parse_period(run.period).kind == "month"
        if monthly:  # what only the monthly notification reads
            counts = unit_counts(run.period_start, run.period_end, unit_ids)
            bulk_insert(UnitCount, ["run", "unit", "county", "adopted_earlier"],
                        [(run.id, uid, *counts[uid]) for uid in unit_ids])
        RunSnapshot.create(run=run, data_token=stamp[0] if stamp else None,
                           data_counter=stamp[1] if stamp else None,
                           instructions=period_instructions(run.period_start, run.period_end, unit_ids) if monthly else [])


def snapshot_of(run):
    return RunSnapshot.get_or_none(RunSnapshot.run == run)


@dataclass
class Freshness:
    """Whether a run's results still answer to today's data and parameters."""
    run_id: int
    data_changed: bool = False
    parameters_changed: bool = False
    unknown: bool = False  # a run stored before revisions were kept
    reasons: list = field(default_factory=list)

    @property
    def stale(self):
        return self.data_changed or self.parameters_changed

    @property
    def message(self):
        if not self.stale:
            return ""
        return say("第{run}次计算之后{reasons}，以下结果可能已经过时；重新计算后才反映现在的数据和分值。",
                   run=self.run_id, reasons=listing(self.reasons))


def freshness(run, current=None, stamp=None):
    """Did data or parameters change after `run`? (`current`, `stamp`: the scheme's current
    parameter version and the data revision, when the caller has them for several runs.)"""
    result = Freshness(run.id)
    version = current if current is not None else current_version(run.scheme)
    if version is not None and version.id != run.parameter_version_id:
        result.parameters_changed = True
        result.reasons.append(say("分值参数已改为第{version}版", version=version.number))
    snap = snapshot_of(run)
    if snap is None or snap.data_counter is None:
        result.unknown = True
        return result
    stamp = stamp if stamp is not None else revision.current()
    if stamp is not None and (stamp[0] != snap.data_token or stamp[1] != snap.data_counter):
        result.data_changed = True
        result.reasons.insert(0, say("数据有改动"))
    return result


def stale_message(runs):
    """One sentence for several runs (a notification's months): which are out of date and why."""
    runs = [r for r in runs if r is not None]
    if not runs:
        return ""
    version = current_version(runs[0].scheme)
    stamp = revision.current()
    found = [(r, freshness(r, version, stamp)) for r in runs]
    stale = [(r, f) for r, f in found if f.stale]
    if not stale:
        return ""
    data = [r for r, f in stale if f.data_changed]
    params = [r for r, f in stale if f.parameters_changed]
    parts = []
    if data:
        parts.append(say("第{runs}次计算之后数据有改动", runs=listing(str(r.id) for r in data)))
    if params:
        parts.append(say("第{runs}次计算之后分值参数已改为第{version}版",
                         runs=listing(str(r.id) for r in params), version=version.number))
    return say("{changes}：以下结果可能已经过时，重新计算后才反映现在的数据和分值。",
               changes=listing(parts, "；"))


def stored_counts(runs):
    """{run id: {unit id: UnitCount}} for the runs that kept their counts."""
    found = defaultdict(dict)
    ids = [r.id for r in runs if r is not None]
    for part in chunked(ids):
        for row in UnitCount.select().where(UnitCount.run.in_(part)):
            found[row.run_id][row.unit_id] = row
    return found

