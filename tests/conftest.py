"""Shared fixtures: a fresh database per test, the plugin registry, and the data factories."""

import contextlib
import os
import shutil

import pytest
from peewee import sort_models

from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import MODELS, SchemaVersion
from kaohe.plugins.manager import build_registry


# An empty SQLite database at the latest schema, made once per test session: every test starts
# from a copy of this file (a copy takes about 2 ms, creating the tables about 77 ms).
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    database = dbmod.configure(f"sqlite:///{path}")
    database.connect(reuse_if_open=True)
    create_tables()
    database.close()
    return path


# A fresh, empty database for every test: a copy of the template in the test's temporary folder,
# or, when KAOHE_TEST_DATABASE_URL names a PostgreSQL database, that database emptied first.
@pytest.fixture
def database(tmp_path, monkeypatch, sqlite_template):
    monkeypatch.setenv("KAOHE_INSTANCE_PATH", str(tmp_path / "instance"))
    url = os.environ.get("KAOHE_TEST_DATABASE_URL")
    if url is None:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    monkeypatch.setenv("KAOHE_DATABASE_URL", url)
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    if not url.startswith("sqlite"):
        empty_postgres(database)
    yield database
    if not database.is_closed():
        database.close()


def empty_postgres(database):
    """Empty every table and restart the ids (fast); rebuild the tables when they are not current."""
    from kaohe.core.storage.migrations import LATEST, database_version
    tables = database.get_tables()
    if database_version() != LATEST or not {m._meta.table_name for m in MODELS} <= set(tables):
        if tables:
            database.execute_sql("DROP TABLE IF EXISTS %s CASCADE" % ", ".join(f'"{t}"' for t in tables))
        create_tables()
        return
    # DELETE, children first, is several times faster than TRUNCATE on tables this small.
    order = [m._meta.table_name for m in reversed(sort_models(MODELS))]
    keep = SchemaVersion._meta.table_name
    names = [t for t in tables if t not in order] + [t for t in order if t != keep]
    sequences = [row[0] for row in database.execute_sql(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'")]
    database.execute_sql("; ".join([f'DELETE FROM "{t}"' for t in names]
                                   + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]))


# build_world's database (tests/admin_support.py), made once per session on SQLite: the `world`
# fixture starts a test from a copy of it instead of building it again (about 30 ms a test).
@pytest.fixture(scope="session")
def world_template(tmp_path_factory, sqlite_template):
    if os.environ.get("KAOHE_TEST_DATABASE_URL"):
        return None
    from tests.admin_support import build_world
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    shutil.copyfile(sqlite_template, path)
    previous, previous_url = dbmod.db.obj, dbmod.configured_url
    database = dbmod.configure(f"sqlite:///{path}")
    try:
        database.connect()
        made = build_world(build_registry(plugins_dir=path.parent / "no-plugins", entry_points=False))
        database.close()
    finally:
        dbmod.db.initialize(previous)
        dbmod.configured_url = previous_url
    return path, made


class AppPool:
    """Panels built once per test process and lent to one test at a time.

    Building the panel costs about 90 ms (werkzeug compiles every URL rule), a few seconds over
    the suite's hundreds of panel tests. What a panel holds of a test is put right on each loan:
    the instance folder is the test's, and the configuration the test changed is restored after
    it. The database is the test's already (the `database` fixture points the proxy at it).
    """

    def __init__(self, plugins_dir):
        self.plugins_dir = str(plugins_dir)
        self.apps = {}

    @contextlib.contextmanager
    def lend(self, config, tmp_path):
        from kaohe.admin import create_app
        key = tuple(sorted(config.items()))
        if key not in self.apps:
            self.apps[key] = create_app({**config, "KAOHE_PLUGINS_DIR": self.plugins_dir})
        app = self.apps[key]
        saved = dict(app.config)
        app.instance_path = str(tmp_path / "instance")
        try:
            yield app
        finally:
            app.config.clear()
            app.config.update(saved)


@pytest.fixture(scope="session")
def app_pool(tmp_path_factory):
    return AppPool(tmp_path_factory.mktemp("pool") / "no-plugins")


# Runs `kaohe ARGS` in-process on the test database and returns (exit code, stdout, stderr),
# reading KAOHE_DATABASE_URL as an office's shell would, with no plugins folder.
@pytest.fixture
def kaohe(database, capsys, tmp_path, monkeypatch):
    from kaohe import cli
    monkeypatch.setenv("KAOHE_PLUGINS_DIR", str(tmp_path / "no-plugins"))

    def run(*args):
        try:
            code = cli.main([str(arg) for arg in args])
        except SystemExit as exit_:
            code = exit_.code
        out, err = capsys.readouterr()
        dbmod.configure()  # the command closed its connection; the test keeps reading
        dbmod.db.connect(reuse_if_open=True)
        return code or 0, out, err
    return run


# The plugin registry with the four built-in rule sets only: no entry points, no plugins folder.
@pytest.fixture
def registry(tmp_path):
    return build_registry(plugins_dir=tmp_path / "no-plugins", entry_points=False)
