"""The first released schema, frozen, for the migration tests: build a v1 database in the test's."""

import sqlite3
from pathlib import Path

from kaohe.core.storage import db as dbmod

DATA = Path(__file__).parent / "data"
V1_TABLES = ["unit", "reporter", "publication", "solicitation", "solicitation_unit", "item",
             "item_unit", "item_author", "adoption", "instruction", "urgent_report", "unit_fact",
             "target", "scheme", "scheme_unit", "parameter_version", "score_run", "unit_result",
             "reporter_result", "score_line", "user"]


def drop_everything(database):
    tables = database.get_tables()
    if dbmod.is_sqlite():
        database.execute_sql("PRAGMA foreign_keys = OFF")
        for table in tables:
            database.execute_sql(f'DROP TABLE "{table}"')
        database.execute_sql("PRAGMA foreign_keys = ON")
    elif tables:
        database.execute_sql("DROP TABLE IF EXISTS %s CASCADE" % ", ".join(f'"{t}"' for t in tables))


def build_v1(database):
    """Turn the test's database into a first-release database holding the frozen dataset."""
    data = (DATA / "schema_v1_data.sql").read_text(encoding="utf-8")
    if dbmod.is_sqlite():
        database.close()
        raw = sqlite3.connect(database.database)
        for table in [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                "AND name NOT LIKE 'sqlite_%'")]:
            raw.execute(f'DROP TABLE "{table}"')
        raw.executescript((DATA / "schema_v1_sqlite.sql").read_text(encoding="utf-8") + data)
        raw.close()
        database.connect()
        return
    drop_everything(database)
    with database.atomic():
        cursor = database.cursor()
        cursor.execute((DATA / "schema_v1_postgresql.sql").read_text(encoding="utf-8"))
        cursor.execute(data)
        for table in V1_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                           f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \"{table}\"")
