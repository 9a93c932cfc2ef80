"""Account changes in the audit log (panel and command line), and the admins' audit log page."""

from click.testing import CliRunner

from kaohe.cli import cli
from kaohe.core.storage import audit
from kaohe.core.storage.models import AuditLog, User
from tests.admin_support import PASSWORD, app, auth, client, world  # noqa: F401 (fixtures)


def entries_of(action):
    return list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id))


def no_secret_logged(*secrets):
    for entry in AuditLog.select():
        text = f"{entry.summary} {entry.old} {entry.new}"
        for secret in secrets:
            assert secret not in text
        assert "scrypt:" not in text and "pbkdf2:" not in text


def test_creating_an_account_in_the_panel_is_logged_with_who_and_what(client, auth, world):
    auth.login("admin")
    response = client.post("/users/new/", data={
        "username": "zhou", "role": "clerk", "unit": "__None", "active": "y",
        "password": "a-new-password"})
    assert response.status_code == 302
    user = User.get(User.username == "zhou")
    [entry] = entries_of("account.create")
    assert (entry.actor, entry.object_type, entry.object_id) == ("admin", "user", str(user.id))
    assert entry.summary == "创建账号「zhou」"
    assert entry.old is None
    assert entry.new == {"username": "zhou", "role": "clerk", "unit": None, "active": True}
    no_secret_logged("a-new-password", user.password_hash)


def test_editing_role_unit_and_active_logs_old_and_new_of_what_changed(client, auth, world):
    auth.login("admin")
    viewer = world["users"]["viewer"]
    response = client.post(f"/users/edit/?id={viewer.id}", data={
        "username": "viewer", "role": "reporter", "unit": str(world["kaihua"].id), "password": ""})
    assert response.status_code == 302
    [entry] = entries_of("account.update")
    assert entry.actor == "admin" and entry.object_id == str(viewer.id)
    assert entry.old == {"role": "viewer", "unit": None, "active": True}
    assert entry.new == {"role": "reporter", "unit": "C02", "active": False}
    assert entry.summary == "修改账号「viewer」：role、unit、active"
    assert entries_of("account.password") == []
    assert audit.verify_chain() is None


def test_a_password_change_is_logged_without_the_password_or_its_hash(client, auth, world):
    auth.login("admin")
    clerk = world["users"]["clerk"]
    response = client.post(f"/users/edit/?id={clerk.id}", data={
        "username": "clerk", "role": "clerk", "unit": "__None", "active": "y",
        "password": "brand-new-secret"})
    assert response.status_code == 302
    assert entries_of("account.update") == []  # nothing else changed
    [entry] = entries_of("account.password")
    assert (entry.actor, entry.object_id, entry.old, entry.new) == ("admin", str(clerk.id), None, None)
    assert entry.summary == "修改账号「clerk」的密码"
    no_secret_logged("brand-new-secret", User.get_by_id(clerk.id).password_hash)


def test_deleting_an_account_is_logged_with_what_it_was(client, auth, world):
    auth.login("admin")
    viewer = world["users"]["viewer"]
    response = client.post("/users/delete/", data={"id": str(viewer.id)})
    assert response.status_code == 302
    assert User.get_or_none(User.id == viewer.id) is None
    [entry] = entries_of("account.delete")
    assert entry.old == {"username": "viewer", "role": "viewer", "unit": None, "active": True}


def test_create_user_bootstrap_and_token_commands_are_logged(database):
    runner = CliRunner()
    result = runner.invoke(cli, ["create-user", "wang", "--role", "clerk"], input="a-long-secret\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["token", "wang"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    result = runner.invoke(cli, ["token", "wang", "--revoke"])
    assert result.exit_code == 0, result.output
    created, issued, revoked = AuditLog.select().order_by(AuditLog.id)
    wang = User.get(User.username == "wang")
    assert (created.actor, created.action, created.new) == (
        "kaohe create-user", "account.create",
        {"username": "wang", "role": "clerk", "unit": None, "active": True})
    assert (issued.actor, issued.action, issued.object_id) == ("kaohe token", "account.token", str(wang.id))
    assert (revoked.action, revoked.summary) == ("account.token_revoke", "吊销账号「wang」的接口令牌")
    no_secret_logged("a-long-secret", token, wang.password_hash)
    assert audit.verify_chain() is None


def test_the_audit_page_lists_entries_escaped_and_says_the_chain_holds(client, auth, world):
    audit.record("<b>mallory</b>", "account.update", "user", 7, summary="<script>alert(1)</script>",
                 old={"role": "viewer"}, new={"role": "<i>admin</i>"})
    auth.login("admin")
    body = client.get("/audit/").data.decode()
    assert 'id="audit-chain" data-status="ok"' in body
    assert "审计日志校验通过" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "&lt;b&gt;mallory&lt;/b&gt;" in body
    assert "viewer → &lt;i&gt;admin&lt;/i&gt;" in body
    assert "修改账号" in body  # the action's name, not its code
    assert "创建考核方案" in body  # the world's scheme was logged when it was created


def test_the_audit_page_shows_a_broken_chain_prominently(client, auth, world):
    second = audit.record("admin", "account.update", "user", 1, old={"active": True},
                          new={"active": False})
    AuditLog.update(actor="someone-else").where(AuditLog.id == second.id).execute()
    auth.login("admin")
    body = client.get("/audit/").data.decode()
    assert 'id="audit-chain" data-status="broken"' in body
    assert "审计日志校验未通过" in body
    assert f"审计日志第 {second.id} 条的内容与摘要不符（记录被改动过）" in body


def test_the_audit_page_pages_through_long_logs(client, auth, world):
    for n in range(120):
        audit.record("admin", "account.update", "user", n, new={"n": n})
    auth.login("admin")
    first = client.get("/audit/").data.decode()
    assert "第1页，共2页" in first and "/audit/?page=2" in first
    second = client.get("/audit/?page=2").data.decode()
    assert "第2页，共2页" in second and "创建考核方案" in second
