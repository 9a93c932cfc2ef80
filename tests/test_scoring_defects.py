"""Three scoring defects found by an independent implementation (issue #11), computed by hand.

- a co-author of a unit outside the scheme keeps their share (it is not handed to the others);
- with ``accumulate: max`` the months of a year add up to the year (the best adoption so far);
- adoption rates round half up (1/32 = 3.125% → 0.0313).
"""

from decimal import Decimal

import pytest

from kaohe.core.exchange import reports
from kaohe.core.runs.store import recalculate
from kaohe.core.scoring import engine
from kaohe.core.scoring.totals import adoption_rate
from kaohe.core.storage.models import SchemeUnit
from kaohe.plugins import Line, RuleSet
from tests import factories as f

D = Decimal


# ---------------------------------------------------------------- co-authors outside the scheme

# Unit A alone in the scheme; B outside. Two items of A, each adopted in full by a provincial
# publication (20 points), each written by RA (of A) and RB (of B).
@pytest.fixture
def co_authored(database, registry):
    a, b = f.unit("A", "甲县"), f.unit("B", "乙县")
    ra, rb = f.reporter("RA", a), f.reporter("RB", b)
    prov = f.publication("SHENG", "provincial", name="省刊")
    for day in ("2025-03-10", "2025-04-10"):
        f.adoption(f.item([a], authors=[ra, rb]), prov, day, "full")
    scheme = f.scheme(registry, ["provincial"])
    SchemeUnit.delete().where((SchemeUnit.scheme == scheme) & (SchemeUnit.unit == b)).execute()
    return {"scheme": scheme, "A": a, "RA": ra, "RB": rb}


def test_a_co_author_outside_the_scheme_keeps_their_share(registry, co_authored):
    # Each item: 20 ÷ 2 authors = 10 for RA; RB is not credited, nor is their 10 handed on.
    scheme = co_authored["scheme"]
    computed = engine.compute(registry, scheme)
    _, previewed = engine.preview(registry, scheme)
    for outcome in (computed, previewed):
        assert outcome.units[co_authored["A"].id].points == D("40.00")
        assert outcome.reporters[co_authored["RA"].id].points == D("20.00")
        assert co_authored["RB"].id not in outcome.reporters


class _ToAuthors(RuleSet):
    """+9 to the authors of every item adopted in the period (a line with to_authors)."""
    name = "to_authors_test"
    title = "作者奖励（测试）"

    def compute(self, data, params):
        for item_id in sorted({a.item for a in data.adoptions}):
            yield Line("author_bonus", "作者奖励9分", points=D("9"), item=item_id, to_authors=True)


def test_a_line_to_the_authors_divides_by_every_author(registry, co_authored):
    # 9 ÷ 2 authors = 4.50 for RA on each item (not 9: RB's half stays RB's).
    registry.rulesets[_ToAuthors.name] = _ToAuthors()  # the registry is this test's own
    config = {"rulesets": [{"name": "to_authors_test", "enabled": True, "params": {}}]}
    outcome = engine.compute(registry, co_authored["scheme"], config=config)
    assert outcome.reporters[co_authored["RA"].id].points == D("9.00")
    assert [(line[6], line[9]) for line in outcome.lines] == [
        (D("4.50"), "作者奖励9分（作者2人，各4.5分）"), (D("4.50"), "作者奖励9分（作者2人，各4.5分）")]


# ---------------------------------------------------------------- accumulate: max

# One item of 开化县, adopted 省刊全文 20 in January, 国办简讯 10 in February, 国办全文 50 in March.
@pytest.fixture
def best_adoption(database, registry):
    kh = f.unit("KH", "开化县")
    prov = f.publication("P-ZB", "provincial", "专报信息")
    nat = f.publication("N-GB", "national", "国务院办公厅信息")
    item = f.item(kh, "2025-01-02")
    f.adoption(item, prov, "2025-01-10", "full")
    f.adoption(item, nat, "2025-02-10", "brief")
    f.adoption(item, nat, "2025-03-10", "full")
    scheme = f.scheme(registry, ["provincial"], provincial__accumulate="max")
    return {"scheme": scheme, "KH": kh}


