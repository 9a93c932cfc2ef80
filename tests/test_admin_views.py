"""Every page of the panel renders for every role, or refuses where it must (the access matrix)."""

import pytest
from flask_admin.contrib.peewee import ModelView

from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import (
    Adjustment,
    Adoption,
    Instruction,
    Item,
    Publication,
    Reporter,
    Solicitation,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentFollowUp,
    UrgentReport,
    User,
)
from tests import factories as f
from tests.admin_support import Auth, app, auth, client, world  # noqa: F401 (fixtures)

OK, REFUSED = 200, 403
ALL = ("admin", "clerk", "viewer", "reporter")

# page → expected status per role (admin, clerk, viewer, reporter); {…} are filled from the world.
MATRIX = [
    ("/", (OK, OK, OK, OK)),
    ("/items/", (OK, OK, REFUSED, OK)),
    ("/items/new/", (OK, OK, REFUSED, OK)),
    ("/items/edit/?id={item_a}", (OK, OK, REFUSED, OK)),
    ("/items/details/?id={item_a}", (OK, OK, REFUSED, OK)),
    ("/items/edit/?id={item_b}", (OK, OK, REFUSED, REFUSED)),
    ("/items/details/?id={item_b}", (OK, OK, REFUSED, REFUSED)),
    ("/adoptions/", (OK, OK, REFUSED, OK)),
    ("/instructions/", (OK, OK, REFUSED, OK)),
    ("/units/", (OK, OK, REFUSED, REFUSED)),
    ("/units/new/", (OK, OK, REFUSED, REFUSED)),
    ("/reporters/", (OK, OK, REFUSED, REFUSED)),
    ("/publications/", (OK, OK, REFUSED, REFUSED)),
    ("/urgent/", (OK, OK, REFUSED, REFUSED)),
    ("/solicitations/", (OK, OK, REFUSED, REFUSED)),
    ("/facts/", (OK, OK, REFUSED, REFUSED)),
    ("/targets/", (OK, OK, REFUSED, REFUSED)),
    ("/users/", (OK, REFUSED, REFUSED, REFUSED)),
    ("/users/new/", (OK, REFUSED, REFUSED, REFUSED)),
    ("/plugins/", (OK, OK, REFUSED, REFUSED)),
    ("/schemes/", (OK, OK, OK, REFUSED)),
    ("/schemes/{scheme}/", (OK, OK, OK, REFUSED)),
    ("/schemes/{scheme}/versions", (OK, OK, OK, REFUSED)),
    ("/schemes/{scheme}/tune", (OK, REFUSED, REFUSED, REFUSED)),
    ("/results/?scheme={scheme}", (OK, OK, OK, OK)),
    ("/results/run/{run}/", (OK, OK, OK, 302)),
    ("/results/run/{run}/unit/{changshan}", (OK, OK, OK, OK)),
    ("/results/run/{run}/unit/{kaihua}", (OK, OK, OK, REFUSED)),
    ("/results/diff?a={run}&b={run}", (OK, OK, OK, REFUSED)),
    ("/results/awards?scheme={scheme}", (OK, OK, OK, REFUSED)),
]


@pytest.fixture
def ids(world, registry):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    return {"item_a": world["item_a"].id, "item_b": world["item_b"].id,
            "scheme": world["scheme"].id, "run": run.id, "changshan": world["changshan"].id,
            "kaihua": world["kaihua"].id}


