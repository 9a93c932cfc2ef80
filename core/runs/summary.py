"""What pages read of a stored run instead of its lines: points and adoptions by month, and a digest per unit."""

import hashlib
from collections import defaultdict

from kaohe.core.reads.kept import adoptions_by_month, months_of_sources, query
from kaohe.core.storage.db import bulk_insert, db
from kaohe.core.storage.models import RunDigest, RunMonth

MONTHS = range(1, 13)
# The columns of a line that a comparison looks at, in the order a digest reads them.
LINE_COLUMNS = ("unit_id", "reporter_id", "item_id", "ruleset", "rule", "kind", "points", "yuan",
                "ref", "explanation")


def line_digest(row):
    """One line's digest as a number: `row` holds LINE_COLUMNS, amounts in cents."""
    return int.from_bytes(hashlib.blake2b(repr(tuple(row)).encode("utf-8"), digest_size=16).digest(), "big")


def _combine(numbers_by_group):
    """Order-free digests: the sum of the lines' digests modulo 2**128, as hex, with the count."""
    return {group: (count, f"{total % (1 << 128):032x}")
            for group, (count, total) in numbers_by_group.items()}


def points_by_month(run, rows=None):
    """{month: cents} of the run's unit score lines, by the month of their adoption or instruction.

    `rows`: the run's lines (LINE_COLUMNS, amounts in cents) as the store has them; else the
    lines are read back.
    """
    if rows is None:
        rows = query("SELECT unit_id, kind, ref, points FROM score_line WHERE run_id = ? "
                      "AND unit_id IS NOT NULL AND kind = 'score' "
                      "AND (ref LIKE ? OR ref LIKE ?)", (run.id, "adoption:%", "instruction:%"))
    else:
        rows = ((row[0], row[5], row[8], row[6]) for row in rows)
    months = months_of_sources(run.period_start, run.period_end)
    by_month = defaultdict(int)
    for unit, kind, ref, points in rows:
        if unit is None or kind != "score" or not ref:
            continue
        source, _sep, rest = ref.partition(":")
        found = months.get(source)
        if found is not None and rest.isdigit():
            month = found.get(int(rest))
            if month is not None:
                by_month[month] += points
    return by_month


def digests_of(rows):
    """{(unit, reporter): (lines, digest)} of line rows holding LINE_COLUMNS (amounts in cents)."""
    groups = {}
    for row in rows:
        key = (row[0], row[1])
        count, total = groups.get(key, (0, 0))
        groups[key] = (count + 1, total + line_digest(row))
    return _combine(groups)


def read_lines(run, unit=None, reporter=None, group=False):
    """The run's lines as LINE_COLUMNS rows (amounts in cents); with `group`, only the lines of
    that unit and reporter (either may be None)."""
    sql = f"SELECT {', '.join(LINE_COLUMNS)} FROM score_line WHERE run_id = ?"
    params = [run.id]
    if group:
        for column, value in (("unit_id", unit), ("reporter_id", reporter)):
            if value is None:
                sql += f" AND {column} IS NULL"
            else:
                sql += f" AND {column} = ?"
                params.append(value)
    return query(sql, params)


def summarise(run, rows=None, skip=0):
    """Store the run's months and digests unless stored already. `rows`: the run's lines as the
    store wrote them, LINE_COLUMNS from column `skip` on (amounts in cents), to save reading
    them back."""
    if RunMonth.select().where(RunMonth.run == run).exists():
        return
    if rows is None:
        points, digests = points_by_month(run), digests_of(read_lines(run))
    else:
        points = points_by_month(run, (row[skip:] for row in rows))
        digests = digests_of(row[skip:] for row in rows)
    adoptions = adoptions_by_month(run.period_start, run.period_end, run.scheme_id)
    with db.atomic():
        if RunMonth.select().where(RunMonth.run == run).exists():  # another request was first
            return
        bulk_insert(RunMonth, ["run", "month", "points", "adoptions"],
                    [(run.id, m, points.get(m, 0), adoptions.get(m, 0)) for m in MONTHS])
        bulk_insert(RunDigest, ["run", "unit", "reporter", "lines", "digest"],
                    [(run.id, unit, reporter, count, digest)
                     for (unit, reporter), (count, digest) in digests.items()])


def months(run):
    """[(points, adoptions)] for months 1–12 of the run (summarised first if it was not)."""
    summarise(run)
    stored = {m.month: m for m in RunMonth.select().where(RunMonth.run == run)}
    return [(stored[m].points, stored[m].adoptions) if m in stored else (0, 0) for m in MONTHS]


def digests(run):
    """{(unit, reporter): (lines, digest)} of the run (summarised first if it was not)."""
    summarise(run)
    rows = query("SELECT unit_id, reporter_id, lines, digest FROM run_digest WHERE run_id = ?",
                  (run.id,)).fetchall()
    return {(unit, reporter): (lines, digest) for unit, reporter, lines, digest in rows}


def forget(run):
    """Remove a run's summary (when the run is deleted)."""
    RunDigest.delete().where(RunDigest.run == run).execute()
    RunMonth.delete().where(RunMonth.run == run).execute()

