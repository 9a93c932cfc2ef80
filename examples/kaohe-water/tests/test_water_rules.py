"""The water rule set by hand-computed cases: adoption points, writers' 元, the weekly quota."""

from decimal import Decimal as D

import pytest
from kaohe_water.scheme import create_water_scheme
from water_data import adoption, item, items_per_week, publication, reporter, unit

from kaohe.core.runs.store import recalculate
from kaohe.core.scoring.engine import compute
from kaohe.core.storage import schemes
from kaohe.core.storage.models import ScoreRun, UnitResult

MARCH_MONDAYS = ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"]


@pytest.fixture
def office(database, registry, today):
    """Three bureau units, one writer each (W02 has two), and a publication at each level."""
    units = {code: unit(code, name) for code, name in
             (("W01", "城区水利站"), ("W02", "河道管理所"), ("W03", "水资源办"))}
    writers = {"r1": reporter("r1", units["W01"], "张三"), "r2": reporter("r2", units["W02"], "李四"),
               "r3": reporter("r3", units["W02"], "王五"), "r4": reporter("r4", units["W03"], "赵六")}
    pubs = {"county": publication("XJ", "county", "县水利简报"),
            "city": publication("SJ", "city", "《市水利信息》"),
            "provincial_dept": publication("ST", "provincial_dept", "省水利厅信息"),
            "national": publication("GB", "national", "国办信息")}
    return units, writers, pubs


def scheme_for(registry, **params):
    created = schemes.create_scheme(registry, "水利局", 2025, ["water"])
    for path, value in params.items():
        schemes.set_param(registry, created, f"water.{path}", value, reason="测试")
    return created


def lines_of(outcome, rule):
    """(unit code or reporter code, points, yuan, explanation) of one rule's lines."""
    units = {u.unit: u.code for u in outcome.units.values()}
    reporters = {r.reporter: r.code for r in outcome.reporters.values()}
    return [(units.get(line[0]) or reporters.get(line[1]), line[6], line[7], line[9])
            for line in outcome.lines if line[4] == rule]


def test_adoption_points_and_rewards_by_level(office, registry):
    units, writers, pubs = office
    county = item(units["W01"], authors=[writers["r1"]])
    adoption(county, pubs["county"], form="full")
    city = item(units["W02"], authors=[writers["r2"], writers["r3"]])
    adoption(city, pubs["city"], form="combined")
    provincial = item(units["W03"], authors=[writers["r4"]])
    adoption(provincial, pubs["provincial_dept"], form="brief")
    outcome = compute(registry, scheme_for(registry, weekly_quota=0), "2025-03")
    assert lines_of(outcome, "adoption") == [
        ("W01", D("0.50"), D("0.00"), "《县水利简报》（县级）全文采用，计0.5分"),
        ("W02", D("1.00"), D("0.00"), "《市水利信息》（市级）综合采用，计1分"),
        ("W03", D("2.00"), D("0.00"), "《省水利厅信息》（省直厅局）简讯采用，计2分"),
    ]
    assert lines_of(outcome, "reward") == [
        ("r1", D("0.00"), D("50.00"), "《县水利简报》（县级）全文采用，奖励撰稿人50元"),
        ("r2", D("0.00"), D("100.00"), "《市水利信息》（市级）综合采用，奖励撰稿人200元（作者2人，各100元）"),
        ("r3", D("0.00"), D("100.00"), "《市水利信息》（市级）综合采用，奖励撰稿人200元（作者2人，各100元）"),
        ("r4", D("0.00"), D("500.00"), "《省水利厅信息》（省直厅局）简讯采用，奖励撰稿人500元"),
    ]
    # The reward goes to the writers, never to the units.
    assert {code: (u.points, u.yuan) for code, u in
            ((u.code, u) for u in outcome.units.values())} == {
        "W01": (D("0.50"), D("0.00")), "W02": (D("1.00"), D("0.00")), "W03": (D("2.00"), D("0.00"))}
    assert {r.code: r.yuan for r in outcome.reporters.values()} == {
        "r1": D("50.00"), "r2": D("100.00"), "r3": D("100.00"), "r4": D("500.00")}


