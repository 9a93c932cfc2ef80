"""What the API's tests share: an office with an account and a token per role, the panel app as
it runs, a client calling the API as one of the accounts, and the domain example's records."""

import pytest

from kaohe.core.storage.models import User
from kaohe.core.storage.schemes import create_scheme
from kaohe.core.storage.tokens import issue_token
from tests import factories as f

SCHEME = "市政府系统"
BASE = "/api/v1"


# The panel app exactly as it runs (CSRF on, so the API's exemption is exercised), over a fresh
# database; plugins are the built-ins only.
@pytest.fixture
def app(database, registry, tmp_path, app_pool):
    with app_pool.lend({"TESTING": True, "SECRET_KEY": "test-only", "KAOHE_ENTRY_POINTS": False},
                       tmp_path) as application:
        yield application


# An office as DOMAIN.md describes it: two counties and a department, a reporter in each county,
# the two publications of DOMAIN.md's example, the scheme, and an account with a token per role
# (the reporter account belongs to 开化县).
@pytest.fixture
def office(database, registry):
    kh = f.unit("KH", "开化县")
    cs = f.unit("CS", "常山县")
    f.unit("FG", "市发改委", kind="department", sector="工业")
    f.reporter("R1", kh, "张三")
    f.reporter("R2", cs, "李四")
    f.publication("SZB", "provincial", "专报信息")
    f.publication("GB", "national", "国办信息")
    create_scheme(registry, SCHEME, 2025, ["provincial", "county_bonus", "urgent_penalty"],
                  title="市政府系统政务信息考核办法")
    tokens = {}
    for role in ("admin", "clerk", "viewer", "reporter"):
        user = User.create(username=role, password_hash="!", role=role,
                           unit=kh if role == "reporter" else None)  # "!" matches no password
        tokens[role] = issue_token(user)
    return {"kh": kh, "cs": cs, "tokens": tokens}


class Api:
    """Calls the API as one of the office's accounts: `api.post(path, body, as_="clerk")`."""

    def __init__(self, client, tokens):
        self.client = client
        self.tokens = tokens

    def _headers(self, as_):
        return {"Authorization": f"Bearer {self.tokens[as_]}"} if as_ else {}

    def get(self, path, as_="clerk", **kwargs):
        return self.client.get(BASE + path, headers=self._headers(as_), **kwargs)

    def post(self, path, body=None, as_="clerk", **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.client.post(BASE + path, headers=self._headers(as_), **kwargs)


@pytest.fixture
def api(app, office):
    return Api(app.test_client(), office["tokens"])


EXAMPLE_ITEM = {"no": "2025-0001", "title": "开化县推进河长制", "submitted_on": "2025-03-01",
                "units": ["KH"], "reporters": ["R1"], "category": "经验"}
EXAMPLE_ADOPTIONS = [
    {"item": "2025-0001", "publication": "SZB", "issue": "2025年第12期", "adopted_on": "2025-03-10",
     "form": "全文"},
    {"item": "2025-0001", "publication": "GB", "issue": "第3期", "adopted_on": "2025-03-12",
     "form": "combined"},
]
EXAMPLE_INSTRUCTION = {"item": "2025-0001", "leader_level": "省", "leader": "王副省长",
                       "instructed_on": "2025-03-20"}
