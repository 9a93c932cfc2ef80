"""Hand-computed cases of the `provincial` rule set (省政府信息采用计分), run through the real engine."""

from decimal import Decimal

import pytest

from kaohe.core.runs.store import recalculate
from kaohe.core.scoring.engine import compute
from kaohe.core.storage.models import ScoreLine
from tests import factories as f

D = Decimal


def scheme_of(registry, year=2025, **params):
    """A scheme over every unit with only `provincial` enabled; `params` are dotted paths → values."""
    return f.scheme(registry, ["provincial"], year, **params)


def lines_of(outcome, unit):
    """(points, explanation) of a unit's score lines, in the order written."""
    return [(line[6], line[9]) for line in outcome.lines if line[0] == unit.id and line[5] == "score"]


@pytest.fixture
def kaihua(database):
    """开化县, the provincial 《专报信息》, the national 《国务院办公厅信息》 and a city 《专报信息》."""
    return {
        "kaihua": f.unit("KH", "开化县"),
        "zhuanbao": f.publication("P-ZB", "provincial", "专报信息"),
        "guoban": f.publication("N-GB", "national", "国务院办公厅信息"),
        "city_zhuanbao": f.publication("C-ZB", "city", "专报信息"),
    }


# ---------------------------------------------------------------- DOMAIN.md's example

