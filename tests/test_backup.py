"""Backups: back up, change everything, restore, and every table holds exactly what it held."""

import os
import sqlite3
from pathlib import Path

import pytest
from playhouse.db_url import connect

from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import audit, schemes
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.backup import BackupError, backup, restore
from kaohe.core.storage.migrations import LATEST, database_version
from kaohe.core.storage.models import Item, ScoreRun, Unit
from tests import factories as f

DATA = Path(__file__).parent / "data"


def snapshot(database):
    """Every table's rows, in id order."""
    return {table: [tuple(row) for row in
                    database.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()]
            for table in sorted(database.get_tables())}


@pytest.fixture
def office(database, registry):
    """A scored, published month with an audit entry: rows in most tables."""
    kh = f.unit("KH", "开化县")
    cs = f.unit("CS", "常山县")
    writer = f.reporter("R1", kh, "张三")
    zb = f.publication("SZB", "provincial", "专报信息")
    for n in range(6):
        item = f.item([kh, cs] if n % 3 == 0 else [kh], "2025-03-02", authors=[writer],
                      title=f"稿件“{n}”\t含制表符")
        f.adoption(item, zb, "2025-03-10")
    scheme = schemes.create_scheme(registry, "市政府系统", 2025, ["provincial"], author="t")
    run = recalculate(registry, scheme, "2025-03", author="t").run
    results.publish(run, "张科长")
    audit.record("张科长", "run.publish", "score_run", run.id, new={"published": True})
    return scheme


def test_backup_change_restore_gives_back_every_row(office, registry, kaohe, tmp_path):
    database = dbmod.db
    saved = snapshot(database)
    path = tmp_path / "备份" / "kaohe-2025-03.backup"
    path.parent.mkdir()

    code, out, err = kaohe("backup", str(path))
    assert code == 0, err
    assert path.is_file() and "已备份到" in out

    # A month of changes after the backup: a unit gone, items added, a new run, renamed things.
    Unit.delete().where(Unit.code == "CS").execute()
    Item.update(title="改过的标题").execute()
    f.item([Unit.get(Unit.code == "KH")], "2025-03-20", title="备份后的稿件")
    recalculate(registry, office, "2025-03", author="t")
    audit.record("李四", "parameters.save", "scheme", office.id, old={"a": 1}, new={"a": 2})
    assert snapshot(database) != saved

    # Without --yes (and no terminal to ask on) nothing is touched.
    code, out, err = kaohe("restore", str(path))
    assert code == 1
    assert "请加 --yes" in err
    assert ScoreRun.select().count() == 2

    code, out, err = kaohe("restore", str(path), "--yes")
    assert code == 0, err
    assert "已从" in out and "migrate" not in out
    assert snapshot(dbmod.db) == saved
    assert audit.verify_chain() is None

    # The restored database goes on working: new rows get new ids, runs still compute.
    again = recalculate(registry, office, "2025-03", author="t")
    assert again.run.id == max(r[0] for r in saved["score_run"]) + 1
    assert Unit.create(code="NEW", name="新单位", kind="county", pool="county").id == \
        max(r[0] for r in saved["unit"]) + 1


def test_a_backup_is_taken_while_another_connection_writes(office, tmp_path):
    """The copy is one consistent moment: a write in flight elsewhere is in it whole or not at all."""
    other = connect(dbmod.default_url())
    other.connect()
    try:
        with other.atomic():
            other.execute_sql("INSERT INTO \"unit\" (code, name, kind, pool) "
                              "VALUES ('W1', '写入中', 'county', 'county')")
            before = snapshot(dbmod.db)
            backup(tmp_path / "during.backup")
    finally:
        other.close()
    assert Unit.select().where(Unit.code == "W1").exists()
    Unit.delete().execute()
    restore(tmp_path / "during.backup")
    assert snapshot(dbmod.db) == before
    assert not Unit.select().where(Unit.code == "W1").exists()


def test_restore_refuses_what_is_not_a_backup_and_touches_nothing(office, tmp_path):
    saved = snapshot(dbmod.db)
    junk = tmp_path / "notes.backup"
    junk.write_text("单位,名称\nKH,开化县\n", encoding="utf-8")
    with pytest.raises(BackupError, match="不是 Kaohe 的备份文件"):
        restore(junk)
    with pytest.raises(BackupError, match="找不到备份文件"):
        restore(tmp_path / "missing.backup")
    with pytest.raises(BackupError, match="是一个文件夹"):
        backup(tmp_path)
    assert snapshot(dbmod.db) == saved


def test_a_backup_of_the_other_engine_is_refused(office, tmp_path):
    saved = snapshot(dbmod.db)
    other = tmp_path / "other.backup"
    if dbmod.is_sqlite():
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "PostgreSQL 数据库的备份（pg_dump），当前数据库是 SQLite"
    else:
        sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
        expected = "SQLite 数据库的备份，当前数据库是 PostgreSQL"
    with pytest.raises(BackupError, match=expected):
        restore(other)
    assert snapshot(dbmod.db) == saved


@pytest.mark.skipif(not (os.environ.get("KAOHE_TEST_DATABASE_URL") or "sqlite").startswith("sqlite"),
                    reason="the frozen first-release backup is a SQLite file")
def test_restoring_an_old_release_backup_says_to_migrate(database, kaohe, tmp_path):
    old = tmp_path / "2024.sqlite3"
    raw = sqlite3.connect(old)
    raw.executescript((DATA / "schema_v1_sqlite.sql").read_text(encoding="utf-8")
                      + (DATA / "schema_v1_data.sql").read_text(encoding="utf-8"))
    raw.close()
    code, out, err = kaohe("restore", str(old), "--yes")
    assert code == 0, err
    assert f"数据库结构为第1版，程序需要第{LATEST}版，请先运行 kaohe migrate" in out
    assert database_version() == 1
    code, out, err = kaohe("migrate")
    assert code == 0, err
    assert database_version() == LATEST
    assert Unit.select().count() == 4
