"""The database handle: one proxy, initialised from `KAOHE_DATABASE_URL` (SQLite by default)."""

import os
from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

db = DatabaseProxy()

DEFAULT_INSTANCE = Path.cwd() / "instance"


def instance_path():
    """The folder holding this installation's database, secret key and plugins."""
    return Path(os.environ.get("KAOHE_INSTANCE_PATH") or DEFAULT_INSTANCE)


def default_url():
    return os.environ.get("KAOHE_DATABASE_URL") or f"sqlite:///{instance_path() / 'kaohe.sqlite3'}"


def configure(url=None):
    """Point the proxy at the database named by `url` (or the environment) and return it."""
    url = url or default_url()
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        database = connect(url, pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "synchronous": "normal",
            "cache_size": -64 * 1024,
            "busy_timeout": 10000,
        })
    else:
        database = connect(url)
    db.initialize(database)
    return database


def is_sqlite():
    return isinstance(db.obj, SqliteDatabase)


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


# Rows written at once after which the planner's statistics are refreshed (see below).
BULK_ROWS = 10_000


def refresh_statistics(rows_written=BULK_ROWS):
    """After a bulk load, let PostgreSQL's planner see the new row counts at once.

    Until autovacuum analyses the tables (a minute or more later) PostgreSQL plans as if they
    were nearly empty, and a preview's counting queries take seconds instead of tenths. SQLite
    plans from its indexes alone, so nothing is done there. Outside a transaction only.
    """
    if is_postgres() and rows_written >= BULK_ROWS and not db.in_transaction():
        db.execute_sql("ANALYZE")


def bulk_insert(model, fields, rows, batch=5000, on_rows=None):
    """Insert many rows (tuples in `fields` order) at the speed the backend allows.

    The query builder costs more than the database for hundreds of thousands of rows, so the
    rows go through the DB-API cursor with one prepared statement.
    """
    if not rows:
        return 0
    table = model._meta.table_name
    columns = [model._meta.fields[f].column_name for f in fields]

    def quote(name):
        return '"%s"' % name

    column_sql = ", ".join(quote(c) for c in columns)
    count = 0
    if is_postgres():
        from psycopg2.extras import execute_values
        sql = f"INSERT INTO {quote(table)} ({column_sql}) VALUES %s"
        cursor = db.cursor()
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            execute_values(cursor, sql, chunk, page_size=len(chunk))
            count += len(chunk)
            if on_rows is not None:
                on_rows(len(chunk))
        return count
    marks = ", ".join([db.obj.param] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({marks})"
    cursor = db.cursor()
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        cursor.executemany(sql, chunk)
        count += len(chunk)
        if on_rows is not None:
            on_rows(len(chunk))
    return count


def fetch_rows(query):
    """Run a peewee query and return the DB-API rows as they are (no per-cell conversion)."""
    return db.execute(query).fetchall()


def chunked(values, size=500):
    """`values` in lists of at most `size`, for IN lists that stay under the engines' limits."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]
