"""Failures: two recalculations at once, data entered during one, and one killed with SIGKILL halfway."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.models import Item, ItemUnit, ReporterResult, ScoreLine, ScoreRun, Unit, UnitResult
from kaohe.core.storage.schemes import get_scheme
from kaohe.demo import CITY_SCHEME, build_demo

ROOT = Path(__file__).resolve().parent.parent
RUN_TABLES = ("score_run", "unit_result", "reporter_result", "score_line")

# A recalculation in its own process, with its own connection. It pauses inside the storing
# transaction right after the run row and its unit results are written (uncommitted), first
# writing a marker file, so the test can act at exactly that moment: start another one, enter
# data, or kill it.
WORKER = r"""
import json, os, sys, time
from pathlib import Path
from kaohe.core.storage import db as dbmod, schemes
from kaohe.core.domain.errors import KaoheError
from kaohe.core.runs import store
from kaohe.plugins.manager import build_registry

name, period, marker, pause, busy_ms = sys.argv[1:6]
dbmod.configure()
if busy_ms != "default" and dbmod.is_sqlite():
    dbmod.db.execute_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")
registry = build_registry(plugins_dir=Path(marker).parent / "no-plugins", entry_points=False)
real, calls = store.bulk_insert, []

def paused(model, fields, rows, batch=5000, on_rows=None):
    count = real(model, fields, rows, batch, on_rows)
    calls.append(model)
    if len(calls) == 1:
        Path(marker).write_text(str(os.getpid()))
        seconds, _, until = pause.partition(":")  # "5" or "60:path": until path exists, at most 60 s
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline and not (until and Path(until).exists()):
            time.sleep(0.02)
    return count

store.bulk_insert = paused
try:
    outcome = store.recalculate(registry, schemes.get_scheme(name), period, author=f"worker {os.getpid()}")
except KaoheError as error:
    print(json.dumps({"error": str(error)}, ensure_ascii=False))
    sys.exit(1)
print(json.dumps({"run": outcome.run.id}))
"""


STARTED = []


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """A test that fails halfway must not leave a worker holding the database."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.communicate()


class Worker:
    def __init__(self, tmp_path, label, pause, busy_ms="default", period="2025"):
        self.marker = tmp_path / f"{label}.marker"
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, CITY_SCHEME, period, str(self.marker), str(pause), busy_ms],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        STARTED.append(self.process)

    def wait_for_marker(self, timeout=120):
        """Block until the worker is inside its storing transaction."""
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            if self.process.poll() is not None:
                out, err = self.process.communicate()
                pytest.fail(f"worker ended before storing: {out}\n{err}")
            assert time.monotonic() < deadline, "worker never reached the storing step"
            time.sleep(0.02)

    def result(self, timeout=180):
        out, err = self.process.communicate(timeout=timeout)
        lines = out.strip().splitlines()
        assert lines, f"worker printed nothing (exit {self.process.returncode}): {err}"
        return self.process.returncode, json.loads(lines[-1]), err


def run_rows(database):
    """The stored runs and everything hanging off them, as raw rows (byte for byte)."""
    return {table: [tuple(row) for row in database.execute_sql(
        f'SELECT * FROM "{table}" ORDER BY id').fetchall()] for table in RUN_TABLES}


def content(run):
    """A run's results without ids: what two correct runs of the same data must share."""
    units = sorted((r.unit_id, r.points, r.yuan, r.rank, r.tie_break, r.award_rank)
                   for r in UnitResult.select().where(UnitResult.run == run))
    reporters = sorted((r.reporter_id, r.points, r.yuan, r.rank)
                       for r in ReporterResult.select().where(ReporterResult.run == run))
    lines = sorted((ln.unit_id or 0, ln.reporter_id or 0, ln.item_id or 0, ln.ruleset, ln.rule,
                    ln.kind, ln.points, ln.yuan, ln.ref, ln.explanation)
                   for ln in ScoreLine.select().where(ScoreLine.run == run))
    return units, reporters, lines


@pytest.fixture
def city(database, registry):
    """The demo city, small: a few hundred items over the year, scored once."""
    build_demo(registry, units=30, items=600, seed=11)
    return get_scheme(CITY_SCHEME)


