"""Hand-computed cases of the `urgent_penalty` rule set (紧急信息迟报漏报瞒报扣分), through the engine."""

import copy
from decimal import Decimal

import pytest

from kaohe.core.runs.store import recalculate
from kaohe.core.scoring.engine import compute
from kaohe.core.storage.models import ReporterResult, UnitResult
from kaohe.core.storage.schemes import current_version, save_config
from tests import factories as f

D = Decimal


def scheme_of(registry, rulesets=("urgent_penalty",), year=2025, **params):
    """A scheme over every unit; `a__b` in a parameter name is the path a.b."""
    return f.scheme(registry, rulesets, year, **params)


def lines_of(outcome, unit, kind="score"):
    return [(line[6], line[9]) for line in outcome.lines if line[0] == unit.id and line[5] == kind]


@pytest.fixture
def county(database):
    return f.unit("KH", "开化县")


# ---------------------------------------------------------------- deadlines

@pytest.mark.parametrize("severity, occurred_at, reported_at, expected", [
    ("I", "2025-03-08 14:30", "2025-03-08 16:30", "0.00"),     # exactly 2 h: on time
    ("I", "2025-03-08 14:30", "2025-03-08 16:31", "-20.00"),   # 2 h 01 min: late, −20
    ("II", "2025-03-08 14:30", "2025-03-08 16:30", "0.00"),
    ("II", "2025-03-08 14:30", "2025-03-08 16:31", "-20.00"),
    ("III", "2025-03-08 14:30", "2025-03-08 18:30", "0.00"),   # exactly 4 h: on time
    ("III", "2025-03-08 14:30", "2025-03-08 18:31", "-20.00"),
    ("IV", "2025-03-08 14:30", "2025-03-08 18:30", "0.00"),
    ("IV", "2025-03-08 22:00", "2025-03-09 02:01", "-20.00"),  # over midnight, 4 h 01 min
])
def test_deadline_by_severity(registry, county, severity, occurred_at, reported_at, expected):
    f.urgent(county, severity, occurred_at, reported_at)

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D(expected)


def test_late_explanation(registry, county):
    report = f.urgent(county, "III", "2025-03-08 14:30", "2025-03-08 18:45", title="某某事件")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert lines_of(outcome, county) == [
        (D("-20.00"), "紧急信息「某某事件」（较大，发生于2025年3月8日14:30）首报于18:45，"
                      "超过4小时时限，迟报扣20分")]
    assert [line[8] for line in outcome.lines] == [f"urgent:{report.id}"]


# ---------------------------------------------------------------- the four failures

@pytest.mark.parametrize("status, reported_at, misreported, expected, explanations", [
    # 漏报: −40
    ("missed", None, False, "-40.00", ["紧急信息「某某事件」（一般，发生于2025年3月8日14:30）漏报扣40分"]),
    # "reported" but no first-report time: counted as missed, −40
    ("reported", None, False, "-40.00",
     ["紧急信息「某某事件」（一般，发生于2025年3月8日14:30）没有首报时间，按漏报扣40分"]),
    # 瞒报: −40
    ("concealed", None, False, "-40.00", ["紧急信息「某某事件」（一般，发生于2025年3月8日14:30）瞒报扣40分"]),
    # on time but 误报: −20
    ("reported", "2025-03-08 15:00", True, "-20.00",
     ["紧急信息「某某事件」（一般，发生于2025年3月8日14:30）误报扣20分"]),
    # late and 误报: −20 −20 = −40, two lines
    ("reported", "2025-03-09 09:00", True, "-40.00", [
        "紧急信息「某某事件」（一般，发生于2025年3月8日14:30）首报于2025年3月9日09:00，超过4小时时限，迟报扣20分",
        "紧急信息「某某事件」（一般，发生于2025年3月8日14:30）误报扣20分"]),
    # on time and correct: nothing
    ("reported", "2025-03-08 15:00", False, "0.00", []),
])
def test_failures_and_deductions(registry, county, status, reported_at, misreported, expected,
                                 explanations):
    f.urgent(county, "IV", "2025-03-08 14:30", reported_at, status=status, misreported=misreported,
             title="某某事件")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D(expected)
    assert [text for _points, text in lines_of(outcome, county)] == explanations
    assert outcome.units[county.id].vetoed is (status == "concealed")  # IV: only 瞒报 vetoes


def test_penalties_add_up_per_report(registry, county):
    # Three reports of 开化县: late (−20), missed (−40), late and misreported (−40) = −100.
    f.urgent(county, "III", "2025-04-01 08:00", "2025-04-01 12:30")
    f.urgent(county, "IV", "2025-05-01 08:00", status="missed")
    f.urgent(county, "III", "2025-06-01 08:00", "2025-06-01 13:00", misreported=True)

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D("-100.00")


