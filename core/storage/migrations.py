"""Schema versions: every database records its version, and `kaohe migrate` upgrades it in place."""

from dataclasses import dataclass
from typing import Callable

from peewee import SQL, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField
from playhouse.migrate import SchemaMigrator

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import say
from kaohe.core.storage import revision
from kaohe.core.storage.db import db, is_postgres, is_sqlite
from kaohe.core.storage.models import MODELS, SCHEMA_VERSION, JSONField, SchemaVersion

# Tables every Kaohe database has had since the first release; a database holding them but no
# schema_version table is a first-release (version 1) database.
FIRST_RELEASE_TABLES = {"unit", "item", "scheme", "score_run"}

# A number only this program uses, for PostgreSQL's advisory lock around an upgrade.
MIGRATION_LOCK = 4_826_001


class SchemaError(KaoheError):
    """The database's schema version does not match the program's."""


@dataclass(frozen=True)
class Migration:
    """One step up: `apply(migrator)` turns a database at `version - 1` into one at `version`."""
    version: int
    title: str
    apply: Callable


# ---------------------------------------------------------------- the steps
#
# A step never uses the live models of core/storage/models.py, which keep changing: it declares the
# tables and columns as they were at its version, so an old database upgrades the same way
# years later. A new whole table needs no step of its own (the tables of MODELS that are missing
# are created after the steps), but a new column, index or data change does: append a Migration
# with the next number, bump SCHEMA_VERSION in core/storage/models.py and use the migrator's operations
# (add_column, add_index, ...) so the step runs on SQLite and PostgreSQL alike.

def _v1(migrator):
    """The first release: its tables are created whole (see tests/data/schema_v1_*.sql)."""
    raise SchemaError(say("第1版是最初的表结构，不能作为升级步骤执行"))


def _v2(migrator):
    """Version 2: the schema_version table and the tamper-evident audit log."""
    database = migrator.database

    class Frozen(Model):
        class Meta:
            legacy_table_names = False

    class SchemaVersionV2(Frozen):
        version = IntegerField(primary_key=True)
        description = CharField(max_length=200, default="")
        applied_at = DateTimeField(default=now)

        class Meta:
            table_name = "schema_version"

    class AuditLogV2(Frozen):
        at = DateTimeField(default=now, index=True)
        actor = CharField(max_length=100, default="")
        action = CharField(max_length=64)
        object_type = CharField(max_length=64)
        object_id = CharField(max_length=64, default="")
        summary = TextField(default="")
        old = JSONField(null=True)
        new = JSONField(null=True)
        prev_hash = CharField(max_length=64)
        hash = CharField(max_length=64, unique=True)

        class Meta:
            table_name = "audit_log"

    with database.bind_ctx([SchemaVersionV2, AuditLogV2]):
        database.create_tables([SchemaVersionV2, AuditLogV2], safe=True)


def _v3(migrator):
    """Version 3: the data revision counter and the triggers that move it (core/storage/revision.py)."""
    revision.install()


def _v4(migrator):
    """Version 4: the index of score lines by reporter holds only the lines naming a reporter."""
    database = migrator.database
    database.execute_sql('DROP INDEX IF EXISTS "score_line_run_id_reporter_id"')
    database.execute_sql('CREATE INDEX "score_line_run_id_reporter_id" ON "score_line" '
                         '("run_id", "reporter_id") WHERE ("reporter_id" IS NOT NULL)')


# The tables of the data scores depend on, which carry a row version since version 5.
VERSIONED_TABLES_V5 = ("unit", "reporter", "publication", "solicitation", "item", "adoption",
                       "instruction", "urgent_report", "unit_fact", "target")


def _v5(migrator):
    """Version 5: row versions, the items' review step, archived runs and a fuller audit log.

    Columns are added with SQL defaults (ALTER TABLE … ADD COLUMN, the same on SQLite and
    PostgreSQL), so stored items are accepted and stored rows are at version 1.
    """
    database = migrator.database
    types = database._field_types  # the column types peewee gives a new database of this engine

    def add(table, column, definition):
        for kind in ("BOOL", "DATETIME"):
            definition = definition.replace(kind + " ", types[kind] + " ")
        database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}'.rstrip())

    for table in VERSIONED_TABLES_V5:
        add(table, "version", "INTEGER NOT NULL DEFAULT 1")
    add("item", "state", "VARCHAR(16) NOT NULL DEFAULT 'accepted'")
    add("item", "review_comment", "TEXT NOT NULL DEFAULT ''")
    add("item", "reviewed_by", "VARCHAR(100) NOT NULL DEFAULT ''")
    add("item", "reviewed_at", "DATETIME ")
    add("score_run", "archived", "BOOL NOT NULL DEFAULT FALSE")
    for column, size in (("source", 200), ("batch", 32), ("units", 500), ("item", 64)):
        add("audit_log", column, f"VARCHAR({size}) NOT NULL DEFAULT ''")
    database.execute_sql('CREATE INDEX IF NOT EXISTS "item_state" ON "item" ("state")')
    database.execute_sql('CREATE INDEX IF NOT EXISTS "audit_log_batch" ON "audit_log" ("batch")')
    database.execute_sql('CREATE INDEX IF NOT EXISTS "audit_log_item" ON "audit_log" ("item")')