def test_two_recalculations_of_one_scheme_at_once_both_store_whole_runs(city, registry, tmp_path):
    reference = recalculate(registry, city, 2025, author="reference").run
    # The first holds its transaction open until the second is inside its own (PostgreSQL), or
    # for 3 seconds (SQLite, where the second waits for the first's write lock instead).
    first = Worker(tmp_path, "first", pause=f"3:{tmp_path / 'second.marker'}")
    first.wait_for_marker()
    second = Worker(tmp_path, "second", pause=0)
    code_a, out_a, err_a = first.result()
    code_b, out_b, err_b = second.result()
    assert (code_a, code_b) == (0, 0), (out_a, err_a, out_b, err_b)

    dbmod.db.close()
    runs = [ScoreRun.get_by_id(out_a["run"]), ScoreRun.get_by_id(out_b["run"])]
    assert runs[0].id != runs[1].id
    expected = content(reference)
    for run in runs:
        assert ScoreLine.select().where(ScoreLine.run == run).count() == run.line_count
        assert run.fingerprint == reference.fingerprint
        assert content(run) == expected, f"run {run.id} differs from a run made alone"
    # each run's lines add up to its own unit totals (nothing of the other run mixed in)
    for run in runs:
        for result in UnitResult.select().where(UnitResult.run == run):
            lines = ScoreLine.select().where((ScoreLine.run == run) & (ScoreLine.unit == result.unit_id)
                                             & (ScoreLine.reporter.is_null()) & (ScoreLine.kind == "score"))
            assert sum((ln.points for ln in lines), 0) == result.points


@pytest.mark.skipif(not (os.environ.get("KAOHE_TEST_DATABASE_URL") or "sqlite").startswith("sqlite"),
                    reason="only SQLite makes a second writer wait for the first")
def test_a_recalculation_that_cannot_get_the_database_is_refused_clearly(city, tmp_path):
    before = run_rows(dbmod.db)
    release = tmp_path / "release"
    first = Worker(tmp_path, "first", pause=f"120:{release}")  # holds the write lock until released
    first.wait_for_marker()
    second = Worker(tmp_path, "second", pause=0, busy_ms="200")
    code_b, out_b, _ = second.result()
    release.touch()
    code_a, out_a, err_a = first.result()
    assert code_a == 0, err_a
    assert code_b == 1
    assert out_b["error"] == ("数据库正忙：另一次计算或导入正在写入，等待超时；"
                              "本次计算未保存，已有结果保持不变，请稍后再试")
    dbmod.db.close()
    after = run_rows(dbmod.db)
    assert [r[0] for r in after["score_run"]] == [r[0] for r in before["score_run"]] + [out_a["run"]]


def test_data_entered_while_a_recalculation_runs_is_kept(city, registry, tmp_path):
    release = tmp_path / "release"
    # On SQLite the clerk's write waits for the run's write lock, so the run lets go after 2 s.
    worker = Worker(tmp_path, "worker", pause=f"{2 if dbmod.is_sqlite() else 60}:{release}")
    worker.wait_for_marker()
    # The clerk enters an item with its unit while the run is being stored (own connection).
    unit = Unit.select().order_by(Unit.id).first()
    entered = Item.create(no="LATE-0001", title="计算期间录入的稿件", submitted_on="2025-06-01")
    ItemUnit.create(item=entered, unit=unit)
    release.touch()
    code, out, err = worker.result()
    assert code == 0, err

    dbmod.db.close()
    assert Item.get(Item.no == "LATE-0001").title == "计算期间录入的稿件"
    assert ItemUnit.select().where(ItemUnit.item == entered.id).count() == 1
    stored = ScoreRun.get_by_id(out["run"])
    assert ScoreLine.select().where(ScoreLine.run == stored).count() == stored.line_count
    # The next recalculation sees it.
    after = recalculate(registry, city, 2025, author="t").run
    assert UnitResult.get((UnitResult.run == after) & (UnitResult.unit == unit)).submitted == \
        UnitResult.get((UnitResult.run == stored) & (UnitResult.unit == unit)).submitted + 1


def test_a_recalculation_killed_halfway_leaves_the_runs_exactly_as_they_were(city, registry, tmp_path):
    published = recalculate(registry, city, 2025, author="t").run
    results.publish(published, "张科长")
    recalculate(registry, city, 2025, author="t")  # a later, unpublished run
    before = run_rows(dbmod.db)
    assert all(before[t] for t in RUN_TABLES)

    worker = Worker(tmp_path, "victim", pause="120")
    worker.wait_for_marker()
    time.sleep(0.2)
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.communicate(timeout=30)
    assert worker.process.returncode == -signal.SIGKILL

    dbmod.db.close()
    dbmod.configure()
    deadline = time.monotonic() + 30
    while run_rows(dbmod.db) != before and time.monotonic() < deadline:
        time.sleep(0.2)  # PostgreSQL rolls back once it notices the connection is gone
    assert run_rows(dbmod.db) == before
    assert results.official_run(city, 2025).id == published.id
    if dbmod.is_sqlite():
        assert dbmod.db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Nothing is left locked: the next recalculation stores normally, after the old ids.
    again = recalculate(registry, city, 2025, author="t").run
    assert again.id > before["score_run"][-1][0]
    assert content(again) == content(published)
