"""Schema versions: a database built with the first released schema upgrades in place, nothing lost."""

import re

import pytest
from peewee import IntegerField
from playhouse.migrate import migrate as run_ops

from kaohe.core.runs.store import recalculate
from kaohe.core.storage import migrations, revision
from kaohe.core.storage.db import is_postgres
from kaohe.core.storage.migrations import (
    LATEST,
    MIGRATIONS,
    Migration,
    SchemaError,
    check_schema,
    create_tables,
    database_version,
)
from kaohe.core.storage.models import MODELS, AuditLog, Item, SchemaVersion, Scheme, ScoreRun, Unit
from tests.migration_support import DATA, V1_TABLES, build_v1, drop_everything


def rows_of(database, tables=V1_TABLES, added=None):
    """Every row of the tables, in the columns the first release had (later steps add columns),
    followed by the `added` {table: [column]} ones."""
    added = added or {}
    found = {}
    for t in tables:
        columns = ", ".join([_v1_columns(database, t)] + ['"%s"' % c for c in added.get(t, ())])
        found[t] = [tuple(r) for r in database.execute_sql(
            f'SELECT {columns} FROM "{t}" ORDER BY id').fetchall()]
    return found


_V1_COLUMNS = {}


def _v1_columns(database, table):
    if table not in _V1_COLUMNS:  # first read before any step ran: the release's own columns
        _V1_COLUMNS[table] = ", ".join(f'"{c.name}"' for c in database.get_columns(table))
    return _V1_COLUMNS[table]


def schema_of(database):
    """Every table's columns (name, type, null, primary key) and indexes, comparable across builds."""
    shape = {}
    for table in sorted(database.get_tables()):
        columns = sorted((c.name, c.data_type.lower(), c.null, c.primary_key)
                         for c in database.get_columns(table))
        indexes = sorted((i.name, tuple(i.columns), i.unique, " WHERE " in (i.sql or "").upper())
                         for i in database.get_indexes(table)
                         if not i.name.endswith("_pkey") and not i.name.startswith("sqlite_autoindex"))
        shape[table] = (columns, indexes)
    return shape


@pytest.fixture
def v1(database):
    build_v1(database)
    return database


def test_the_frozen_v1_database_is_recognised_and_refused_until_migrated(v1):
    assert database_version() == 1
    expected = f"数据库结构为第1版，程序需要第{LATEST}版，请先运行 kaohe migrate"
    with pytest.raises(SchemaError, match=expected):
        check_schema()
    with pytest.raises(SchemaError, match=expected):
        create_tables()  # what init-db, import and the panel call: no silent half-upgrade
    assert "audit_log" not in v1.get_tables()


# Every step after the first release, in order (numbers may skip while branches merge).
STEPS = [step.version for step in MIGRATIONS[1:]]


def test_migrate_keeps_every_row_and_the_new_tables_work(v1, registry):
    before = rows_of(v1)
    assert sum(map(len, before.values())) == (DATA / "schema_v1_data.sql").read_text(
        encoding="utf-8").count("INSERT INTO")
    assert all(before[t] for t in V1_TABLES), "the frozen dataset has rows in every table"

    applied = migrations.migrate()

    assert [step.version for step in applied] == STEPS
    assert database_version() == LATEST
    check_schema()
    assert rows_of(v1) == before
    assert [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)] == STEPS

    # The audit log of version 2 takes entries; the old rows read through today's models.
    from kaohe.core.storage import audit
    audit.record("张科长", "run.publish", "score_run", 1, summary="升级后发布", old={"published": False},
                 new={"published": True})
    assert AuditLog.select().count() == 1 and audit.verify_chain() is None
    published = ScoreRun.get_by_id(1)
    assert published.published and published.published_by == "张科长"
    assert Unit.get(Unit.code == "C03").name == "O'Brien 县 ✓ 𠀋"
    assert Item.get(Item.no == "I004").title == "含\u2028换行\n和'引号'的标题"

    # New rows get fresh ids after the old ones (PostgreSQL's sequences came along).
    added = Unit.create(code="C09", name="新县", kind="county", pool="county")
    assert added.id > max(r[0] for r in before["unit"])

    # A year's records still score: a new run of the migrated scheme is stored beside the old.
    outcome = recalculate(registry, Scheme.get(Scheme.name == "市政府系统"), "2025-03", author="t")
    assert outcome.run.id == 4 and outcome.run.line_count > 0
    assert rows_of(v1, ["score_run"])["score_run"][:3] == before["score_run"]


