"""Backups: SQLite's online backup, or pg_dump and pg_restore on PostgreSQL, with a clear refusal each time."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say
from kaohe.core.storage.db import db, is_postgres, is_sqlite

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(KaoheError):
    """A backup or a restore could not be done; the database is as it was."""


@dataclass
class BackupInfo:
    path: Path
    engine: str
    size: int


def backup(path):
    """Write a consistent copy of the connected database to `path` (replaced if it exists).

    SQLite: the online backup API, safe while the panel and other commands keep working.
    PostgreSQL: `pg_dump -Fc` (one consistent snapshot), restorable with `kaohe restore`.
    The copy is written beside `path` first and renamed into place only when complete.
    """
    path = Path(path).resolve()
    if path.is_dir():
        raise BackupError(say("「{path}」是一个文件夹，请给出备份文件的名称，如 "
            "{example}",
            path=path, example=path / 'kaohe.backup'))
    if not path.parent.is_dir():
        raise BackupError(say("备份文件夹「{parent}」不存在", parent=path.parent))
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(partial)
    try:
        if is_sqlite():
            engine = "sqlite"
            _sqlite_backup(path, partial)
        elif is_postgres():
            engine = "postgresql"
            _pg_dump(partial)
        else:
            raise BackupError(say("不支持备份这种数据库：{error_type}", error_type=type(db.obj).__name__))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path, engine, path.stat().st_size)


def restore(path):
    """Replace the connected database's contents with the backup at `path`, all or nothing.

    Returns the restored database's schema version (it may need `kaohe migrate`).
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(say("找不到备份文件「{path}」", path=path))
    with open(path, "rb") as stream:
        head = stream.read(len(SQLITE_MAGIC))
    if is_sqlite():
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(_wrong_kind(path, head, "SQLite"))
        _sqlite_restore(path)
    elif is_postgres():
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(_wrong_kind(path, head, "PostgreSQL"))
        _pg_restore(path)
    else:
        raise BackupError(say("不支持恢复这种数据库：{error_type}", error_type=type(db.obj).__name__))
    from kaohe.core.storage.migrations import database_version
    return database_version()


def _wrong_kind(path, head, engine):
    if head.startswith(SQLITE_MAGIC):
        found = "SQLite 数据库的备份"
    elif head.startswith(PG_DUMP_MAGIC):
        found = "PostgreSQL 数据库的备份（pg_dump）"
    else:
        found = "不是 Kaohe 的备份文件"
    return f"「{path}」{found}，当前数据库是 {engine}，无法恢复"


# ---------------------------------------------------------------- SQLite

def _live_sqlite_path():
    name = db.obj.database
    return None if name in ("", ":memory:") else Path(name).resolve()


def _sqlite_backup(path, partial):
    live = _live_sqlite_path()
    if live is not None and live == path:
        raise BackupError(say("备份文件不能就是数据库文件本身"))
    target = sqlite3.connect(partial)
    try:
        db.connection().backup(target)
        problem = target.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(say("备份副本校验未通过：{problem}", problem=problem))
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()


def _sqlite_restore(path):
    live = _live_sqlite_path()
    if live is not None and live == path.resolve():
        raise BackupError(say("备份文件就是当前数据库文件，无需恢复"))
    try:
        source = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(say("无法打开备份文件「{path}」：{error}", path=path, error=error)) from error
    try:
        try:
            problem = source.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            raise BackupError(say("备份文件「{path}」已损坏：{error}", path=path, error=error)) from error
        if problem != "ok":
            raise BackupError(say("备份文件「{path}」已损坏：{problem}", path=path, problem=problem))
        from kaohe.core.storage.migrations import FIRST_RELEASE_TABLES
        if not FIRST_RELEASE_TABLES <= tables:
            raise BackupError(say("「{path}」不是 Kaohe 数据库的备份（缺少 {tables} "
                "表）",
                path=path, tables=', '.join(sorted(FIRST_RELEASE_TABLES - tables))))
        # The backup API copies every page in one step under the write lock: readers see the
        # old database or the restored one, never a mixture.
        source.backup(db.connection())
    finally:
        source.close()


# ---------------------------------------------------------------- PostgreSQL

def _pg_tool(name):
    """The newest installed `name` (pg_dump must be at least as new as the server)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(say("找不到 {name}：PostgreSQL 的备份与恢复需要 PostgreSQL "
        "客户端工具（Debian/Ubuntu：apt-get install postgresql-client）"
        "，也可以直接使用 pg_dump -Fc 与 pg_restore，见 docs/deployment.md",
        name=name))


def _pg_env():
    """libpq's environment for the connected database: the password never goes on a command line."""
    params = dict(db.obj.connect_params)
    env = dict(os.environ)
    mapping = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
               "sslmode": "PGSSLMODE"}
    for key, var in mapping.items():
        if params.get(key) not in (None, ""):
            env[var] = str(params[key])
    env["PGDATABASE"] = db.obj.database
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _run(command, env):
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise BackupError(say("无法运行 {command}：{error}", command=command[0], error=error)) from error
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} 失败（退出码 {done.returncode}）："
                          + ("；".join(detail[-3:]) if detail else "无输出"))
    return done


def _pg_dump(partial):
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={partial}"], _pg_env())


def _pg_restore(path):
    """Drop the current tables and load the dump in one transaction: all of it or none."""
    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    env = _pg_env()
    _run([pg_restore, "--list", str(path)], env)  # a damaged dump stops here, nothing touched
    tables = db.get_tables()
    drop = ("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE;\n"
            if tables else "")
    # the data revision's trigger function (core/storage/revision.py) is in the dump too
    drop += "DROP FUNCTION IF EXISTS kaohe_bump_revision() CASCADE;\n"
    if not db.is_closed():
        db.close()  # our own connection must not hold locks the restore waits for
    with tempfile.TemporaryDirectory(prefix="kaohe-restore-") as folder:
        script = Path(folder) / "restore.sql"
        _run([pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(path)], env)
        prefix = Path(folder) / "drop.sql"
        prefix.write_text(drop, encoding="utf-8")
        _run([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
              f"--file={prefix}", f"--file={script}"], env)