def test_max_credits_only_the_increase_so_the_months_add_up_to_the_year(registry, best_adoption):
    # The year: the best, 50. January 20; February 10 ≤ 20: 0; March 50 − 20 = 30; 20 + 0 + 30 = 50.
    scheme, kh = best_adoption["scheme"], best_adoption["KH"].id
    points = {period: engine.compute(registry, scheme, period).units[kh].points
              for period in ("2025", "2025-Q1", "2025-01", "2025-02", "2025-03")}
    assert points == {"2025": D("50.00"), "2025-Q1": D("50.00"), "2025-01": D("20.00"),
                      "2025-02": D("0.00"), "2025-03": D("30.00")}
    march = engine.compute(registry, scheme, "2025-03")
    assert [(line[6], line[9]) for line in march.lines] == [
        (D("30.00"), "《国务院办公厅信息》（国家级）全文采用，计50分，同一稿件按最高一次计分，"
                     "此前已计20分，本次计30分")]
    february = engine.compute(registry, scheme, "2025-02")
    assert [(line[6], line[9]) for line in february.lines] == [
        (D("0.00"), "《国务院办公厅信息》（国家级）简讯采用，同一稿件按最高一次计分，本次不计分")]


def test_max_running_total_in_the_notification_is_the_year(registry, best_adoption):
    scheme, kh = best_adoption["scheme"], best_adoption["KH"]
    for month in ("2025-01", "2025-02", "2025-03"):
        recalculate(registry, scheme, month)
    data = reports.monthly_notification(scheme, "2025-03", registry=registry)
    row = next(r for p in data["pools"] for r in p["rows"] if r["code"] == kh.code)
    assert (row["points"], row["total"]) == (D("30.00"), D("50.00"))
    assert recalculate(registry, scheme, "2025").units[kh.id].points == D("50.00")


def test_max_in_the_environment_rule_set_too(registry, database):
    # 环保: 部委全文 30 in January, 国家全文 50 in March: January 30, March 20, the year 50.
    unit = f.unit("HB", "某市环保局", kind="bureau")
    ministry = f.publication("MEE", "ministry", "生态环境部信息")
    nat = f.publication("N-GB", "national", "国务院办公厅信息")
    item = f.item(unit, "2025-01-02")
    f.adoption(item, ministry, "2025-01-10", "full")
    f.adoption(item, nat, "2025-03-10", "full")
    scheme = f.scheme(registry, ["environment"], environment__accumulate="max")
    points = {period: engine.compute(registry, scheme, period).units[unit.id].points
              for period in ("2025", "2025-01", "2025-03")}
    assert points == {"2025": D("50.00"), "2025-01": D("30.00"), "2025-03": D("20.00")}


# ---------------------------------------------------------------- adoption rates half up

@pytest.mark.parametrize("adopted, submitted, rate", [
    (1, 32, "0.0313"),   # 0.03125: half up, not half even (0.0312)
    (3, 32, "0.0938"),   # 0.09375
    (1, 3, "0.3333"),
    (2, 3, "0.6667"),
    (0, 0, "0.0000"),
])
def test_adoption_rate_rounds_half_up(adopted, submitted, rate):
    assert adoption_rate(adopted, submitted) == D(rate)


def test_a_unit_with_1_of_32_items_adopted_has_3_13_percent(registry, database):
    unit = f.unit("KH", "开化县")
    prov = f.publication("P", "provincial", "省刊")
    items = [f.item(unit, "2025-03-01") for _ in range(32)]
    f.adoption(items[0], prov, "2025-03-10", "full")
    scheme = f.scheme(registry, ["provincial"])
    assert engine.compute(registry, scheme).units[unit.id].adoption_rate == D("0.0313")
    _, previewed = engine.preview(registry, scheme)
    assert previewed.units[unit.id].adoption_rate == D("0.0313")