def test_penalty_is_dated_by_the_occurrence(registry, county):
    # Occurred 3-31 23:30, severity I, reported 4-01 02:00 (2 h 30 min): −20 in March, 0 in April.
    f.urgent(county, "I", "2025-03-31 23:30", "2025-04-01 02:00", title="夜间事件")
    scheme = scheme_of(registry)

    march = compute(registry, scheme, "2025-03")
    assert lines_of(march, county) == [
        (D("-20.00"), "紧急信息「夜间事件」（特别重大，发生于2025年3月31日23:30）首报于2025年4月1日02:00，"
                      "超过2小时时限，迟报扣20分")]
    assert compute(registry, scheme, "2025-04").units[county.id].points == D("0.00")


# ---------------------------------------------------------------- vetoes

@pytest.mark.parametrize("severity, status, reported_at, misreported, vetoed, reason", [
    ("I", "reported", "2025-03-08 17:00", False, True, "紧急信息「某某事件」（特别重大）迟报，一票否决"),
    ("II", "missed", None, False, True, "紧急信息「某某事件」（重大）漏报，一票否决"),
    ("II", "reported", "2025-03-08 15:00", True, True, "紧急信息「某某事件」（重大）误报，一票否决"),
    ("I", "reported", "2025-03-08 17:00", True, True, "紧急信息「某某事件」（特别重大）迟报、误报，一票否决"),
    ("IV", "concealed", None, False, True, "紧急信息「某某事件」（一般）瞒报，一票否决"),
    ("III", "reported", "2025-03-08 19:00", False, False, ""),  # late, but 较大: −20 only
    ("III", "missed", None, False, False, ""),                   # missed, 较大: −40 only
    ("I", "reported", "2025-03-08 16:30", False, False, ""),     # on time: nothing
])
def test_veto(registry, county, severity, status, reported_at, misreported, vetoed, reason):
    f.urgent(county, severity, "2025-03-08 14:30", reported_at, status=status,
             misreported=misreported, title="某某事件")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].vetoed is vetoed
    assert outcome.units[county.id].veto_reason == reason
    assert [text for _points, text in lines_of(outcome, county, "veto")] == ([reason] if vetoed else [])


def test_vetoed_unit_and_reporter_are_left_out_of_the_awards(registry, database):
    # 开化县 has 20 (省全文) − 20 (迟报) + 50 (国办全文) = 50 points, the most of the counties, but its
    # severity I report was late: no award; 常山县 (20) is first. 张三, responsible for the report,
    # wrote the 国办 item (50 points) yet is left out; 李四 (20) is the first individual.
    kaihua, changshan = f.unit("KH", "开化县"), f.unit("CS", "常山县")
    zhang, li = f.reporter("R-ZHANG", kaihua, "张三"), f.reporter("R-LI", changshan, "李四")
    provincial = f.publication("P-ZB", "provincial", "专报信息")
    national = f.publication("N-GB", "national", "国务院办公厅信息")
    f.adoption(f.item(kaihua, "2025-03-01"), provincial, "2025-03-05", "full")
    f.adoption(f.item(kaihua, "2025-03-02", authors=[zhang]), national, "2025-03-06", "full")
    f.adoption(f.item(changshan, "2025-03-01", authors=[li]), provincial, "2025-03-05", "full")
    f.urgent(kaihua, "I", "2025-03-08 14:30", "2025-03-08 17:00", reporter_=zhang, title="某某事件")
    scheme = scheme_of(registry, ("provincial", "urgent_penalty"))

    outcome = recalculate(registry, scheme, "2025")

    reason = "紧急信息「某某事件」（特别重大）迟报，一票否决"
    units = {r.unit_id: r for r in UnitResult.select().where(UnitResult.run == outcome.run)}
    assert (units[kaihua.id].points, units[kaihua.id].rank) == (D("50.00"), 1)
    assert units[kaihua.id].vetoed and units[kaihua.id].award_rank is None
    assert units[kaihua.id].award_note == f"一票否决，不参加评先：{reason}"
    assert (units[changshan.id].award_rank, units[changshan.id].award_note) == (1, "县(市、区)先进单位第1名")
    people = {r.reporter_id: r for r in ReporterResult.select().where(ReporterResult.run == outcome.run)}
    assert (people[zhang.id].points, people[zhang.id].vetoed) == (D("50.00"), True)
    assert people[zhang.id].award_note == f"一票否决，不参加评先：{reason}"
    assert (people[li.id].award_rank, people[li.id].award_note) == (1, "先进个人第1名")


