"""Hardening of the panel: login throttling, cookie flags, and a login or a role on every route."""

import datetime

import pytest

from kaohe.core.storage.models import LoginFailure
from tests.admin_support import PASSWORD, app, auth, client, world  # noqa: F401 (fixtures)

LOCKED = "登录失败次数过多，已暂停登录，请15分钟后再试"


def attempt(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


# ---------------------------------------------------------------- throttling

def test_five_failures_lock_the_username_even_against_the_right_password(client, world):
    for _ in range(5):
        response = attempt(client, "admin", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.data.decode()
    refused = attempt(client, "admin", PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.data.decode()
    assert LoginFailure.select().where(LoginFailure.username == "admin").count() == 5
    assert attempt(client, "clerk", PASSWORD).status_code == 302  # other accounts are not locked


def test_the_lock_lifts_when_the_failures_are_older_than_the_window(client, world):
    for _ in range(5):
        attempt(client, "admin", "wrong-password")
    assert attempt(client, "admin", PASSWORD).status_code == 429
    for failure in LoginFailure.select():
        failure.at -= datetime.timedelta(minutes=16)
        failure.save()
    assert attempt(client, "admin", PASSWORD).status_code == 302
    assert LoginFailure.select().count() == 0  # a successful login forgets that name's failures


def test_four_failures_then_a_success_start_the_count_again(client, world):
    for _ in range(4):
        attempt(client, "admin", "wrong-password")
    assert attempt(client, "admin", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        attempt(client, "admin", "wrong-password")
    assert attempt(client, "admin", PASSWORD).status_code == 302


def test_a_client_trying_many_usernames_is_locked(app, client, world):
    app.config["KAOHE_LOGIN_MAX_FAILURES_PER_CLIENT"] = 8
    for n in range(8):
        assert attempt(client, f"guess-{n}", "wrong-password").status_code == 200
    refused = attempt(client, "clerk", PASSWORD)
    assert refused.status_code == 429 and LOCKED in refused.data.decode()
    other = app.test_client()
    response = other.post("/login", data={"username": "clerk", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302


def test_the_wait_is_told_in_english_too(client, world):
    client.get("/lang/en")
    for _ in range(5):
        attempt(client, "admin", "wrong-password")
    body = attempt(client, "admin", PASSWORD).data.decode()
    assert "Too many failed logins" in body and "15 minutes" in body


# ---------------------------------------------------------------- cookies

def _cookie_header(response):
    [header] = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    return header


def test_session_cookie_is_httponly_and_samesite_lax(client, world, monkeypatch):
    header = _cookie_header(attempt(client, "admin", PASSWORD))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header


def test_session_cookie_is_secure_when_configured(database, world, monkeypatch, tmp_path):
    from kaohe.admin import create_app
    monkeypatch.setenv("KAOHE_SECURE_COOKIES", "1")
    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x",
                              "KAOHE_PLUGINS_DIR": str(tmp_path / "none"),
                              "KAOHE_ENTRY_POINTS": False})
    header = _cookie_header(attempt(application.test_client(), "admin", PASSWORD))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


# ---------------------------------------------------------------- every route

def _url(rule):
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        values[name] = 1 if converter in ("IntegerConverter", "NumberConverter") else "x"
    return rule.build(values, append_unknown=False)[1]


PUBLIC = {"kaohe_auth.login"}  # 200 to anyone; static files may be 200 too (they hold no data)


def test_every_route_refuses_an_anonymous_visitor(app, client, world):
    checked = 0
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(_url(rule), method=method)
            where = f"{method} {rule.rule} ({endpoint})"
            checked += 1
            if endpoint in PUBLIC:
                assert response.status_code == 200, where
            elif endpoint == "static" or endpoint.endswith(".static"):
                assert response.status_code in (200, 404), where
            elif endpoint == "kaohe_i18n.switch":
                assert response.status_code == 302, where  # sets the language, shows nothing
            elif endpoint == "favicon":  # the tab icon, a static file
                assert response.status_code == 301, where
                assert response.headers["Location"] == "/static/favicon.svg", where
            elif endpoint.startswith("kaohe_api."):
                assert response.status_code == 401, where
                assert "Authorization: Bearer" in response.get_json()["error"], where
            else:
                assert response.status_code in (302, 401, 403), where
                if response.status_code == 302:
                    assert response.headers["Location"].startswith("/login"), where
    assert checked > 60


# Every file the panel hands out, with a role that must not get it (a query string picks the file).
DOWNLOADS = {
    "/reports/notification.xlsx": [("reporter", "?scheme={scheme}&month=2025-03")],
    "/reports/awards.xlsx": [("reporter", "?scheme={scheme}")],
    "/report-tables/file.xlsx": [("reporter", "?scheme={scheme}&kind=targets&period=2025"),
                                 ("reporter", "?scheme={scheme}&kind=reporter&period=2025&reporter=NOPE")],
    "/import/template.xlsx": [("viewer", ""), ("reporter", "")],
    "/import/template/<kind>.csv": [("viewer", ""), ("reporter", "")],
    "/import/errors/<token>.xlsx": [("viewer", ""), ("reporter", "")],  # and 404 but for its own session
    "/export/data": [("viewer", "?kind=units&format=xlsx"), ("reporter", "?kind=units")],
    "/export/run": [("reporter", "?run={run}&what=ranking"), ("viewer", "?run={run}&what=lines")],
}


def test_every_download_is_refused_to_a_role_without_the_right(app, client, auth, world, registry):
    from kaohe.core.runs.store import recalculate
    found = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if rule.rule.endswith((".xlsx", ".csv", ".zip", ".pdf"))
                   or (rule.endpoint.startswith("data_export.") and rule.endpoint != "data_export.index"))
    assert found == sorted(DOWNLOADS), "a new download route: add it to DOWNLOADS"
    run = recalculate(registry, world["scheme"], "2025").run  # not published
    ids = {"scheme": world["scheme"].id, "run": run.id}
    for path, refusals in DOWNLOADS.items():
        for role, query in refusals:
            auth.login(role)
            url = path.replace("<kind>", "units") + query.format(**ids)
            response = client.get(url)
            assert response.status_code == 403, (role, url)
            assert response.mimetype == "text/html", (role, url)
            auth.logout()


@pytest.mark.parametrize("role", ["clerk", "viewer", "reporter"])
def test_the_audit_log_is_for_admins_only(client, auth, world, role):
    auth.login(role)
    assert client.get("/audit/").status_code == 403
