"""The database handle: one proxy, initialised from `KAOHE_DATABASE_URL` (SQLite by default)."""

import datetime
import os
from pathlib import Path

from peewee import DatabaseProxy, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect, parse

db = DatabaseProxy()

DEFAULT_INSTANCE = Path.cwd() / "instance"

# How long a write on SQLite waits for the one writer at a time (a run being stored, an import)
# before it is refused: KAOHE_DATABASE_BUSY_SECONDS, 60 s unless set.
DEFAULT_BUSY_SECONDS = 60

# What SQLite says when the write lock stays taken past the wait.
BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")


class WaitingSqliteDatabase(SqliteDatabase):
    """SQLite whose transactions take the write lock when they begin (BEGIN IMMEDIATE).

    A transaction begun the default way reads first and asks for the write lock at its first
    write; if another connection wrote meanwhile (a run being stored), SQLite refuses it at once
    ("database is locked") instead of waiting, since its snapshot is stale. Taking the lock
    first makes every write wait its turn for up to the busy timeout.
    """

    def begin(self, lock_type=None):
        super().begin(lock_type or "IMMEDIATE")


# The pages each SQLite connection keeps in its own memory: KAOHE_SQLITE_CACHE_MB, 16 MB unless
# set. The operating system caches the file as well, so a page read again costs a system call,
# not a disk read; a larger cache per connection (a recalculation reads on two, every server
# thread has one) mostly adds memory: at a million items 64 MB made a recalculation's peak
# 855 MB instead of 761 MB (benchmarks/RESULTS.md).
DEFAULT_CACHE_MB = 16


def cache_megabytes():
    try:
        return max(1, int(os.environ.get("KAOHE_SQLITE_CACHE_MB") or DEFAULT_CACHE_MB))
    except ValueError:
        return DEFAULT_CACHE_MB


def busy_seconds():
    try:
        return max(1, int(os.environ.get("KAOHE_DATABASE_BUSY_SECONDS") or DEFAULT_BUSY_SECONDS))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def is_busy(error):
    """Whether `error` says the database's write lock stayed taken past the wait."""
    return isinstance(error, OperationalError) and any(w in str(error) for w in BUSY_WORDS)


def write_or_skip(write, wait_ms=200):
    """Run `write()` now if the database lets it within `wait_ms`, else skip it (returns False).

    For housekeeping that may be left for later (forgetting expired login failures), so that a
    login never waits for a run being stored. On PostgreSQL writes do not wait for one another.
    """
    if not is_sqlite():
        write()
        return True
    (usual,) = db.execute_sql("PRAGMA busy_timeout").fetchone()
    db.execute_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        write()
        return True
    except OperationalError as error:
        if not is_busy(error):
            raise
        return False
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {int(usual)}")


def instance_path():
    """The folder holding this installation's database, secret key and plugins."""
    return Path(os.environ.get("KAOHE_INSTANCE_PATH") or DEFAULT_INSTANCE)


configured_url = None  # the URL `configure` was last given (a job's computing process opens it too)


def default_url():
    return os.environ.get("KAOHE_DATABASE_URL") or f"sqlite:///{instance_path() / 'kaohe.sqlite3'}"


def configure(url=None):
    """Point the proxy at the database named by `url` (or the environment) and return it."""
    global configured_url
    url = url or default_url()
    configured_url = url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        database = WaitingSqliteDatabase(**parse(url), pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "synchronous": "normal",
            "cache_size": -cache_megabytes() * 1024,
            "busy_timeout": busy_seconds() * 1000,
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


def bound(value):
    """A value as the driver binds it: on SQLite a date and time as the text its adapter would
    make of it (isoformat with a space), so that a value every row of a bulk insert repeats (an
    import's time stamp) is adapted once, not once a row. Anything else as it is."""
    if value.__class__ is datetime.datetime and is_sqlite():
        return value.isoformat(" ")
    return value


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