def test_domain_example_one_county_90_points(registry, kaihua):
    # 省《专报信息》全文 20 + 国办综合 20 + 省领导批示 50 = 90.
    # The provincial 《专报信息》 is not the city one: the city override (全文10分) does not apply.
    item = f.item(kaihua["kaihua"], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")
    f.adoption(item, kaihua["guoban"], "2025-03-20", "combined")
    f.instruction(item, "provincial", "2025-03-22", leader="王副省长")
    scheme = scheme_of(registry)

    outcome = recalculate(registry, scheme, "2025")

    assert outcome.units[kaihua["kaihua"].id].points == D("90.00")
    stored = [(line.points, line.explanation) for line in
              ScoreLine.select().where(ScoreLine.run == outcome.run).order_by(ScoreLine.id)]
    assert stored == [
        (D("20.00"), "《专报信息》（省级）全文采用，计20分"),
        (D("20.00"), "《国务院办公厅信息》（国家级）综合采用，计20分"),
        (D("50.00"), "王副省长（省级领导）2025年3月22日批示，计50分"),
    ]


def test_domain_example_joint_report_45_each(registry, kaihua):
    # The same item reported jointly by 开化县 and 常山县: 90 / 2 = 45 each.
    changshan = f.unit("CS", "常山县")
    item = f.item([kaihua["kaihua"], changshan], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")
    f.adoption(item, kaihua["guoban"], "2025-03-20", "combined")
    f.instruction(item, "provincial", "2025-03-22", leader="王副省长")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[kaihua["kaihua"].id].points == D("45.00")
    assert outcome.units[changshan.id].points == D("45.00")
    assert lines_of(outcome, changshan) == [
        (D("10.00"), "《专报信息》（省级）全文采用，计20分（合报2家，各10分）"),
        (D("10.00"), "《国务院办公厅信息》（国家级）综合采用，计20分（合报2家，各10分）"),
        (D("25.00"), "王副省长（省级领导）2025年3月22日批示，计50分（合报2家，各25分）"),
    ]


def test_joint_split_full_gives_every_unit_the_whole(registry, kaihua):
    # joint_split = full: each of the two counties holds the whole 20 + 20 + 50 = 90.
    changshan = f.unit("CS", "常山县")
    item = f.item([kaihua["kaihua"], changshan], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")
    f.adoption(item, kaihua["guoban"], "2025-03-20", "combined")
    f.instruction(item, "provincial", "2025-03-22")

    outcome = compute(registry, scheme_of(registry, provincial__joint_split="full"), "2025")

    assert outcome.units[kaihua["kaihua"].id].points == D("90.00")
    assert outcome.units[changshan.id].points == D("90.00")
    assert lines_of(outcome, changshan)[0] == (
        D("20.00"), "《专报信息》（省级）全文采用，计20分（合报2家，每家全额计分）")


def test_three_way_joint_report_rounds_half_up(registry, kaihua):
    # 20 / 3 = 6.666… → 6.67 for each of the three counties.
    others = [f.unit("CS", "常山县"), f.unit("JS", "江山市")]
    item = f.item([kaihua["kaihua"], *others], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry), "2025")

    for unit in [kaihua["kaihua"], *others]:
        assert outcome.units[unit.id].points == D("6.67")


# ---------------------------------------------------------------- authors' shares

def test_authors_share_the_item_points_for_the_individual_ranking(registry, kaihua):
    # Item A (two authors 张, 李): 省《专报信息》全文 20 + 国办全文 50 = 70 → 35 each.
    # Item B (张 alone, joint report of two counties): 国办综合 20 → 张 20 (units split, authors not).
    # 张 = 35 + 20 = 55, 李 = 35.
    changshan = f.unit("CS", "常山县")
    zhang = f.reporter("R-ZHANG", kaihua["kaihua"], "张三")
    li = f.reporter("R-LI", kaihua["kaihua"], "李四")
    item_a = f.item(kaihua["kaihua"], "2025-03-01", authors=[zhang, li])
    f.adoption(item_a, kaihua["zhuanbao"], "2025-03-05", "full")
    f.adoption(item_a, kaihua["guoban"], "2025-03-06", "full")
    item_b = f.item([kaihua["kaihua"], changshan], "2025-04-01", authors=[zhang])
    f.adoption(item_b, kaihua["guoban"], "2025-04-05", "combined")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.reporters[zhang.id].points == D("55.00")
    assert outcome.reporters[li.id].points == D("35.00")
    assert outcome.units[kaihua["kaihua"].id].points == D("80.00")  # 70 + 20/2
    assert outcome.units[changshan.id].points == D("10.00")
    assert [r.award_note for r in sorted(outcome.reporters.values(), key=lambda r: r.rank)] == [
        "先进个人第1名", "先进个人第2名"]


def test_three_authors_round_half_up(registry, kaihua):
    # 省《专报信息》全文 20 shared by three authors: 6.67 each.
    authors = [f.reporter(f"R{n}", kaihua["kaihua"]) for n in range(3)]
    item = f.item(kaihua["kaihua"], "2025-03-01", authors=authors)
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert [outcome.reporters[r.id].points for r in authors] == [D("6.67")] * 3


# ---------------------------------------------------------------- the adoption grid

@pytest.mark.parametrize("level, form, expected", [
    ("national", "full", "50.00"),
    ("national", "combined", "20.00"),
    ("national", "brief", "10.00"),
    ("national", "forwarded", "10.00"),
    ("provincial", "full", "20.00"),
    ("provincial", "combined", "5.00"),
    ("provincial", "brief", "3.00"),
    ("provincial", "forwarded", "2.00"),
    ("city", "full", "5.00"),
    ("city", "combined", "2.00"),
    ("city", "brief", "1.00"),
    ("city", "forwarded", "0.00"),
    ("county", "full", "0.00"),
    ("ministry", "full", "0.00"),  # not in the provincial table: 0
])
def test_adoption_grid_defaults(registry, database, level, form, expected):
    county = f.unit("KH", "开化县")
    item = f.item(county, "2025-03-01")
    f.adoption(item, f.publication("PUB", level, "某刊物"), "2025-03-05", form)

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D(expected)


def test_a_grid_cell_can_be_changed(registry, kaihua):
    # provincial.adoption.provincial.full 20 → 25: 省《专报信息》全文 now 25.
    item = f.item(kaihua["kaihua"], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry, provincial__adoption__provincial__full="25"),
                      "2025")

    assert outcome.units[kaihua["kaihua"].id].points == D("25.00")


# ---------------------------------------------------------------- publication overrides

@pytest.mark.parametrize("name, level, form, expected", [
    ("政务工作交流", "provincial", "full", "30.00"),      # override 30 instead of 20
    ("《政务工作交流》", "provincial", "full", "30.00"),  # 《》 in the publication's name
    ("政务工作交流", "provincial", "combined", "5.00"),   # override is for 全文 only: row 5
    ("政务工作交流", "city", "full", "5.00"),             # level must match: city row 5
    ("昨日要情", "provincial", "full", "10.00"),          # override 10 instead of 20
    ("专报信息", "city", "full", "10.00"),                # city 《专报信息》 10 instead of 5
    ("专报信息", "provincial", "full", "20.00"),          # provincial 《专报信息》 keeps 20
])
def test_default_publication_overrides(registry, database, name, level, form, expected):
    county = f.unit("KH", "开化县")
    item = f.item(county, "2025-03-01")
    f.adoption(item, f.publication("PUB", level, name), "2025-03-05", form)

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D(expected)


def test_override_written_with_marks_matches_a_name_without(registry, kaihua):
    # The first override renamed to 《专报信息》 at 18 points: the provincial 《专报信息》 (stored
    # without marks) full adoption is now worth 18, not the row's 20.
    item = f.item(kaihua["kaihua"], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")
    scheme = scheme_of(registry, **{"provincial__publication_overrides__0__publication": "《专报信息》",
                                    "provincial__publication_overrides__0__points": "18"})

    outcome = compute(registry, scheme, "2025")

    assert lines_of(outcome, kaihua["kaihua"]) == [
        (D("18.00"), "《专报信息》（省级）全文采用，计18分")]


# ---------------------------------------------------------------- several adoptions of one item

def test_accumulate_sum_and_max(registry, kaihua):
    # Adopted: 省《专报信息》全文 20 (3-05), 国办简讯 10 (3-06), 市《专报信息》全文 10 (3-07).
    # sum: 20 + 10 + 10 = 40; max: the highest, 20.
    item = f.item(kaihua["kaihua"], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-05", "full")
    f.adoption(item, kaihua["guoban"], "2025-03-06", "brief")
    f.adoption(item, kaihua["city_zhuanbao"], "2025-03-07", "full")

    summed = compute(registry, scheme_of(registry), "2025")
    highest = compute(registry, scheme_of(registry, provincial__accumulate="max"), "2025")

    assert summed.units[kaihua["kaihua"].id].points == D("40.00")
    assert highest.units[kaihua["kaihua"].id].points == D("20.00")
    assert lines_of(highest, kaihua["kaihua"]) == [
        (D("20.00"), "《专报信息》（省级）全文采用，计20分"),
        (D("0.00"), "《国务院办公厅信息》（国家级）简讯采用，同一稿件按最高一次计分，本次不计分"),
        (D("0.00"), "《专报信息》（市级）全文采用，同一稿件按最高一次计分，本次不计分"),
    ]


# ---------------------------------------------------------------- periods

def test_adoption_counts_in_the_period_of_its_date(registry, kaihua):
    # Submitted 2024-12-20, adopted in full by 省《专报信息》 on 2025-01-05: 20 points in 2025-01,
    # in 2025-Q1 and in 2025; nothing in 2025-02, 2025-Q2 or in the 2024 scheme's year.
    item = f.item(kaihua["kaihua"], "2024-12-20")
    f.adoption(item, kaihua["zhuanbao"], "2025-01-05", "full")
    scheme_2025 = scheme_of(registry, 2025)
    scheme_2024 = scheme_of(registry, 2024)
    unit_id = kaihua["kaihua"].id

    expected = {"2025-01": "20.00", "2025-Q1": "20.00", "2025": "20.00", "2025-02": "0.00",
                "2025-Q2": "0.00"}
    for period, points in expected.items():
        assert compute(registry, scheme_2025, period).units[unit_id].points == D(points), period
    in_2024 = compute(registry, scheme_2024, "2024")
    assert in_2024.units[unit_id].points == D("0.00")
    assert in_2024.units[unit_id].submitted == 1  # counted as a 2024 submission, not adoption


def test_month_boundaries(registry, kaihua):
    # Adoptions on 3-31 (省全文 20) and 4-01 (国办全文 50): March 20, April 50, Q1 20, Q2 50.
    item = f.item(kaihua["kaihua"], "2025-03-01")
    f.adoption(item, kaihua["zhuanbao"], "2025-03-31", "full")
    f.adoption(item, kaihua["guoban"], "2025-04-01", "full")
    scheme = scheme_of(registry)
    unit_id = kaihua["kaihua"].id

    assert compute(registry, scheme, "2025-03").units[unit_id].points == D("20.00")
    assert compute(registry, scheme, "2025-04").units[unit_id].points == D("50.00")
    assert compute(registry, scheme, "2025-Q1").units[unit_id].points == D("20.00")
    assert compute(registry, scheme, "2025-Q2").units[unit_id].points == D("50.00")
    assert compute(registry, scheme, "2025-H1").units[unit_id].points == D("70.00")


# ---------------------------------------------------------------- instructions

@pytest.mark.parametrize("instructions, period, expected", [
    # two provincial instructions (3-15, 4-02): one counted, 50, in March (its date)
    ([("provincial", "2025-03-15"), ("provincial", "2025-04-02")], "2025", "50.00"),
    ([("provincial", "2025-03-15"), ("provincial", "2025-04-02")], "2025-03", "50.00"),
    ([("provincial", "2025-03-15"), ("provincial", "2025-04-02")], "2025-04", "0.00"),
    # the earliest provincial instruction is in February: nothing in March
    ([("provincial", "2025-02-10"), ("provincial", "2025-03-15")], "2025-03", "0.00"),
    # different levels each count: 100 + 50 + 10 = 160
    ([("national", "2025-03-15"), ("provincial", "2025-03-16"), ("city", "2025-03-17")], "2025",
     "160.00"),
    # a county leader's instruction is worth 0
    ([("county", "2025-03-15")], "2025", "0.00"),
])
def test_instruction_once_per_level(registry, kaihua, instructions, period, expected):
    item = f.item(kaihua["kaihua"], "2025-01-10")
    for level, date in instructions:
        f.instruction(item, level, date, leader=f"{level}{date}")

    outcome = compute(registry, scheme_of(registry), period)

    assert outcome.units[kaihua["kaihua"].id].points == D(expected)


def test_instruction_before_the_scheme_year_is_not_counted_again(registry, kaihua):
    # Provincial instruction on 2024-12-28 (the 2024 scheme's 50 points), another on 2025-01-08:
    # the 2025 scheme counts none, the 2024 scheme counts 50.
    item = f.item(kaihua["kaihua"], "2024-12-01")
    f.instruction(item, "provincial", "2024-12-28", leader="甲")
    f.instruction(item, "provincial", "2025-01-08", leader="乙")

    assert compute(registry, scheme_of(registry, 2025), "2025").units[
        kaihua["kaihua"].id].points == D("0.00")
    assert compute(registry, scheme_of(registry, 2024), "2024").units[
        kaihua["kaihua"].id].points == D("50.00")


def test_instruction_points_are_tunable(registry, kaihua):
    # provincial.instruction.provincial 50 → 60.
    item = f.item(kaihua["kaihua"], "2025-03-01")
    f.instruction(item, "provincial", "2025-03-15", leader="王副省长")

    outcome = compute(registry, scheme_of(registry, provincial__instruction__provincial="60"),
                      "2025")

    assert lines_of(outcome, kaihua["kaihua"]) == [
        (D("60.00"), "王副省长（省级领导）2025年3月15日批示，计60分")]
