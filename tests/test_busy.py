"""Writes that wait instead of failing: on SQLite a write meeting another writer (a run being
stored) waits its turn, a login never waits for it, and past the wait the answer says so."""

import os
import sqlite3
import threading
import time

import pytest

from kaohe.core.storage import db as dbmod
from kaohe.core.storage.models import Item, LoginFailure, UrgentReport
from kaohe.core.storage.tokens import issue_token
from tests.admin_support import PASSWORD, app, auth, client, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(
    not (os.environ.get("KAOHE_TEST_DATABASE_URL") or "sqlite").startswith("sqlite"),
    reason="only SQLite has one writer at a time")

BUSY = "正在保存计算结果，请稍候再试：数据库正被另一次写入占用，本次操作未保存"


class Writer:
    """Another connection holding SQLite's write lock, as a run being stored holds it."""

    def __init__(self, seconds):
        self.path = dbmod.db.obj.database
        self.seconds = seconds
        self.taken = threading.Event()
        self.released = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        connection = sqlite3.connect(self.path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE data_revision SET counter = counter WHERE id = 1")
        self.taken.set()
        self.released.wait(self.seconds)  # at most `seconds`; leaving the `with` lets go at once
        connection.execute("COMMIT")
        connection.close()

    def __enter__(self):
        self.thread.start()
        self.taken.wait(10)
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join()


def _item_form(world):
    return {"no": "W-1", "title": "等待中保存的稿件", "submitted_on": "2025-03-05",
            "units": str(world["changshan"].id), "category": "news"}


def test_a_panel_write_waits_for_the_writer_and_is_saved(client, auth, world):
    auth.login("clerk")
    with Writer(seconds=2):
        started = time.monotonic()
        response = client.post("/items/new/", data=_item_form(world))
        waited = time.monotonic() - started
    assert response.status_code == 302, response.data.decode()[:300]
    assert waited >= 1.5  # it waited for the lock instead of failing at once
    assert Item.select().where(Item.no == "W-1").count() == 1


def test_an_api_write_waits_for_the_writer_and_is_saved(client, world):
    token = issue_token(world["users"]["clerk"])
    with Writer(seconds=2):
        response = client.post("/api/v1/urgent-reports", headers={"Authorization": f"Bearer {token}"},
                               json={"no": "E-1", "unit": "C01", "title": "突发", "severity": "IV",
                                     "occurred_at": "2025-03-20 08:00", "reported_at": "2025-03-20 08:20"})
    assert response.status_code == 200, response.get_json()
    assert UrgentReport.select().count() == 1


def test_past_the_wait_a_write_is_told_to_wait_not_a_500(client, auth, world, monkeypatch):
    auth.login("clerk")
    monkeypatch.setenv("KAOHE_DATABASE_BUSY_SECONDS", "1")
    dbmod.db.close()
    dbmod.configure(dbmod.configured_url)  # as a server started with the setting
    dbmod.db.connect()
    token = issue_token(world["users"]["clerk"])
    with Writer(seconds=4):
        page = client.post("/items/new/", data=_item_form(world))
        api = client.post("/api/v1/items", headers={"Authorization": f"Bearer {token}"},
                          json={"no": "W-2", "title": "x", "submitted_on": "2025-03-05", "units": "C01"})
    assert page.status_code == 503 and BUSY in page.data.decode()
    assert page.headers["Retry-After"] == "1"
    assert (api.status_code, api.get_json()) == (503, {"error": BUSY})
    assert Item.select().where(Item.no.in_(["W-1", "W-2"])).count() == 0


def test_a_login_does_not_wait_for_a_writer(app, client, world):
    LoginFailure.create(username="admin", client="10.0.0.1")  # a failure a success would forget
    with Writer(seconds=12):
        started = time.monotonic()
        response = client.post("/login", data={"username": "admin", "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.0.0.1"})
        waited = time.monotonic() - started
        assert response.status_code == 302
        assert client.get("/").status_code == 200  # and the session opens the panel at once
    assert waited < 3


def test_each_connection_caches_what_the_setting_says(world, monkeypatch):
    """16 MB of pages per connection unless KAOHE_SQLITE_CACHE_MB says otherwise (a negative
    cache_size is in KiB); a value that is not a number is the default."""
    url = dbmod.configured_url
    try:
        for setting, kib in ((None, 16 * 1024), ("64", 64 * 1024), ("many", 16 * 1024)):
            if setting is None:
                monkeypatch.delenv("KAOHE_SQLITE_CACHE_MB", raising=False)
            else:
                monkeypatch.setenv("KAOHE_SQLITE_CACHE_MB", setting)
            dbmod.db.close()
            dbmod.configure(url)
            dbmod.db.connect()
            assert dbmod.db.execute_sql("PRAGMA cache_size").fetchone() == (-kib,)
    finally:
        monkeypatch.delenv("KAOHE_SQLITE_CACHE_MB", raising=False)
        dbmod.db.close()
        dbmod.configure(url)
        dbmod.db.connect()
