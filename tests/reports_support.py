"""The reports' shared test data: a small city with hand-checkable adoptions, its scheme, month runs and the panel."""


import pytest

from kaohe.core.runs.store import recalculate
from kaohe.core.storage.schemes import create_scheme
from tests import factories as f

SCRIPT_TITLE = "<script>alert(1)</script>河长制经验"


def rows_by_code(data):
    return {row["code"]: row for pool in data["pools"] for row in pool["rows"]}


# Three counties and a department under the provincial rule set (省 full 20 / combined 5,
# 国家 combined 20, 市 full 5 / brief 1, 县 0, a provincial instruction 50). January: 开化县
# adopted once in full by the province (20); February: forwarded to the province (2, not an
# adoption). March: a brief city adoption of a February item
# (1); a joint item of 开化县 and 常山县 adopted combined by 国办 (20), in full by the city (5)
# and instructed by the governor (50), split in halves; 市发改委 adopted by a county publication
# (0 points, still an adoption); 开化县's late-March item is adopted in April only.
@pytest.fixture
def city(database):
    kh = f.unit("KH", "开化县")
    cs = f.unit("CS", "常山县")
    js = f.unit("JS", "江山市")
    fg = f.unit("FG", "市发改委", kind="department", sector="工业")
    zhang = f.reporter("R1", kh, "张三")
    li = f.reporter("R2", js, "李四")
    sb = f.publication("SB", "provincial", "省政务信息")
    gb = f.publication("GB", "national", "国办信息")
    sx = f.publication("SX", "city", "清江信息")
    xx = f.publication("XX", "county", "开化信息")
    i1 = f.item(kh, "2025-01-05", no="I1", title="开化县一月动态", authors=[zhang])
    f.adoption(i1, sb, "2025-01-20", "full")
    i2 = f.item(kh, "2025-02-10", no="I2", title="开化县二月动态")
    f.adoption(i2, sb, "2025-02-15", "forwarded")
    f.adoption(i2, sx, "2025-03-02", "brief")
    i3 = f.item([kh, cs], "2025-03-03", no="I3", title=SCRIPT_TITLE)
    f.adoption(i3, gb, "2025-03-10", "combined")
    f.adoption(i3, sx, "2025-03-11", "full")
    f.instruction(i3, "provincial", "2025-03-20", leader="省长")
    f.item(cs, "2025-03-15", no="I4", title="常山县未采用稿件")
    i5 = f.item(fg, "2025-03-20", no="I5", title="发改委稿件")
    f.adoption(i5, xx, "2025-03-25", "full")
    f.item(js, "2025-01-08", no="I6", title="江山市一月稿件", authors=[li])
    i7 = f.item(kh, "2025-03-28", no="I7", title="开化县月末稿件")
    f.adoption(i7, sb, "2025-04-02", "combined")
    return {"KH": kh, "CS": cs, "JS": js, "FG": fg, "R2": li}


@pytest.fixture
def scheme(registry, city):
    return create_scheme(registry, "市政府系统", 2025, ["provincial", "urgent_penalty"],
                         title="清江市2025年度市政府系统政务信息考核")


def recalc_months(registry, scheme, *months):
    return [recalculate(registry, scheme, month).run for month in months]


@pytest.fixture
def panel(scheme, registry, tmp_path, app_pool):
    """The panel over the small city, with an account of each role (the reporter is 开化县's)."""
    with app_pool.lend({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-only",
                        "KAOHE_ENTRY_POINTS": False}, tmp_path) as app:
        yield _logged_in_client(app)


def _logged_in_client(app):
    """A test client with `client.login(role)`, the accounts of every role created."""
    from kaohe.core.storage.models import Unit
    from tests.admin_support import account  # quickly hashed (the real hashing: test_admin_auth)
    for role in ("admin", "clerk", "viewer"):
        account(role, role)
    account("reporter", "reporter", unit=Unit.get(Unit.code == "KH"))
    client = app.test_client()

    def login(role):
        response = client.post("/login", data={"username": role, "password": "correct-horse-1"})
        assert response.status_code == 302
    client.login = login
    return client