def test_veto_without_a_responsible_reporter_names_the_unit_only(registry, county):
    f.urgent(county, "II", "2025-03-08 14:30", status="missed")

    outcome = compute(registry, scheme_of(registry), "2025")

    vetoes = [line for line in outcome.lines if line[5] == "veto"]
    assert [(line[0], line[1]) for line in vetoes] == [(county.id, None)]
    assert outcome.reporters == {}


# ---------------------------------------------------------------- parameters

def test_deadline_and_deduction_are_tunable(registry, county):
    # deadlines.III 4 → 5 h: 4 h 30 min is on time. deductions.late 20 → 10: severity I 2 h 30 min −10.
    f.urgent(county, "III", "2025-03-08 08:00", "2025-03-08 12:30")
    f.urgent(county, "I", "2025-04-08 08:00", "2025-04-08 10:30")
    scheme = scheme_of(registry, urgent_penalty__deadlines__III="5", urgent_penalty__deductions__late="10")

    outcome = compute(registry, scheme, "2025")

    assert outcome.units[county.id].points == D("-10.00")


def test_deadline_of_hours_and_a_half(registry, county):
    # deadlines.I 2 → 2.5 h: 2 h 30 min on time, 2 h 31 min late (−20).
    f.urgent(county, "I", "2025-03-08 08:00", "2025-03-08 10:30")
    f.urgent(county, "I", "2025-04-08 08:00", "2025-04-08 10:31")

    outcome = compute(registry, scheme_of(registry, urgent_penalty__deadlines__I="2.5"), "2025")

    assert outcome.units[county.id].points == D("-20.00")
    assert "超过2.5小时时限" in lines_of(outcome, county)[0][1]


@pytest.mark.parametrize("status, expected", [
    ("missed", "-30.00"),       # 漏报 40 → 30
    ("concealed", "-30.00"),    # 瞒报 40 → 30
])
def test_each_deduction_is_tunable(registry, county, status, expected):
    # the deduction of the report's status set to 30, a severity IV report of that status
    f.urgent(county, "IV", "2025-03-08 08:00", status=status)

    outcome = compute(registry, scheme_of(registry, **{f"urgent_penalty__deductions__{status}": "30"}),
                      "2025")

    assert outcome.units[county.id].points == D(expected)


def test_misreported_deduction_is_tunable(registry, county):
    # 误报 20 → 15, reported on time.
    f.urgent(county, "IV", "2025-03-08 08:00", "2025-03-08 09:00", misreported=True)

    outcome = compute(registry, scheme_of(registry, urgent_penalty__deductions__misreported="15"),
                      "2025")

    assert outcome.units[county.id].points == D("-15.00")


def test_veto_severities_and_concealment_switch(registry, database):
    # veto_severities [I] only: a late severity II report no longer vetoes (−20 stands).
    # veto_concealed off: a concealed severity IV report does not veto, a concealed severity I does.
    late_ii, hidden_iv, hidden_i = f.unit("A", "甲县"), f.unit("B", "乙县"), f.unit("C", "丙县")
    f.urgent(late_ii, "II", "2025-03-08 08:00", "2025-03-08 11:00")
    f.urgent(hidden_iv, "IV", "2025-03-08 08:00", status="concealed")
    f.urgent(hidden_i, "I", "2025-03-08 08:00", status="concealed")
    scheme = scheme_of(registry, urgent_penalty__veto_concealed=False)
    config = copy.deepcopy(current_version(scheme).config)
    config["rulesets"][0]["params"]["veto_severities"] = [{"severity": "I"}]
    save_config(registry, scheme, config, reason="只有特别重大事件迟报漏报误报才一票否决")

    outcome = compute(registry, scheme, "2025")

    assert [outcome.units[u.id].vetoed for u in (late_ii, hidden_iv, hidden_i)] == [False, False, True]
    assert [outcome.units[u.id].points for u in (late_ii, hidden_iv, hidden_i)] == [
        D("-20.00"), D("-40.00"), D("-40.00")]


def test_many_reports_without_a_first_report_time_before_a_late_one(registry, county):
    # 60 reports of severity IV marked missed (no first-report time, −40 each = −2400), then one
    # severity IV report 5 h late (−20): −2420. The late one's time must be read as a time even
    # though the reports loaded before it have none.
    for _ in range(60):
        f.urgent(county, "IV", "2025-01-01 08:00", status="missed")
    f.urgent(county, "IV", "2025-06-01 08:00", "2025-06-01 13:00")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[county.id].points == D("-2420.00")
