"""Helpers of the admin panel's tests: a small scored scheme, accounts of every role, form reading."""

from html.parser import HTMLParser

from werkzeug.security import generate_password_hash

from kaohe.core.storage.models import User
from kaohe.core.storage.schemes import create_scheme
from tests import factories as f

PASSWORD = "correct-horse-1"
ROLE_USERS = ("admin", "clerk", "viewer", "reporter", "reporter_b")


_HASHES = {}


def account(username, role, unit=None):
    """A user with PASSWORD, hashed with few rounds so that logging in many times stays quick.

    The panel's own hashing (scrypt, werkzeug's default) is tested in test_admin_auth.py.
    """
    if PASSWORD not in _HASHES:
        _HASHES[PASSWORD] = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return User.create(username=username, password_hash=_HASHES[PASSWORD], role=role, unit=unit)


def build_world(registry):
    """Two counties and a department, three items, one scheme with `provincial` only.

    Hand-computed totals with the defaults: 常山县 20 (provincial full) + 25 (half of a joint
    national full) = 45; 开化县 5 (provincial combined) + 25 = 30; 市发改委 0.
    """
    changshan = f.unit("C01", "常山县", kind="county")
    kaihua = f.unit("C02", "开化县", kind="county")
    department = f.unit("D01", "市发改委", kind="department", sector="工业")
    reporter_a = f.reporter("R01", changshan, "张三")
    reporter_b = f.reporter("R02", kaihua, "李四")
    provincial = f.publication("P01", "provincial", "省政府信息")
    national = f.publication("P02", "national", "国办信息")
    item_a = f.item(changshan, "2025-03-02", no="A-1", title="<script>alert(1)</script>常山县经验",
                    authors=[reporter_a])
    item_b = f.item(kaihua, "2025-03-03", no="B-1", title="开化县动态", authors=[reporter_b])
    joint = f.item([changshan, kaihua], "2025-04-01", no="J-1", title="两县合报")
    f.adoption(item_a, provincial, "2025-03-10", "full")
    f.adoption(item_b, provincial, "2025-03-12", "combined")
    f.adoption(joint, national, "2025-04-10", "full")
    scheme = create_scheme(registry, "测试方案", 2025, ["provincial"], title="测试考核方案",
                           author="test")
    users = {
        "admin": account("admin", "admin"),
        "clerk": account("clerk", "clerk"),
        "viewer": account("viewer", "viewer"),
        "reporter": account("reporter", "reporter", unit=changshan),
        "reporter_b": account("reporter_b", "reporter", unit=kaihua),
    }
    return {"changshan": changshan, "kaihua": kaihua, "department": department,
            "item_a": item_a, "item_b": item_b, "joint": joint, "scheme": scheme,
            "users": users, "provincial": provincial, "national": national,
            "reporter_a": reporter_a, "reporter_b": reporter_b}


class FormReader(HTMLParser):
    """The inputs of one form of a page, as a browser would submit them (checked boxes only)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":  # by its id, or by a class (Flask-Admin's forms have none: "admin-form")
            self.inside = (attrs.get("id") == self.form_id
                           or self.form_id in (attrs.get("class") or "").split())
            return
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.values.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.values.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = [attrs.get("name"), None, None, "multiple" in attrs]
        elif tag == "option" and self._select is not None:
            if self._select[2] is None:
                self._select[2] = attrs.get("value", "")
            if "selected" in attrs:
                if self._select[3]:  # a multiple select sends every chosen option
                    self.values.append((self._select[0], attrs.get("value", "")))
                    self._select[1] = ""
                else:
                    self._select[1] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self.values.append((attrs["name"], ""))

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, chosen, first, multiple = self._select
            if not multiple:
                self.values.append((name, chosen if chosen is not None else first or ""))
            self._select = None


def form_values(html, form_id):
    reader = FormReader(form_id)
    reader.feed(html)
    return dict(reader.values)


def form_pairs(html, form_id):
    """The form's (name, value) pairs as a browser sends them, several for a multiple select."""
    reader = FormReader(form_id)
    reader.feed(html)
    return list(reader.values)


# ---------------------------------------------------------------- fixtures (imported by the tests)

import shutil  # noqa: E402

import pytest  # noqa: E402



# The panel over a fresh database holding `build_world`: CSRF is off here (one test turns it on),
# plugins come from the built-ins only.
@pytest.fixture
def app(database, registry, tmp_path, app_pool):
    with app_pool.lend({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-only",
                        "KAOHE_ENTRY_POINTS": False}, tmp_path) as application:
        yield application


def untouched(database):
    """True while a test's database is still the empty template (no row in any data table)."""
    from kaohe.core.storage.models import User
    counter = database.execute_sql("SELECT counter FROM data_revision WHERE id = 1").fetchone()
    return not (counter and counter[0]) and not User.select().exists()


def fresh_copy(made):
    """The rows of `made` (models, or a dict of them) read again from the test's database."""
    if isinstance(made, dict):
        return {key: fresh_copy(value) for key, value in made.items()}
    return type(made).get_by_id(made.id)


# `build_world` in the test's database: on SQLite a copy of the session's template (conftest),
# unless an earlier fixture has written to the database already.
@pytest.fixture
def world(database, registry, world_template):
    if world_template is None or not untouched(database):
        return build_world(registry)
    path, made = world_template
    database.close()
    shutil.copyfile(path, database.database)
    database.connect()
    return fresh_copy(made)


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    """Log a test client in and out as one of the accounts of `build_world`."""

    def __init__(self, client):
        self.client = client

    def login(self, username):
        response = self.client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.data.decode()[:500]
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)