def test_an_item_adopted_at_several_levels_counts_once_at_the_highest(office, registry):
    units, writers, pubs = office
    story = item(units["W01"], authors=[writers["r1"]])
    adoption(story, pubs["county"], "2025-03-05")
    adoption(story, pubs["city"], "2025-03-10", form="combined")
    adoption(story, pubs["national"], "2025-03-20", form="brief")
    outcome = compute(registry, scheme_for(registry, weekly_quota=0), "2025-03")
    assert lines_of(outcome, "adoption") == [
        ("W01", D("2.00"), D("0.00"), "《国办信息》（国家级）简讯采用，计2分"),
        ("W01", D("0.00"), D("0.00"), "《县水利简报》（县级）全文采用，同一稿件按最高一级计分，本次不计分"),
        ("W01", D("0.00"), D("0.00"), "《市水利信息》（市级）综合采用，同一稿件按最高一级计分，本次不计分"),
    ]
    assert lines_of(outcome, "reward") == [
        ("r1", D("0.00"), D("500.00"), "《国办信息》（国家级）简讯采用，奖励撰稿人500元")]


def test_counting_each_adoption_adds_every_level(office, registry):
    units, writers, pubs = office
    story = item(units["W01"], authors=[writers["r1"]])
    adoption(story, pubs["county"], "2025-03-05")
    adoption(story, pubs["city"], "2025-03-10")
    adoption(story, pubs["provincial_dept"], "2025-03-20")
    outcome = compute(registry, scheme_for(registry, weekly_quota=0, counting="each"), "2025-03")
    first = outcome.units[units["W01"].id]
    assert (first.points, first.yuan) == (D("3.50"), D("0.00"))  # 0.5 + 1 + 2
    assert outcome.reporters[writers["r1"].id].yuan == D("750.00")  # 50 + 200 + 500


def test_forwarded_items_earn_nothing(office, registry):
    units, writers, pubs = office
    adoption(item(units["W01"], authors=[writers["r1"]]), pubs["national"], form="forwarded")
    outcome = compute(registry, scheme_for(registry, weekly_quota=0), "2025-03")
    assert lines_of(outcome, "adoption") == [] and lines_of(outcome, "reward") == []
    assert outcome.units[units["W01"].id].points == D("0.00")


def test_a_joint_report_splits_the_points_and_its_writers_split_the_reward(office, registry):
    units, writers, pubs = office
    joint = item([units["W01"], units["W03"]], authors=[writers["r1"], writers["r4"]])
    adoption(joint, pubs["city"])
    outcome = compute(registry, scheme_for(registry, weekly_quota=0), "2025-03")
    assert lines_of(outcome, "adoption") == [
        ("W01", D("0.50"), D("0.00"), "《市水利信息》（市级）全文采用，计1分（合报2家，各0.5分）"),
        ("W03", D("0.50"), D("0.00"), "《市水利信息》（市级）全文采用，计1分（合报2家，各0.5分）"),
    ]
    assert [(code, yuan) for code, _p, yuan, _t in lines_of(outcome, "reward")] == [
        ("r1", D("100.00")), ("r4", D("100.00"))]


def test_a_reward_without_a_writer_is_flagged_for_the_clerk(office, registry):
    units, _writers, pubs = office
    adoption(item(units["W01"], no="SL-A"), pubs["city"])
    outcome = compute(registry, scheme_for(registry, weekly_quota=0), "2025-03")
    flags = [(line[0], line[5], line[9]) for line in outcome.lines if line[4] == "reward"]
    assert flags == [(units["W01"].id, "flag",
                      "稿件SL-A《市水利信息》（市级）全文采用，应奖励撰稿人200元，但未登记作者，请补登信息员")]


def test_weekly_quota_counts_full_weeks_of_the_period(office, registry):
    units, _writers, _pubs = office
    # March 2025: 1 March is a Saturday, so the full weeks are 3–9, 10–16, 17–23 and 24–30.
    for day in ("2025-03-03", "2025-03-05", "2025-03-12", "2025-03-24", "2025-03-26", "2025-03-30"):
        item(units["W01"], day)
    item(units["W01"], "2025-03-01")  # Saturday before the first full week: not counted
    item(units["W01"], "2025-03-31")  # Monday of a week that ends in April: not counted
    items_per_week(units["W03"], MARCH_MONDAYS)
    outcome = compute(registry, scheme_for(registry), "2025-03")
    assert lines_of(outcome, "weekly_quota") == [
        ("W01", D("-0.10"), D("0.00"), "2025年第11周（3月10日—3月16日）报送1篇，少于每周2篇，扣0.1分"),
        ("W01", D("-0.20"), D("0.00"), "2025年第12周（3月17日—3月23日）报送0篇，少于每周2篇，扣0.2分"),
        ("W02", D("-0.20"), D("0.00"), "2025年第10周（3月3日—3月9日）报送0篇，少于每周2篇，扣0.2分"),
        ("W02", D("-0.20"), D("0.00"), "2025年第11周（3月10日—3月16日）报送0篇，少于每周2篇，扣0.2分"),
        ("W02", D("-0.20"), D("0.00"), "2025年第12周（3月17日—3月23日）报送0篇，少于每周2篇，扣0.2分"),
        ("W02", D("-0.20"), D("0.00"), "2025年第13周（3月24日—3月30日）报送0篇，少于每周2篇，扣0.2分"),
    ]
    totals = {u.code: u.points for u in outcome.units.values()}
    assert totals == {"W01": D("-0.30"), "W02": D("-0.80"), "W03": D("0.00")}


