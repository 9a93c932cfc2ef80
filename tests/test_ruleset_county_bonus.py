"""Hand-computed cases of the `county_bonus` rule set (县区加分), run through the real engine."""

from decimal import Decimal

import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.runs.store import recalculate
from kaohe.core.scoring.engine import compute
from kaohe.core.storage.models import ScoreRun
from kaohe.core.storage.schemes import create_scheme
from tests import factories as f

D = Decimal


def scheme_of(registry, year=2025, **params):
    """A scheme over every unit with only `county_bonus` enabled; `a__b` in a name is the path a.b."""
    return f.scheme(registry, ["county_bonus"], year, **params)


def lines_of(outcome, unit):
    return [(line[6], line[9]) for line in outcome.lines if line[0] == unit.id and line[5] == "score"]


# ---------------------------------------------------------------- the provincial top list

@pytest.fixture
def ranked(database):
    """Counties ranked 1, 50 and 51 in 2025, one county without a rank, and a department ranked 3."""
    units = {
        "first": f.unit("KH", "开化县"),
        "fiftieth": f.unit("CS", "常山县"),
        "fifty_first": f.unit("LY", "龙游县"),
        "unranked": f.unit("JS", "江山市"),
        "department": f.unit("SCZJ", "市财政局", kind="department"),
    }
    f.fact(units["first"], "provincial_county_rank", 1)
    f.fact(units["fiftieth"], "provincial_county_rank", " 50 ")
    f.fact(units["fifty_first"], "provincial_county_rank", 51)
    f.fact(units["unranked"], "provincial_county_rank", 3, year=2024)  # another year's rank
    f.fact(units["department"], "provincial_county_rank", 3)
    return units


@pytest.mark.parametrize("who, expected", [
    ("first", "50.00"),        # rank 1 ≤ 50: +50
    ("fiftieth", "50.00"),     # rank 50 ≤ 50: +50 (the line is inclusive)
    ("fifty_first", "0.00"),   # rank 51 > 50: nothing
    ("unranked", "0.00"),      # only a 2024 rank recorded: nothing in 2025
    ("department", "0.00"),    # not a county
])
def test_top_list_bonus_in_the_year_run(registry, ranked, who, expected):
    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[ranked[who].id].points == D(expected)


def test_top_list_explanation(registry, ranked):
    outcome = compute(registry, scheme_of(registry), "2025")

    assert lines_of(outcome, ranked["fiftieth"]) == [
        (D("50.00"), "2025年全省县域排名第50位，进入前50位，加50分")]


@pytest.mark.parametrize("period", ["2025-12", "2025-Q4", "2025-H2", "2025-01"])
def test_top_list_bonus_only_in_a_whole_year_run(registry, ranked, period):
    outcome = compute(registry, scheme_of(registry), period)

    assert outcome.units[ranked["first"].id].points == D("0.00")


def test_top_list_parameters(registry, ranked):
    # top_rank 50 → 51 and top_bonus 50 → 30: rank 51 now gets 30, rank 50 gets 30.
    scheme = scheme_of(registry, county_bonus__top_rank="51", county_bonus__top_bonus="30")

    outcome = compute(registry, scheme, "2025")

    assert outcome.units[ranked["fifty_first"].id].points == D("30.00")
    assert outcome.units[ranked["fiftieth"].id].points == D("30.00")


def test_a_rank_that_is_not_a_number_is_refused_naming_the_unit(registry, database):
    county = f.unit("KH", "开化县")
    f.fact(county, "provincial_county_rank", "第十二名")
    scheme = scheme_of(registry)

    with pytest.raises(KaoheError, match="开化县.*第十二名.*不是整数"):
        recalculate(registry, scheme, "2025")
    assert ScoreRun.select().count() == 0


# ---------------------------------------------------------------- negative feedback

@pytest.fixture
def pubs(database):
    return {"provincial": f.publication("P-ZB", "provincial", "专报信息"),
            "city": f.publication("C-ZB", "city", "专报信息")}


def test_negative_feedback_bonus_per_adopted_item(registry, pubs):
    # 开化县: two negative items adopted (one of them twice) → 3 + 3 = 6; a positive item → 0;
    # a negative item only forwarded (上报) → 0. 市财政局 (a department) gets it too: 3.
    county = f.unit("KH", "开化县")
    department = f.unit("SCZJ", "市财政局", kind="department")
    twice = f.item(county, "2025-03-01", negative=True)
    f.adoption(twice, pubs["city"], "2025-03-05", "full")
    f.adoption(twice, pubs["provincial"], "2025-03-06", "brief")
    once = f.item(county, "2025-03-02", negative=True)
    f.adoption(once, pubs["city"], "2025-03-07", "combined")
    positive = f.item(county, "2025-03-03")
    f.adoption(positive, pubs["city"], "2025-03-07", "full")
    forwarded = f.item(county, "2025-03-04", negative=True)
    f.adoption(forwarded, pubs["provincial"], "2025-03-08", "forwarded")
    own = f.item(department, "2025-04-01", negative=True)
    f.adoption(own, pubs["city"], "2025-04-03", "brief")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D("6.00")
    assert outcome.units[department.id].points == D("3.00")
    assert lines_of(outcome, county)[0] == (D("3.00"), "负反馈信息2025年3月5日首次被采用，加3分")


