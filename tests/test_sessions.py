"""Sessions, headers and bounds of the panel: where a login leads, logout and password changes,
the security headers, request sizes, and login throttling that locks out guessers only."""

import pytest
from werkzeug.security import generate_password_hash

from kaohe.core.storage.models import EndedSession, LoginFailure, User
from tests.admin_support import PASSWORD, app, auth, client, world  # noqa: F401 (fixtures)

LOCKED = "登录失败次数过多，已暂停登录，请15分钟后再试"


def attempt(client, username, password, address="10.0.0.1", next_=None):
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


# ---------------------------------------------------------------- where a login leads

@pytest.mark.parametrize("target", [
    "/%09/evil.example/phish",      # a tab: browsers drop it and go to //evil.example/phish
    "/%0A/evil.example/phish",      # a line break: was a 500 (a header cannot hold it)
    "/%0D%0ASet-Cookie:x=1",
    "//evil.example/phish",
    "/\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%20/evil.example",
    "/%7F/evil.example",
    "evil.example",
])
def test_a_login_leads_only_to_a_path_of_this_site(client, world, target):
    response = attempt(client, "admin", PASSWORD, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_login_leads_to_the_page_asked_for(client, world):
    response = attempt(client, "admin", PASSWORD, next_="/items/?page=2")
    assert response.headers["Location"] == "/items/?page=2"


# ---------------------------------------------------------------- bounded requests

def test_a_too_large_request_is_refused_in_chinese(app, client, auth, world):
    auth.login("clerk")
    assert app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024  # the import page's limit, for all
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/items/new/", data={"title": "x" * (2 << 20)})
    assert response.status_code == 413
    assert "提交的内容过大：一次最多 1 MB，未保存；请分批提交" in response.data.decode()
    from kaohe.core.storage.tokens import issue_token
    api = client.post("/api/v1/items", data=b"[" + b"1," * (1 << 20) + b"1]",
                      content_type="application/json",
                      headers={"Authorization": f"Bearer {issue_token(world['users']['clerk'])}"})
    assert api.status_code == 413
    assert api.get_json() == {"error": "提交的内容过大：一次最多 1 MB，未保存；请分批提交"}


# ---------------------------------------------------------------- headers

def test_every_page_carries_the_security_headers(client, auth, world):
    auth.login("admin")
    for path in ("/", "/items/", "/login", "/api/v1/schemes"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "same-origin", path
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_no_page_runs_inline_script_but_its_own_nonced_blocks(client, auth, world):
    """script-src has no 'unsafe-inline': every page's handlers are in kaohe.js, and the inline
    blocks Flask-Admin writes carry the answer's nonce (a new one each answer)."""
    import re
    auth.login("admin")
    item = world["item_a"]
    pages = ("/", "/items/", f"/items/edit/?id={item.id}", "/items/new/", "/adoptions/", "/units/",
             "/results/", "/reports/", "/export/", "/import/", "/audit/",
             f"/schemes/{world['scheme'].id}/tune")
    nonces = set()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]+)", policy).group(1)
        assert "'unsafe-inline'" not in script, path
        nonce = re.search(r"'nonce-([A-Za-z0-9_-]+)'", script).group(1)
        nonces.add(nonce)
        body = response.data.decode()
        assert not re.search(r"\son[a-z]+\s*=", body), (path, re.findall(r".{40}\son[a-z]+=.{40}", body))
        # (Flask-Admin's inert `javascript:void(0)` links stay: blocked, they do nothing, as before)
        for tag in re.findall(r"<script\b[^>]*>", body):
            assert "src=" in tag or 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, (path, tag)
    assert len(nonces) == len(pages)


# ---------------------------------------------------------------- sessions end

def _session_cookie(client):
    return client.get_cookie("session").value


def test_the_old_cookie_opens_nothing_after_logout(app, client, auth, world):
    auth.login("admin")
    cookie = _session_cookie(client)
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert EndedSession.select().count() == 1


