"""The exports' shared test data: a small city and a stored run of it."""


import pytest

from kaohe.core.runs.store import recalculate
from kaohe.core.storage.schemes import create_scheme
from tests import factories as f

TRICKY_TITLES = ["=1+1", "@SUM(A1)", "-负面信息", "+86 热线", "'引号开头", "''两个引号", "普通标题"]


# A little of everything an office records, with the awkward cases an export must carry:
# a parent unit, a custom pool, a joint report with two authors, a blank issue and leader,
# seconds in a report time, a concealed report with no report time, formula-like titles.
@pytest.fixture
def city(database):
    kh = f.unit("KH", "开化县", sector=None)
    cs = f.unit("CS", "常山县")
    fg = f.unit("FG", "市发改委", kind="department", sector="工业")
    hb = f.unit("HB", "华埠镇", kind="township", pool="一类乡镇", parent=kh)
    f.unit("ZD", "信息直报点一", kind="direct_point")
    r1 = f.reporter("R1", kh, "张三")
    r2 = f.reporter("R2", cs, "李四")
    f.reporter("R3", hb, "王五")
    szb = f.publication("SZB", "provincial", "专报信息", issuer="省政府办公厅")
    gb = f.publication("GB", "national", "国办信息")
    f.publication("HB1", "provincial_dept", "环保信息")
    yg = f.solicitation([kh, cs], "2025-03-20", "2025-03-01", no="YG1", title="一季度经济运行")
    items = [f.item([kh], "2025-03-01", no=f"2025-{n:04d}", title=title, authors=[r1])
             for n, title in enumerate(TRICKY_TITLES, start=1)]
    joint = f.item([cs, kh], "2025-04-01", no="2025-0100", title="两县联合治水", category="problem",
                   negative=True, authors=[r2, r1], solicitation=yg)
    f.item([fg], "2025-05-01", no="2025-0101", title="发改委调研", category="research")
    f.adoption(items[0], szb, "2025-03-10", "full", issue="第12期")
    f.adoption(items[0], gb, "2025-03-12", "combined", issue="")
    f.adoption(joint, szb, "2025-04-10", "brief", issue="第20期")
    f.adoption(joint, gb, "2025-04-11", "forwarded", issue="")
    f.instruction(items[0], "provincial", "2025-03-20", leader="王副省长")
    f.instruction(joint, "city", "2025-04-20", leader="")
    f.urgent(kh, "III", "2025-03-08 14:30", "2025-03-08 19:05:30", misreported=True, reporter_=r1,
             no="JJ1", title="=HYPERLINK(\"x\")")
    f.urgent(cs, "I", "2025-05-01 08:00", None, status="concealed", no="JJ2", title="化工厂火灾")
    f.fact(kh, "provincial_county_rank", 12)
    f.fact(cs, "provincial_county_rank", "-3")
    f.target(kh, 120, 30)
    f.target(cs, 100)
    return kh, cs


@pytest.fixture
def run(city, registry):
    """A year run of 开化县 and 常山县: adoptions (one joint) and one late urgent report (−20)."""
    scheme = create_scheme(registry, "市政府系统", 2025, ["provincial", "urgent_penalty"], units=["KH", "CS"])
    return recalculate(registry, scheme, "2025").run