def test_negative_feedback_joint_report_and_authors(registry, pubs):
    # A joint negative item of two counties, two authors: 3 / 2 = 1.5 per unit and per author.
    kaihua, changshan = f.unit("KH", "开化县"), f.unit("CS", "常山县")
    authors = [f.reporter("R1", kaihua), f.reporter("R2", changshan)]
    item = f.item([kaihua, changshan], "2025-03-01", negative=True, authors=authors)
    f.adoption(item, pubs["city"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[kaihua.id].points == D("1.50")
    assert outcome.units[changshan.id].points == D("1.50")
    assert [outcome.reporters[r.id].points for r in authors] == [D("1.50"), D("1.50")]
    assert lines_of(outcome, changshan) == [
        (D("1.50"), "负反馈信息2025年3月5日首次被采用，加3分（合报2家，各1.5分）")]


def test_negative_feedback_is_dated_by_the_first_adoption(registry, pubs):
    # First adopted 2-20, again 3-05: +3 in February, nothing in March, +3 in the year.
    county = f.unit("KH", "开化县")
    item = f.item(county, "2025-02-01", negative=True)
    f.adoption(item, pubs["city"], "2025-02-20", "full")
    f.adoption(item, pubs["provincial"], "2025-03-05", "full")
    scheme = scheme_of(registry)

    assert compute(registry, scheme, "2025-02").units[county.id].points == D("3.00")
    assert compute(registry, scheme, "2025-03").units[county.id].points == D("0.00")
    assert compute(registry, scheme, "2025").units[county.id].points == D("3.00")


def test_negative_feedback_first_adopted_in_the_previous_year(registry, pubs):
    # First adopted 2024-12-15 (2024's bonus), again 2025-01-10: nothing in 2025, +3 in 2024.
    county = f.unit("KH", "开化县")
    item = f.item(county, "2024-12-01", negative=True)
    f.adoption(item, pubs["city"], "2024-12-15", "full")
    f.adoption(item, pubs["provincial"], "2025-01-10", "full")

    assert compute(registry, scheme_of(registry, 2025), "2025").units[county.id].points == D("0.00")
    assert compute(registry, scheme_of(registry, 2024), "2024").units[county.id].points == D("3.00")


def test_negative_feedback_after_forwarding_dates_from_the_real_adoption(registry, pubs):
    # Forwarded (上报) on 2-25, adopted in full on 3-05: the bonus is March's.
    county = f.unit("KH", "开化县")
    item = f.item(county, "2025-02-01", negative=True)
    f.adoption(item, pubs["provincial"], "2025-02-25", "forwarded")
    f.adoption(item, pubs["city"], "2025-03-05", "full")
    scheme = scheme_of(registry)

    assert compute(registry, scheme, "2025-02").units[county.id].points == D("0.00")
    assert compute(registry, scheme, "2025-03").units[county.id].points == D("3.00")


def test_negative_feedback_bonus_is_tunable(registry, pubs):
    # negative_bonus 3 → 5.
    county = f.unit("KH", "开化县")
    item = f.item(county, "2025-03-01", negative=True)
    f.adoption(item, pubs["city"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry, county_bonus__negative_bonus="5"), "2025")

    assert outcome.units[county.id].points == D("5.00")


def test_both_bonuses_add_up_with_the_provincial_points(registry, pubs):
    # provincial + county_bonus: 开化县 rank 12 (+50), a negative item adopted in full by the
    # provincial 《专报信息》 (20 + 3) → 73 for the year.
    county = f.unit("KH", "开化县")
    f.fact(county, "provincial_county_rank", 12)
    item = f.item(county, "2025-03-01", negative=True)
    f.adoption(item, pubs["provincial"], "2025-03-05", "full")
    scheme = create_scheme(registry, "综合方案", 2025, ["provincial", "county_bonus"])

    assert compute(registry, scheme, "2025").units[county.id].points == D("73.00")
    assert compute(registry, scheme, "2025-03").units[county.id].points == D("23.00")
