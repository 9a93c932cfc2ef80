"""Fixtures of the water plugin's tests: a fresh Kaohe database and a registry built as in production."""

import pytest

from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables
from kaohe.plugins.manager import build_registry


# A fresh, empty SQLite database for every test, with the instance folder in the test's tmp dir.
@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("KAOHE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("KAOHE_PLUGINS_DIR", raising=False)
    monkeypatch.delenv("KAOHE_PLUGINS_ALLOW", raising=False)
    url = f"sqlite:///{tmp_path / 'water.sqlite3'}"
    monkeypatch.setenv("KAOHE_DATABASE_URL", url)
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    create_tables()
    yield database
    if not database.is_closed():
        database.close()


# Kaohe's registry exactly as `kaohe` builds it: built-ins plus the installed entry points, which
# is how this plugin is found (no plugins folder).
@pytest.fixture
def registry(tmp_path):
    return build_registry(plugins_dir=tmp_path / "no-plugins")


# "Today" for the weekly quota, fixed well after the scheme year unless a test moves it.
@pytest.fixture
def today(monkeypatch):
    from kaohe_water import quota

    def set_today(text):
        fixed = quota.datetime.date.fromisoformat(text)
        monkeypatch.setattr(quota, "china_today", lambda: fixed)
        return fixed

    set_today("2026-01-10")
    return set_today