def test_a_joint_report_counts_for_each_of_its_units(office, registry):
    units, _writers, _pubs = office
    for monday in MARCH_MONDAYS:
        item([units["W01"], units["W02"]], monday)
    outcome = compute(registry, scheme_for(registry), "2025-03")
    totals = {u.code: u.points for u in outcome.units.values()}
    # One item a week each: 1 missing × 4 weeks × 0.1; W03 sent nothing: 2 × 4 × 0.1.
    assert totals == {"W01": D("-0.40"), "W02": D("-0.40"), "W03": D("-0.80")}


def test_weeks_not_yet_over_are_not_counted(office, registry, today):
    units, _writers, _pubs = office
    today("2025-03-19")  # a Wednesday: weeks 10 and 11 are over, week 12 is running
    outcome = compute(registry, scheme_for(registry), "2025-03")
    assert [(code, p) for code, p, _y, _t in lines_of(outcome, "weekly_quota") if code == "W01"] == [
        ("W01", D("-0.20")), ("W01", D("-0.20"))]
    today("2025-03-16")  # the Sunday of week 11: that week is not over yet
    outcome = compute(registry, scheme_for_existing(), "2025-03")
    assert [t for code, _p, _y, t in lines_of(outcome, "weekly_quota") if code == "W01"] == [
        "2025年第10周（3月3日—3月9日）报送0篇，少于每周2篇，扣0.2分"]


def scheme_for_existing():
    return schemes.get_scheme("水利局")


def test_a_whole_year_has_51_full_weeks(office, registry):
    # 2025: the first Monday is 6 January; 29 December starts a week that ends in 2026.
    outcome = compute(registry, scheme_for(registry), "2025")
    silent = outcome.units[office[0]["W02"].id]
    assert silent.points == D("-10.20")  # 51 weeks × 2 missing × 0.1
    weeks = [line[8] for line in outcome.lines if line[4] == "weekly_quota" and line[0] == silent.unit]
    assert (len(weeks), weeks[0], weeks[-1]) == (51, "week:2025-W02", "week:2025-W52")


def test_tuned_quota_and_deduction(office, registry):
    units, _writers, _pubs = office
    items_per_week(units["W01"], MARCH_MONDAYS, per_week=2)
    outcome = compute(registry, scheme_for(registry, weekly_quota=3, shortfall="0.25"), "2025-03")
    totals = {u.code: u.points for u in outcome.units.values()}
    assert totals == {"W01": D("-1.00"), "W02": D("-3.00"), "W03": D("-3.00")}


def test_the_scheme_converts_info_work_to_3_points(office, registry):
    units, writers, pubs = office
    items_per_week(units["W01"], MARCH_MONDAYS)
    items_per_week(units["W02"], MARCH_MONDAYS)
    items_per_week(units["W03"], MARCH_MONDAYS)
    adoption(item(units["W01"], "2025-03-04", authors=[writers["r1"]]), pubs["provincial_dept"])
    adoption(item(units["W02"], "2025-03-04", authors=[writers["r2"]]), pubs["city"])
    created = create_water_scheme(registry, "水利局2025", 2025)
    version = schemes.current_version(created)
    assert (version.number, version.reason, version.config["conversion"]) == (
        2, "水利系统：信息工作在目标责任考核中折算为3分", {"enabled": True, "max_points": "3.00"})
    outcome = recalculate(registry, created, "2025-03")
    results = {r.unit.code: (r.points, r.converted) for r in
               UnitResult.select().where(UnitResult.run == outcome.run)}
    # W01 2 points is the best of the pool: 3; W02 1 point: 1/2 × 3; W03 nothing: 0.
    assert results == {"W01": (D("2.00"), D("3.00")), "W02": (D("1.00"), D("1.50")),
                       "W03": (D("0.00"), D("0.00"))}
    assert ScoreRun.get_by_id(outcome.run.id).ruleset_versions == {"water": "1.0.0"}