def test_a_migrated_database_has_the_same_structure_as_a_new_one(v1):
    migrations.migrate()
    migrated, migrated_triggers = schema_of(v1), triggers_of(v1)
    drop_everything(v1)
    create_tables()
    fresh, fresh_triggers = schema_of(v1), triggers_of(v1)
    assert set(migrated) == set(fresh) == {m._meta.table_name for m in MODELS} | {revision.TABLE}
    for table in fresh:
        assert migrated[table] == fresh[table], f"table {table} differs after migrating"
    # the data revision's triggers: on every scored table, after migrating as when built new
    assert migrated_triggers == fresh_triggers
    assert {table for table, _name in fresh_triggers} == set(revision.DATA_TABLES)


def triggers_of(database):
    """(table, trigger) pairs of the database, on either engine."""
    if is_postgres():
        rows = database.execute_sql("SELECT DISTINCT event_object_table, trigger_name "
                                    "FROM information_schema.triggers").fetchall()
    else:
        # with their statements: a migrated trigger must do what a new one does
        rows = database.execute_sql("SELECT tbl_name, name || ': ' || sql FROM sqlite_master "
                                    "WHERE type = 'trigger'").fetchall()
    return sorted((table, name) for table, name in rows)


def test_migrate_twice_changes_nothing_and_an_empty_database_is_built_current(database):
    assert database_version() == LATEST
    assert migrations.migrate() == []
    drop_everything(database)
    assert database_version() == 0
    check_schema()  # an empty database is not refused: init-db builds it
    assert migrations.migrate() == []
    assert database_version() == LATEST
    assert SchemaVersion.select().count() == 1


def test_kaohe_migrate_from_the_command_line(v1, kaohe):
    code, out, err = kaohe("runs", "市政府系统")
    assert code == 1
    assert err.strip() == f"错误：数据库结构为第1版，程序需要第{LATEST}版，请先运行 kaohe migrate"
    code, out, err = kaohe("migrate")
    assert code == 0, err
    assert f"已从第1版升级到第{LATEST}版" in out.replace("数据库结构", "")
    code, out, err = kaohe("migrate")
    assert code == 0 and "无需升级" in out
    code, out, err = kaohe("runs", "市政府系统")
    assert code == 0, err
    assert re.search(r"^1\s+2025-03\s.*正式发布", out, re.M)


def test_a_newer_database_is_refused(database):
    SchemaVersion.create(version=LATEST + 1, description="来自未来的版本")
    with pytest.raises(SchemaError, match=f"比本程序支持的第{LATEST}版新"):
        check_schema()
    with pytest.raises(SchemaError):
        migrations.migrate()


def _add_unit_rank(migrator):
    run_ops(migrator.add_column("unit", "display_order", IntegerField(default=0)))


def test_a_column_step_runs_on_this_engine_and_keeps_the_rows(v1, monkeypatch):
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        migrations.MIGRATIONS + [Migration(LATEST + 1, "单位显示顺序", _add_unit_rank)])
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    before = rows_of(v1)
    migrations.migrate()
    assert database_version() == LATEST + 1
    assert "display_order" in [c.name for c in v1.get_columns("unit")]
    after = rows_of(v1, added={"unit": ["display_order"]})
    assert after["unit"] == [row + (0,) for row in before["unit"]]
    assert {t: after[t] for t in V1_TABLES if t != "unit"} == \
        {t: before[t] for t in V1_TABLES if t != "unit"}


def _half_then_fail(migrator):
    _add_unit_rank(migrator)
    Unit.update(name="改坏了").execute()
    raise RuntimeError("磁盘已满")


def test_a_failing_step_leaves_the_database_at_the_version_before(v1, monkeypatch):
    migrations.migrate()
    before = rows_of(v1)
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        migrations.MIGRATIONS + [Migration(LATEST + 1, "坏的一步", _half_then_fail)])
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    with pytest.raises(SchemaError, match=f"升级到第{LATEST + 1}版（坏的一步）失败，数据库仍为第{LATEST}版"):
        migrations.migrate()
    assert database_version() == LATEST
    assert "display_order" not in [c.name for c in v1.get_columns("unit")]
    assert rows_of(v1) == before