# One panel per page, visited by each role in turn with its own browser (test client): the
# roles share the server as an office's users do.
@pytest.mark.parametrize("page,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_access_matrix(app, ids, page, expected):
    url = page.format(**ids)
    for role, want in zip(ALL, expected):
        client = app.test_client()
        Auth(client).login(role)
        response = client.get(url)
        assert response.status_code == want, (url, role, response.status_code)
        if want == OK:
            body = response.data.decode()
            assert "Traceback" not in body


def test_every_page_but_login_needs_a_login(client, ids):
    for page in [m[0] for m in MATRIX] + ["/lang/en"]:
        response = client.get(page.format(**ids))
        assert response.status_code == 302, page
        if page != "/lang/en":
            assert "/login" in response.headers["Location"], page


def test_login_page_is_public_and_chinese(client, world):
    body = client.get("/login").data.decode()
    assert "登录" in body and "用户名" in body and "密码" in body


def test_wrong_password_is_refused(client, world):
    response = client.post("/login", data={"username": "admin", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.data.decode()
    assert client.get("/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, auth, world):
    auth.login("admin")
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def _one_row_of_each(world):
    solicitation = f.solicitation(world["changshan"], "2025-05-01")
    urgent = f.urgent(world["changshan"], "II", "2025-06-01 08:00", "2025-06-01 11:30")
    fact = f.fact(world["changshan"], "provincial_county_rank", 12)
    target = f.target(world["changshan"], 40)
    instruction = f.instruction(world["item_a"], "provincial")
    follow_up = UrgentFollowUp.create(report=urgent, reported_at=f.moment("2025-06-01 15:00"),
                                      content="已疏散群众")
    adjustment = Adjustment.create(unit=world["changshan"], date="2025-05-20", points="-2",
                                   kind="差错", reason="数据有误")
    kind = UnitKind.create(code="dishi", name="设区市")
    return {Item: world["item_a"], Unit: world["changshan"], Reporter: world["reporter_a"],
            Publication: world["provincial"], Adoption: Adoption.select().first(),
            Instruction: instruction, Solicitation: solicitation, UrgentReport: urgent,
            UnitFact: fact, Target: target, User: world["users"]["clerk"], UrgentFollowUp: follow_up,
            Adjustment: adjustment, UnitKind: kind}


def test_every_model_view_renders_list_create_edit_details(app, client, auth, world):
    """No model view names a field that does not exist: list, create, edit and details render."""
    rows = _one_row_of_each(world)
    auth.login("admin")
    admin = app.extensions["kaohe_admin"]
    seen = 0
    for view in admin._views:
        if not isinstance(view, ModelView):
            continue
        seen += 1
        base = view.url
        row = rows[view.model]
        for url in (f"{base}/", f"{base}/new/", f"{base}/edit/?id={row.id}",
                    f"{base}/details/?id={row.id}"):
            response = client.get(url)
            assert response.status_code == 200, url
    assert seen == len(rows)


def test_urgent_report_shows_lateness_next_to_the_times(client, auth, world):
    f.urgent(world["changshan"], "II", "2025-06-01 08:00", "2025-06-01 11:30", no="U-LATE")
    auth.login("clerk")
    body = client.get("/urgent/").data.decode()
    assert "超过时限2小时，迟报1小时30分" in body


def test_item_filters_by_unit_date_level_form_and_negative(client, auth, world):
    auth.login("clerk")
    list_page = client.get("/items/").data.decode()
    assert "A-1" in list_page and "B-1" in list_page
    # The filters are listed by name; use the index Flask-Admin gives each.
    for label in ("报送单位", "报送日期", "类别", "负反馈", "采用级别", "采用形式"):
        assert label in list_page


def test_menu_and_labels_are_chinese_by_default_and_english_on_the_switch(client, auth, world):
    auth.login("admin")
    body = client.get("/items/").data.decode()
    for word in ("稿件", "报送单位", "考核方案", "计算与排名", "退出"):
        assert word in body
    client.get("/lang/en", headers={"Referer": "http://localhost/items/"})
    body = client.get("/items/").data.decode()
    for word in ("Items", "Reporting unit", "Schemes", "Log out"):
        assert word in body, word


def test_plugins_page_lists_rule_sets_and_failed_plugins(database, registry, tmp_path):
    from kaohe.admin import create_app
    from kaohe.admin.auth import create_user
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "broken_dept.py").write_text("raise RuntimeError('部门插件写错了')\n", encoding="utf-8")
    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x",
                              "KAOHE_PLUGINS_DIR": str(folder), "KAOHE_ENTRY_POINTS": False})
    create_user("root", "password-123", "admin")
    client = application.test_client()
    client.post("/login", data={"username": "root", "password": "password-123"})
    body = client.get("/plugins/").data.decode()
    assert "provincial" in body and "省政府信息采用计分" in body
    assert "broken_dept" in body and "部门插件写错了" in body
    assert client.get("/").status_code == 200


def test_dashboard_draws_charts_without_external_assets(client, auth, ids):
    auth.login("admin")
    body = client.get(f"/?scheme={ids['scheme']}").data.decode()
    assert "<svg" in body and "<polyline" in body
    assert "市发改委" in body  # no adoption this year: named
    assert "http://" not in body.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in body
