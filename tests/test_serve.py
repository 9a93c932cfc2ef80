"""`kaohe serve` under waitress, the load test's core against it, and the schema check of create_app."""

import importlib.util
import sys
from pathlib import Path

import pytest

from kaohe.core.storage.migrations import LATEST, SchemaError

ROOT = Path(__file__).resolve().parents[1]


def load_module():
    spec = importlib.util.spec_from_file_location("kaohe_load", ROOT / "benchmarks" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def load(tmp_path):
    """benchmarks/load.py, with this process's database connection given back afterwards."""
    from kaohe.core.storage import db as dbmod
    before = dbmod.db.obj
    yield load_module()
    if before is not None:
        dbmod.db.initialize(before)


# What `make load` does, small: a served demo instance (waitress, a subprocess), three users for a
# few seconds while the administrator recalculates, then the nothing-lost check and the report.
def test_three_users_against_kaohe_serve_lose_nothing(load, tmp_path):
    instance = load.build_instance(tmp_path / "instance", users=3, units=20, items=500)
    server = load.Server(instance, threads=4)
    try:
        stats = load.Stats()
        browser = load.Browser(server.port, stats)
        status, headers, page = browser.request("login", "GET", "/login")
        assert status == 200 and headers["server"] == "kaohe"  # waitress, named by `kaohe serve`
        assert "登录" in page
        browser.close()
        outcome = load.run_load(instance, server.port, users=3, seconds=4, max_requests=40)
        # make load runs one round per number of processes on the same instance: a later
        # round's users enter new items, not the numbers the first round took.
        again = load.run_load(instance, server.port, users=3, seconds=2, max_requests=12,
                              recalc=False)
    finally:
        server.stop()
    load.verify(instance, again)
    assert again.saved_items and again.stats.error_count == 0, again.stats.problems
    assert again.lost_items == []
    load.verify(instance, outcome)
    assert outcome.failed_logins == 0
    assert outcome.stats.error_count == 0, outcome.stats.problems
    assert outcome.runs and outcome.broken_runs == []
    assert outcome.lost_items == []
    assert outcome.stats.total >= 3 * 2 + len(outcome.runs)
    assert "waitress" in (tmp_path / "instance" / "serve.log").read_text(encoding="utf-8")

    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nThe benchmark's own table.\n", encoding="utf-8")
    text = load.section(outcome, threads=4, units=20, items=500)
    load.write_section(text, results)
    load.write_section(text, results)  # a second run replaces the section, keeps the rest
    written = results.read_text(encoding="utf-8")
    assert written.count("## Load test") == 1 and "The benchmark's own table." in written
    assert "**Nothing was lost.**" in written and "| **all** |" in written


def test_percentiles_are_nearest_rank():
    load = load_module()
    values = [0.001 * n for n in range(1, 101)]
    assert load.percentile(values, 0.5) == pytest.approx(0.050)
    assert load.percentile(values, 0.95) == pytest.approx(0.095)
    assert load.percentile([0.2], 0.95) == 0.2 and load.percentile([], 0.5) is None


def test_create_app_refuses_an_outdated_database_whoever_serves_it(database, registry):
    from kaohe.admin import create_app
    from tests.migration_support import build_v1
    build_v1(database)
    with pytest.raises(SchemaError,
                       match=f"数据库结构为第1版，程序需要第{LATEST}版，请先运行 kaohe migrate"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "KAOHE_ENTRY_POINTS": False})


def test_create_app_builds_an_empty_database_and_adds_new_tables(database):
    from kaohe.admin import create_app
    from kaohe.core.storage.models import LoginFailure
    database.drop_tables([LoginFailure])
    create_app({"TESTING": True, "SECRET_KEY": "x", "KAOHE_ENTRY_POINTS": False})
    assert LoginFailure._meta.table_name in database.get_tables()
