"""Kaohe's own measures: the recalculation (in a fresh process), the preview, the SQL aggregate."""

import datetime
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import PREVIEW_NEXT_VALUE, PREVIEW_PATH, PREVIEW_VALUE, SCHEME, connect

BENCH = Path(__file__).resolve().parent / "bench.py"

def child_recalc(url, profile_path=None):
    """In a fresh process: recalculate the year once, print seconds, lines and peak memory as JSON."""
    connect(url)
    from kaohe.core.runs.store import recalculate
    from kaohe.core.storage.schemes import get_scheme
    from kaohe.plugins.manager import build_registry
    registry = build_registry(entry_points=False)
    scheme = get_scheme(SCHEME)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if profile_path:
        import cProfile
        profiler = cProfile.Profile()
        outcome = profiler.runcall(recalculate, registry, scheme, author="bench")
        profiler.dump_stats(profile_path)
    else:
        outcome = recalculate(registry, scheme, author="bench")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "lines": len(outcome.lines), "run": outcome.run.id,
                      "rss_mb": peak, "baseline_mb": baseline}))


def recalc_in_child(url, profile_path=None):
    command = [sys.executable, str(BENCH), "--child-recalc", url]
    if profile_path:
        command += ["--profile-to", str(profile_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"重算子进程失败：\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def preview(registry):
    """What the panel's preview does: the year before and after one point value changed
    (`kaohe.core.scoring.engine.preview`), from what the rule sets count in SQL (`RuleSet.tallies`), nothing
    stored.

    Returns the seconds of the first preview (it reads the period) and of the next one, with
    another value, which reuses what was read while no data has changed (core/storage/revision.py).
    """
    from kaohe.core.scoring.engine import forget_previews
    from kaohe.core.scoring.engine import preview as engine_preview
    from kaohe.core.storage.schemes import current_version, get_scheme, parse_value, with_value
    scheme = get_scheme(SCHEME)
    forget_previews()
    seconds = []
    for value in (PREVIEW_VALUE, PREVIEW_NEXT_VALUE):
        config = with_value(current_version(scheme).config, PREVIEW_PATH, parse_value(value))
        started = time.perf_counter()
        engine_preview(registry, scheme, config=config)
        seconds.append(time.perf_counter() - started)
    forget_previews()
    return seconds


def _cents(value):
    return int(value * 100)


def lower_bound_sql(registry, database):
    """One SQL statement giving each member unit's provincial adoption + instruction points (cents).

    Joint reports are split equally (each share rounded half-up to the cent, as the engine does),
    instructions count once per level per item by their earliest date, and publication overrides
    are matched by name. The point values come from the scheme's current parameters.
    """
    from kaohe.core.storage.schemes import current_version, get_scheme
    scheme = get_scheme(SCHEME)
    entry = next(e for e in current_version(scheme).config["rulesets"] if e["name"] == "provincial")
    params = registry.ruleset("provincial").load_params(entry["params"])
    p = database.param
    cases = []
    for override in params["publication_overrides"]:
        name = override["publication"].strip().strip("《》").strip()
        cases.append(f"WHEN REPLACE(REPLACE(pub.name, '《', ''), '》', '') = '{name}' "
                     f"AND pub.level = '{override['level']}' AND a.form = '{override['form']}' "
                     f"THEN {_cents(override['points'])}")
    for level, forms in params["adoption"].items():
        for form, value in forms.items():
            if value:
                cases.append(f"WHEN pub.level = '{level}' AND a.form = '{form}' THEN {_cents(value)}")
    instruction_cases = " ".join(f"WHEN '{level}' THEN {_cents(value)}"
                                 for level, value in params["instruction"].items() if value)
    sql = f"""
        WITH scored AS (
            SELECT a.item_id AS item_id, CASE {' '.join(cases)} ELSE 0 END AS cents
            FROM adoption a JOIN publication pub ON pub.id = a.publication_id
            WHERE a.adopted_on >= {p} AND a.adopted_on <= {p}
            UNION ALL
            SELECT first.item_id, CASE first.leader_level {instruction_cases} ELSE 0 END
            FROM (SELECT item_id, leader_level, MIN(instructed_on) AS first_on
                  FROM instruction WHERE instructed_on <= {p}
                  GROUP BY item_id, leader_level) first
            WHERE first.first_on >= {p}
        ), shares AS (
            SELECT s.item_id, s.cents,
                   (SELECT COUNT(*) FROM item_unit n WHERE n.item_id = s.item_id) AS n
            FROM scored s WHERE s.cents <> 0
        )
        SELECT iu.unit_id, SUM((2 * sh.cents + sh.n) / (2 * sh.n))
        FROM shares sh
        JOIN item_unit iu ON iu.item_id = sh.item_id
        JOIN scheme_unit su ON su.unit_id = iu.unit_id AND su.scheme_id = {p}
        GROUP BY iu.unit_id
    """
    start, end = datetime.date(scheme.year, 1, 1), datetime.date(scheme.year, 12, 31)
    args = (start, end, end, start, scheme.id)
    if database.__class__.__name__.startswith("Sqlite"):
        args = tuple(a.isoformat() if isinstance(a, datetime.date) else a for a in args)
    return sql, args


def lower_bound(registry, database, repeat=2):
    sql, args = lower_bound_sql(registry, database)
    best, rows = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        rows = database.execute_sql(sql, args).fetchall()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, {unit: int(cents) for unit, cents in rows if cents}


def engine_provincial_totals(database, run_id):
    rows = database.execute_sql(
        f"SELECT unit_id, SUM(points) FROM score_line WHERE run_id = {database.param} "
        f"AND ruleset = 'provincial' AND unit_id IS NOT NULL GROUP BY unit_id", (run_id,)).fetchall()
    return {unit: int(cents) for unit, cents in rows if cents}


def check_totals(engine, sql):
    """Fail loudly unless the engine's provincial totals equal the aggregate's, to the cent."""
    wrong = [(unit, engine.get(unit, 0), sql.get(unit, 0)) for unit in sorted(set(engine) | set(sql))
             if engine.get(unit, 0) != sql.get(unit, 0)]
    if wrong:
        lines = "\n".join(f"  单位 id {u}: 引擎 {e / 100:.2f}，SQL {s / 100:.2f}" for u, e, s in wrong[:20])
        raise SystemExit(f"引擎的省级计分与SQL汇总不一致（{len(wrong)}个单位）：\n{lines}")
    return len(engine)