def _v6(migrator):
    """Version 6: item tags, the item an urgent report was scored as, targets by period and scheme,
    room in a run's period for a custom date range (2025-09-01~2026-07-15), and the grade of
    each unit's and reporter's result (优, 达标, 一等奖).

    (The adjustments table is new and whole: it is created with the other missing tables.)
    Existing targets are the year's (an empty period), for every scheme (an empty scheme).
    """
    from playhouse.migrate import migrate as run

    database = migrator.database

    class ItemV6(Model):
        class Meta:
            table_name = "item"

    run(
        migrator.add_column("item", "tags", JSONField(default=list, constraints=[SQL("DEFAULT '[]'")])),
        migrator.add_column("urgent_report", "item_id",
                            ForeignKeyField(ItemV6, null=True, on_delete="SET NULL",
                                            field=ItemV6.id)),
        migrator.add_column("target", "period",
                            CharField(max_length=16, default="", constraints=[SQL("DEFAULT ''")])),
        migrator.add_column("target", "scheme",
                            CharField(max_length=100, default="", constraints=[SQL("DEFAULT ''")])),
        migrator.alter_column_type("score_run", "period", CharField(max_length=32)),
        migrator.add_column("unit_result", "grade",
                            CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])),
        migrator.add_column("reporter_result", "grade",
                            CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])),
    )
    database.execute_sql('DROP INDEX IF EXISTS "target_unit_id_year"')
    database.execute_sql('CREATE UNIQUE INDEX "target_unit_id_year_period_scheme" ON "target" '
                         '("unit_id", "year", "period", "scheme")')


# The codes an import or a lookup finds without regard to case (`sz-zbxx` finds `SZ-ZBXX`, see
# core/exchange/importer.py): UPPER(code) IN (...) reads these indexes, not the whole table.
CASE_FREE_KEYS = (("unit", "code"), ("reporter", "code"), ("publication", "code"),
                  ("solicitation", "no"), ("item", "no"), ("urgent_report", "no"),
                  ("unit_kind", "code"))


def case_free_indexes(database=None):
    """Create the indexes on UPPER(code) of CASE_FREE_KEYS where missing (safe to run again)."""
    database = database or db
    tables = set(database.get_tables())
    for table, column in CASE_FREE_KEYS:
        if table not in tables:  # created later, with the other missing tables
            continue
        database.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_upper_{column}" '
                             f'ON "{table}" (UPPER("{column}"))')


def _v7(migrator):
    """Version 7: indexes on the upper-cased codes, so that an import into a province's data
    looks its codes up case-free without reading every item (a scan per 500 codes before)."""
    case_free_indexes(migrator.database)


def _v8(migrator):
    """Version 8: the sentences a run stores as text, kept with their templates and parameters
    (run_sentence), so that the panel can say a run's explanations in English. A new table, but
    a step of its own: a version-7 database is refused until migrated, where without the step
    the commands would write a run into a table that is not there."""
    database = migrator.database

    class Frozen(Model):
        class Meta:
            legacy_table_names = False

    class ScoreRunV8(Frozen):
        class Meta:
            table_name = "score_run"

    class RunSentenceV8(Frozen):
        run = ForeignKeyField(ScoreRunV8, on_delete="CASCADE")
        text = TextField()
        template = TextField(default="")
        params = JSONField(default=dict)

        class Meta:
            table_name = "run_sentence"

    with database.bind_ctx([ScoreRunV8, RunSentenceV8]):
        database.create_tables([RunSentenceV8], safe=True)


def _v9(migrator):
    """Version 9: how an audit entry's summary and a recalculation job's message were said (their
    templates and parameters), beside the texts, so that the panel can say them in English:
    audit_log.summary_words and recalc_job.message_words, JSON, NULL for the rows written before
    (they are shown as they are, in Chinese). The audit chain's hashes of those rows do not change:
    an entry's hash takes in its words only when it has them (core/storage/audit.py entry_hash).

    recalc_job came without a step of its own (a whole new table): a database upgraded from before
    it has none until the tables of MODELS are created after the steps, with the column; a column
    already there is left as it is."""
    from playhouse.migrate import migrate as run

    database = migrator.database
    tables = set(database.get_tables())
    run(*[migrator.add_column(table, column, JSONField(null=True))
          for table, column in (("audit_log", "summary_words"), ("recalc_job", "message_words"))
          if table in tables and column not in {c.name for c in database.get_columns(table)}])


