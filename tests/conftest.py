"""Shared fixtures: a fresh database per test, the plugin registry, and the data factories."""

import os

import pytest

from core import db as dbmod
from core.models import MODELS, create_tables
from plugins.manager import build_registry


# A fresh, empty database for every test: a SQLite file in the test's temporary folder, or,
# when KAOHE_TEST_DATABASE_URL names a PostgreSQL database, that database emptied first.
@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("KAOHE_INSTANCE_PATH", str(tmp_path / "instance"))
    url = os.environ.get("KAOHE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    monkeypatch.setenv("KAOHE_DATABASE_URL", url)
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    if not url.startswith("sqlite"):
        database.drop_tables(MODELS, safe=True, cascade=True)
    create_tables()
    yield database
    if not database.is_closed():
        database.close()


# The plugin registry with the four built-in rule sets only: no entry points, no plugins folder.
@pytest.fixture
def registry(tmp_path):
    return build_registry(plugins_dir=tmp_path / "no-plugins", entry_points=False)