def test_logout_ends_only_its_own_session(app, world):
    first, second = app.test_client(), app.test_client()
    for one in (first, second):
        assert attempt(one, "admin", PASSWORD).status_code == 302
    first.post("/logout")
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200


def test_a_password_change_ends_the_accounts_other_sessions(app, world):
    elsewhere, other_account = app.test_client(), app.test_client()
    assert attempt(elsewhere, "clerk", PASSWORD).status_code == 302
    assert attempt(other_account, "viewer", PASSWORD).status_code == 302
    assert elsewhere.get("/").status_code == 200
    User.update(password_hash=generate_password_hash("another-password-2", method="pbkdf2:sha256:1000")) \
        .where(User.username == "clerk").execute()
    assert elsewhere.get("/").status_code == 302  # the clerk's old session is over
    assert other_account.get("/").status_code == 200  # other accounts are untouched
    assert attempt(elsewhere, "clerk", "another-password-2").status_code == 302
    assert elsewhere.get("/").status_code == 200


def test_a_password_changed_in_the_panel_ends_that_accounts_sessions(app, client, auth, world):
    elsewhere = app.test_client()
    assert attempt(elsewhere, "clerk", PASSWORD).status_code == 302
    auth.login("admin")
    clerk = world["users"]["clerk"]
    response = client.post(f"/users/edit/?id={clerk.id}", data={
        "username": "clerk", "role": "clerk", "active": "y", "password": "a-new-password-3"})
    assert response.status_code == 302
    assert User.get_by_id(clerk.id).password_hash != clerk.password_hash
    assert elsewhere.get("/").status_code == 302
    assert client.get("/").status_code == 200  # the administrator who changed it stays in


def test_a_forged_session_without_the_password_stamp_is_refused(app, world):
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = str(world["users"]["admin"].id)
        session["_fresh"] = True
        session["kaohe_sid"] = "0" * 32
    assert forged.get("/").status_code == 302


# ---------------------------------------------------------------- throttling without lock-outs

def test_a_stranger_cannot_lock_the_administrator_out(app, client, world):
    admin = app.test_client()
    assert attempt(admin, "admin", PASSWORD, address="10.0.0.5").status_code == 302
    admin.post("/logout")
    for n in range(60):  # guesses from three addresses, more than every limit
        assert attempt(client, "admin", "wrong", address=f"192.0.2.{n % 3}").status_code in (200, 429)
    # The guessers are stopped …
    assert attempt(client, "admin", PASSWORD, address="192.0.2.0").status_code == 429
    assert LOCKED in attempt(client, "admin", PASSWORD, address="192.0.2.1").data.decode()
    # … the administrator's browser, which has logged in before, is not.
    assert attempt(admin, "admin", PASSWORD, address="10.0.0.5").status_code == 302


def test_the_administrators_browser_is_locked_after_its_own_failures(app, world):
    admin = app.test_client()
    assert attempt(admin, "admin", PASSWORD).status_code == 302
    admin.post("/logout")
    for _ in range(5):
        assert attempt(admin, "admin", "wrong").status_code == 200
    assert attempt(admin, "admin", PASSWORD).status_code == 429


def test_twenty_failures_behind_one_nat_do_not_lock_the_office_out(app, client, world):
    colleague = app.test_client()
    assert attempt(colleague, "clerk", PASSWORD, address="203.0.113.7").status_code == 302
    colleague.post("/logout")
    for n in range(25):
        attempt(client, f"guess-{n}", "wrong", address="203.0.113.7")
    assert attempt(client, "viewer", PASSWORD, address="203.0.113.7").status_code == 429
    assert attempt(colleague, "clerk", PASSWORD, address="203.0.113.7").status_code == 302


def test_a_forged_device_cookie_is_ignored(app, client, world):
    for _ in range(5):
        attempt(client, "admin", "wrong")
    client.set_cookie("kaohe_device", "W1siYWRtaW4iLCAiYWJjIl1d.forged", path="/login")
    assert attempt(client, "admin", PASSWORD).status_code == 429
    assert LoginFailure.select().where(LoginFailure.client.startswith("device:")).count() == 0
