"""Recalculation: run a scheme's rule sets over a period, rank, award, and store a score run."""

import contextlib
import gc
import json
import os
import threading
import time

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import say
from kaohe.core.reads.data import PeriodData
from kaohe.core.scoring.calculator import Calculator
from kaohe.core.scoring.totals import Outcome
from kaohe.core.storage import revision
from kaohe.core.storage.db import db
from kaohe.core.storage.schemes import current_version


def compute(registry, scheme, period=None, config=None, data=None, on_step=None):
    """Compute a scheme's results for a period without storing anything (a preview).

    `on_step`, if given, is called with 1 after each enabled rule set and after the ranking.
    """
    period = scheme_period(scheme, period)
    version = current_version(scheme)
    return _outcome(registry, scheme, period, version, config, data, keep_lines=True,
                    on_step=on_step)


def preview(registry, scheme, period=None, config=None, before_config=None):
    """(before, after) outcomes of a parameter change, from one read of the period's rows.

    `before_config` defaults to the scheme's current parameters, `config` (the change) too.
    Nothing is stored and no score line is built: each outcome has the units' and reporters'
    totals, ranks and awards (the same as :func:`compute` gives) and an empty ``lines``.
    """
    period = scheme_period(scheme, period)
    version = current_version(scheme)
    data = _preview_data(scheme, period)
    before = _outcome(registry, scheme, period, version, before_config, data, keep_lines=False)
    after = _outcome(registry, scheme, period, version, config, data, keep_lines=False)
    return before, after


# The rows of the period last previewed, kept while the data's revision holds: an administrator
# tunes by previewing one value after another, and at a province's scale reading the period is
# most of a preview's time. One period at a time (it can take hundreds of MB), for a while.
_PREVIEW_DATA = {}


_PREVIEW_LOCK = threading.Lock()


def _preview_seconds():
    try:
        return float(os.environ.get("KAOHE_PREVIEW_CACHE_SECONDS", "900"))
    except ValueError:
        return 900.0


def _preview_data(scheme, period):
    """The period's rows for a preview: those of the previous preview when no data has changed.

    The revision is read before any row, so a change committed while the rows are read can only
    make the next preview read them again, never reuse rows older than their revision. Not
    inside a transaction: its uncommitted changes may still be rolled back.
    """
    seconds = _preview_seconds()
    stamp = None if seconds <= 0 or db.in_transaction() else revision.current()
    if stamp is None:
        return PeriodData(scheme.id, period, scheme.year)
    key = (str(db.obj.database), stamp, scheme.id, scheme.year, period.label)
    moment = time.monotonic()
    with _PREVIEW_LOCK:
        entry = _PREVIEW_DATA.get(key)
        if entry is not None and entry[0] > moment:
            _PREVIEW_DATA[key] = (moment + seconds, entry[1])
            return entry[1]
        _PREVIEW_DATA.clear()
        data = PeriodData(scheme.id, period, scheme.year)
        _PREVIEW_DATA[key] = (moment + seconds, data)
        return data


def forget_previews():
    """Drop the rows kept for previews (tests, or to free the memory at once)."""
    with _PREVIEW_LOCK:
        _PREVIEW_DATA.clear()


def _outcome(registry, scheme, period, version, config, data, keep_lines, on_step=None):
    started = time.perf_counter()
    config = config if config is not None else version.config
    calculator = Calculator(registry, scheme, period, config, data=data, keep_lines=keep_lines,
                            on_step=on_step)
    with _collector_paused():
        totals, reporter_totals, lines, versions = calculator.run()
        extra = json.dumps({"config": config, "versions": versions, "period": period.label,
                            "members": sorted(calculator.data.members)}, sort_keys=True).encode()
        fingerprint = calculator.data.fingerprint(extra)
    outcome = Outcome(scheme, period, version, totals, reporter_totals, lines, versions,
                      fingerprint)
    outcome.warnings = calculator.warnings
    outcome.seconds = time.perf_counter() - started
    return outcome


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a run builds millions of rows that hold no cycles.

    Each collection walks every live container, so with a million items loaded the collector
    would run hundreds of times over an ever larger heap: a third of a run's time at that size.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scheme_period(scheme, period):
    period = parse_period(period if period is not None else scheme.year)
    if period.year != scheme.year:
        raise KaoheError(say("期间 {period} 不在考核方案「{scheme}」的年度 {year} "
            "内",
            period=period.label, scheme=scheme.name, year=scheme.year))
    return period


def check_previews(registry, scheme, period=None):
    """Compare each enabled rule set's preview (its tallies) with its lines, one rule set at a time.

    Returns a list of (rule set, difference sentences); an empty list when every preview equals
    its lines to the cent. ``kaohe plugins check SCHEME`` prints it, so a plugin whose hand-written
    ``tallies()`` drifted from its ``compute()`` is reported, never shown.
    """
    from kaohe.core.storage.schemes import enabled_rulesets
    period = scheme_period(scheme, period)
    version = current_version(scheme)
    data = PeriodData(scheme.id, period, scheme.year)
    drifts = []
    for entry in enabled_rulesets(version.config):
        config = {**version.config, "rulesets": [dict(entry, enabled=True)]}
        lines = _outcome(registry, scheme, period, version, config, data, keep_lines=True)
        counted = _outcome(registry, scheme, period, version, config, data, keep_lines=False)
        found = []
        for uid, total in lines.units.items():
            other = counted.units[uid]
            if (total.points, total.yuan) != (other.points, other.yuan):
                found.append(f"单位「{total.name}」明细{total.points}分/{total.yuan}元，预览"
                             f"{other.points}分/{other.yuan}元")
        for rid in sorted(set(lines.reporters) | set(counted.reporters)):
            a, b = lines.reporters.get(rid), counted.reporters.get(rid)
            if (a.points if a else 0) != (b.points if b else 0):
                who = (a or b).name
                found.append(f"信息员「{who}」明细{a.points if a else 0}分，预览{b.points if b else 0}分")
        if found:
            drifts.append((entry["name"], found))
    return drifts
