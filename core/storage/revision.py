"""The data revision: a counter the database itself bumps on every change to the scored data.

Triggers on the data tables (per row on SQLite, per statement on PostgreSQL) add one to a single
row, inside the writing transaction, so every path that changes data — the panel, imports, the
API, a hand-typed SQL statement — moves it. A reader that takes the revision *before* reading the
data knows the data is unchanged while the revision is: the what-if preview keeps a period's rows
between previews on that promise. The row also holds a random token, so that a counter that
starts again (a new or emptied database) never matches a revision seen before.

Score runs and results are not data: recalculating does not move the revision.

A bulk write (an import of a province's file) runs inside :func:`bulk`: on SQLite, whose triggers
run per row, the row triggers are dropped inside the writing transaction and made again before it
ends, and the counter moves once. SQLite's schema changes are transactional and the transaction
holds the only write lock, so no other connection ever writes, or sees the database, without them;
a failed write rolls the drop back with the rest.
"""

import secrets
from contextlib import contextmanager

from kaohe.core.storage.db import db, is_postgres

# The tables whose rows a period's scoring reads.
DATA_TABLES = (
    "unit", "reporter", "publication", "solicitation", "solicitation_unit", "item", "item_unit",
    "item_author", "adoption", "instruction", "urgent_report", "unit_fact", "target",
    "scheme_unit", "adjustment",
)
TABLE = "data_revision"


def install():
    """Create the counter and its triggers where they are missing (safe to run again).

    Run for a new database, by the migration that introduced it, and after every migration:
    SQLite drops a table's triggers with the table when a migration rebuilds it.
    """
    db.execute_sql(f'CREATE TABLE IF NOT EXISTS "{TABLE}" (id INTEGER PRIMARY KEY, '
                   f'counter BIGINT NOT NULL, token VARCHAR(32) NOT NULL)')
    _ensure_row()
    tables = set(db.get_tables())
    if is_postgres():
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION kaohe_bump_revision() RETURNS trigger AS $$ BEGIN "
            f'UPDATE "{TABLE}" SET counter = counter + 1 WHERE id = 1; RETURN NULL; END $$ '
            "LANGUAGE plpgsql")
        for table in DATA_TABLES:
            if table in tables:
                db.execute_sql(f'DROP TRIGGER IF EXISTS kaohe_revision ON "{table}"')
                db.execute_sql(f'CREATE TRIGGER kaohe_revision AFTER INSERT OR UPDATE OR DELETE '
                               f'OR TRUNCATE ON "{table}" FOR EACH STATEMENT '
                               f'EXECUTE FUNCTION kaohe_bump_revision()')
        return
    for table in DATA_TABLES:
        if table not in tables:
            continue
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute_sql(
                f'CREATE TRIGGER IF NOT EXISTS "kaohe_revision_{table}_{event.lower()}" '
                f'AFTER {event} ON "{table}" BEGIN '
                f'UPDATE "{TABLE}" SET counter = counter + 1 WHERE id = 1; END')


@contextmanager
def bulk():
    """A bulk write inside the current transaction: the counter moves once, at the end, instead
    of once per row (SQLite; PostgreSQL's triggers run once per statement already)."""
    if is_postgres():
        yield
        return
    if not db.in_transaction():
        raise RuntimeError("revision.bulk() belongs inside the writing transaction")
    for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                  "AND name LIKE 'kaohe_revision_%'").fetchall():
        db.execute_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        install()
        db.execute_sql(f'UPDATE "{TABLE}" SET counter = counter + 1 WHERE id = 1')


def _ensure_row():
    token = secrets.token_hex(16)
    param = db.obj.param
    if is_postgres():
        sql = (f'INSERT INTO "{TABLE}" (id, counter, token) VALUES (1, 0, {param}) '
               f"ON CONFLICT (id) DO NOTHING")
    else:
        sql = f'INSERT OR IGNORE INTO "{TABLE}" (id, counter, token) VALUES (1, 0, {param})'
    db.execute_sql(sql, (token,))


def current():
    """(token, counter) of the data as this connection sees it now; None without the counter."""
    if TABLE not in db.get_tables():
        return None
    row = db.execute_sql(f'SELECT token, counter FROM "{TABLE}" WHERE id = 1').fetchone()
    if row is None:  # the row was emptied with the tables: start a new series
        _ensure_row()
        row = db.execute_sql(f'SELECT token, counter FROM "{TABLE}" WHERE id = 1').fetchone()
    return (row[0], int(row[1]))