MIGRATIONS = [
    Migration(1, "最初发布的表结构", _v1),
    Migration(2, "增加结构版本表与操作审计日志", _v2),
    Migration(3, "增加数据版本计数（供预览复用已读取的数据）", _v3),
    Migration(4, "计分行的信息员索引只收指明信息员的行（保存计算更快）", _v4),
    Migration(5, "数据行版本、稿件审核、计算结果归档与完整的数据变更记录", _v5),
    Migration(6, "增加加减分、稿件标签、紧急信息对应稿件，目标任务按期间和方案", _v6),
    Migration(7, "按不区分大小写的代码建立索引（大库导入查代码不再逐批扫全表）", _v7),
    Migration(8, "计算结果保存说明所用的句子（供英文界面显示计分说明）", _v8),
    Migration(9, "审计日志说明与计算任务消息保存所用的句子（供英文界面显示）", _v9),
]

LATEST = MIGRATIONS[-1].version
assert LATEST == SCHEMA_VERSION, "core/storage/models.py SCHEMA_VERSION must name the last migration"


# ---------------------------------------------------------------- reading the version

def database_version():
    """The schema version of the connected database; 0 when it holds no Kaohe tables yet."""
    tables = set(db.get_tables())
    if SchemaVersion._meta.table_name in tables:
        found = SchemaVersion.select(SchemaVersion.version).order_by(
            SchemaVersion.version.desc()).scalar()
        if found is not None:
            return found
    if FIRST_RELEASE_TABLES <= tables:
        return 1
    return 0


def outdated_message(version):
    if version < LATEST:
        return f"数据库结构为第{version}版，程序需要第{LATEST}版，请先运行 kaohe migrate"
    return (f"数据库结构为第{version}版，比本程序支持的第{LATEST}版新，"
            f"请安装新版本的 Kaohe 后再使用此数据库")


def check_schema():
    """Refuse to work on a database older (or newer) than the code, with what to do about it.

    An empty database passes: `kaohe init-db` (or the first `create_tables()`) builds it.
    """
    version = database_version()
    if version not in (0, LATEST):
        raise SchemaError(outdated_message(version))
    return version


def _stamp(version, description):
    SchemaVersion.insert(version=version, description=description, applied_at=now()) \
        .on_conflict_ignore().execute()


def ensure_schema():
    """A new database gets every table at the latest version; a current one gets missing tables.

    A current database with every table is left as it is (no DDL): every `kaohe serve` process
    and every app start calls this.

    An older database is refused: only `kaohe migrate` may change it.
    """
    version = database_version()
    if version == 0:
        with db.atomic():
            db.create_tables(MODELS, safe=True)
            case_free_indexes()
            revision.install()
            _stamp(LATEST, f"新建数据库（第{LATEST}版）")
        return LATEST
    if version != LATEST:
        raise SchemaError(outdated_message(version))
    tables = set(db.get_tables())
    missing = [model for model in MODELS if model._meta.table_name not in tables]
    if missing or revision.TABLE not in tables:
        with db.atomic():
            db.create_tables(missing, safe=True)
            revision.install()
    return version


# ---------------------------------------------------------------- upgrading

def migrate(progress=None):
    """Upgrade the connected database to the latest version, one step per transaction.

    Returns the steps applied (none when it was current; an empty database is created at the
    latest version). `progress(migration)` is called before each step. A step that fails leaves
    the database at the version before it, with nothing of that step applied.
    """
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        return _migrate(progress)
    finally:
        if is_postgres():
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def _migrate(progress):
    version = database_version()
    if version == 0:
        ensure_schema()
        return []
    if version > LATEST:
        raise SchemaError(outdated_message(version))
    migrator = SchemaMigrator.from_database(db.obj)
    applied = []
    # SQLite changes a column by copying the table and dropping the old one; with foreign keys
    # enforced, that drop would delete (or null) every row referring to it. So they are off while
    # the steps run, as SQLite's documented procedure says, and checked before each commit.
    sqlite = is_sqlite()
    if sqlite:
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for step in MIGRATIONS:
            if step.version <= version:
                continue
            if progress is not None:
                progress(step)
            try:
                with db.atomic():
                    step.apply(migrator)
                    if sqlite:
                        _check_foreign_keys()
                    _stamp(step.version, step.title)
            except SchemaError:
                raise
            except Exception as error:
                raise SchemaError(say("升级到第{version}版（{step}）失败，数据库仍为第{current}版，"
                    "未做任何改动：{error_type}: {error}",
                    version=step.version, step=step.title, current=version, error_type=type(error).__name__,
                    error=error)) from error
            version = step.version
            applied.append(step)
    finally:
        if sqlite:
            db.execute_sql("PRAGMA foreign_keys = ON")
    with db.atomic():
        db.create_tables(MODELS, safe=True)
        if version >= 3:  # a step may have rebuilt a table, and SQLite drops its triggers with it
            revision.install()
        if version >= 7:  # and the tables created just now (unit_kind, of step 6) get theirs
            case_free_indexes()
    return applied


def _check_foreign_keys():
    broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise SchemaError(say("升级后 {table} 表第 {rowid} 行引用的 {parent} 不存在（共 "
            "{count} 处），已撤销这一步",
            table=table, rowid=rowid, parent=parent, count=len(broken)))


def create_tables():
    """Create a new database at the latest schema version; refuse one older than the code."""
    ensure_schema()
