"""Reports scored as a whole (dated by their 报送日期, rows that leave a report uncounted, averages per
report) and the urgent-report kinds (`urgent_reports`, `urgent_item_deduction`), by hand."""

from decimal import Decimal

import pytest

from kaohe.core.scoring import engine
from kaohe.core.storage.schemes import create_scheme, current_version, save_config
from tests import factories as f

D = Decimal


def rows_scheme(registry, rows, name="报告测试"):
    """A scheme over every unit whose only rule set is `scheme_rules` with these rows."""
    scheme = create_scheme(registry, name, 2025, ["scheme_rules"])
    config = dict(current_version(scheme).config)
    config["rulesets"][0]["params"] = {"joint_split": "equal", "rules": rows}
    save_config(registry, scheme, config, author="测试", reason="测试规则")
    return scheme


def carried(item, unit, severity, occurred_at, reported_at=None, status="reported", **more):
    """An urgent report that `item` carried (稿件编号)."""
    report = f.urgent(unit, severity, occurred_at, reported_at, status=status, **more)
    report.item = item
    report.save()
    return report


def points(outcome, *units):
    return [outcome.units[u.id].points for u in units]


def lines(outcome, unit, rule=None):
    return [(line[4], line[6], line[9]) for line in outcome.lines
            if line[0] == unit.id and line[5] == "score" and rule in (None, line[4])]


@pytest.fixture
def office(database):
    return {"A": f.unit("A", "甲县"), "B": f.unit("B", "乙县"),
            "zb": f.publication("ZB", "provincial", "专报"),
            "bc": f.publication("BC", "city", "备查")}


def usage(dated_by="event", **more):
    return {"kind": "item_points", "name": "usage", "label": "采用计分", "params": {
        "dated_by": dated_by, "table": [
            {"publications": ["备查"], "tags": ["不够上报标准"], "points": "0", "counted": False,
             "label": "不够上报标准"},
            {"publications": ["专报"], "points": "5"},
            {"publications": ["备查"], "points": "1"}], **more}}


def instruction(dated_by="event"):
    return {"kind": "instruction_points", "name": "instruction", "label": "领导批示",
            "params": {"levels": {"city": "3", "provincial": "4"}, "dated_by": dated_by}}


AVERAGE = {"kind": "per_item_average", "name": "final", "label": "综合得分", "params": {}}


# ---------------------------------------------------------------- dating by the submission

@pytest.mark.parametrize("dated_by, q1, q2", [
    ("event", "0.00", "8.00"),       # 专报 5 on 4-02, city instruction 3 on 4-05: both in Q2
    ("submission", "8.00", "0.00"),  # submitted 3-30: the whole report in Q1
])
def test_a_report_falls_in_the_period_of_its_submission_or_of_its_events(registry, office,
                                                                          dated_by, q1, q2):
    a = office["A"]
    report = f.item(a, "2025-03-30")
    f.adoption(report, office["zb"], "2025-04-02")
    f.instruction(report, "city", "2025-04-05", leader="副市长 林某")
    scheme = rows_scheme(registry, [usage(dated_by), instruction(dated_by)])
    for period, want in (("2025-Q1", q1), ("2025-Q2", q2), ("2025", "8.00")):
        outcome = engine.compute(registry, scheme, period)
        assert points(outcome, a) == [D(want)], period
        assert points(engine.preview(registry, scheme, period)[1], a) == [D(want)], period
    assert lines(engine.compute(registry, scheme, "2025"), a) == [
        ("usage", D("5.00"), "《专报》（省级）全文采用，计5分"),
        ("instruction", D("3.00"), "副市长 林某（市级领导）2025年4月5日批示，计3分")]


def test_by_submission_an_instruction_counts_once_per_level_whenever_it_came(registry, office):
    # Submitted in Q1; city instructions on 2-10 and 4-01 (+3 once), a provincial one on 5-01 (+4):
    # Q1 holds 5 + 3 + 4 = 12, Q2 nothing; an item submitted in Q2 (5) is Q2's.
    a = office["A"]
    first = f.item(a, "2025-02-01")
    f.adoption(first, office["zb"], "2025-02-03")
    f.instruction(first, "city", "2025-02-10")
    f.instruction(first, "city", "2025-04-01")
    f.instruction(first, "provincial", "2025-05-01")
    f.adoption(f.item(a, "2025-04-20"), office["zb"], "2025-04-21")
    scheme = rows_scheme(registry, [usage("submission"), instruction("submission")])
    assert [points(engine.compute(registry, scheme, p), a) for p in ("2025-Q1", "2025-Q2", "2025")] \
        == [[D("12.00")], [D("5.00")], [D("17.00")]]


# ---------------------------------------------------------------- counted reports

def test_a_row_that_leaves_a_report_out_of_the_counted_reports(registry, office):
    # A: 专报 5, 备查 1, 备查 below the threshold 0 (not counted): 6 ÷ 2 = 3.00 (not 6 ÷ 3).
    # B: one 备查 below the threshold only: 0 counted reports, the total 0 stays.
    a, b = office["A"], office["B"]
    f.adoption(f.item(a), office["zb"])
    f.adoption(f.item(a), office["bc"])
    low = f.item(a)
    low.tags = ["不够上报标准"]
    low.save()
    f.adoption(low, office["bc"])
    b_low = f.item(b)
    b_low.tags = ["不够上报标准"]
    b_low.save()
    f.adoption(b_low, office["bc"])
    outcome = engine.compute(registry, rows_scheme(registry, [usage(), AVERAGE]))
    assert points(outcome, a, b) == [D("3.00"), D("0.00")]
    assert lines(outcome, a) == [
        ("usage", D("0.00"), "《备查》（市级）全文采用，不够上报标准，计0分，不计入计分稿件篇数"),
        ("usage", D("5.00"), "《专报》（省级）全文采用，计5分"),
        ("usage", D("1.00"), "《备查》（市级）全文采用，计1分"),
        ("final", D("-3.00"), "2篇稿件合计6分，按篇平均为3分")]


def test_the_average_keeps_a_units_deduction_when_it_has_no_counted_report(registry, office):
    # A: no report, one 瞒报 −10: divided by 1, −10.00. B: reports 5 and 1 and a 漏报 −10:
    # (6 − 10) ÷ 2 = −2.00 (the unit deduction is in the total, not a counted report).
    a, b = office["A"], office["B"]
    f.urgent(a, "III", "2025-02-14 10:00", status="concealed")
    f.urgent(b, "IV", "2025-03-01 10:00", status="missed")
    f.adoption(f.item(b), office["zb"])
    f.adoption(f.item(b), office["bc"])
    unreported = {"kind": "urgent_reports", "name": "unreported", "label": "瞒报、漏报",
                  "params": {"deductions": {"missed": "10", "concealed": "10"}}}
    outcome = engine.compute(registry, rows_scheme(registry, [usage(), unreported, AVERAGE]))
    assert points(outcome, a, b) == [D("-10.00"), D("-2.00")]


# ---------------------------------------------------------------- a percentage of the carrying item

FLAWED = {"kind": "urgent_item_deduction", "name": "flawed", "label": "迟报、轻报、谎报扣50%",
          "params": {"failures": ["late", "understated", "false"], "percent": "50",
                     "of": ["usage", "instruction"]}}


def test_half_of_a_flawed_reports_total_after_its_bonuses_once(registry, office):
    # A's reports: 专报 5 + city 3 + provincial 4 = 12, 重大 reported 2 h 05 after (late) and 轻报:
    # −6 once; 专报 5, 一般 exactly 4 h after: on time, 5; 备查 1, 谎报: −0.5; a late report with
    # no item (nothing to halve). Joint report of A and B, 专报 5, 较大 late: 2.5 each, −1.25 each.
    # A = 6 + 5 + 0.5 + 1.25 = 12.75; B = 1.25.
    a, b = office["A"], office["B"]
    big = f.item(a, "2025-06-18")
    f.adoption(big, office["zb"], "2025-06-18")
    f.instruction(big, "city", "2025-06-18", leader="市长 陈某")
    f.instruction(big, "provincial", "2025-06-19")
    carried(big, a, "II", "2025-06-18 02:00", "2025-06-18 04:05", status="understated", title="山体滑坡")
    on_time = f.item(a, "2025-01-22")
    f.adoption(on_time, office["zb"], "2025-01-22")
    carried(on_time, a, "IV", "2025-01-22 10:00", "2025-01-22 14:00")
    false = f.item(a, "2025-09-12")
    f.adoption(false, office["bc"], "2025-09-12")
    carried(false, a, "IV", "2025-09-12 13:00", "2025-09-12 14:00", status="false", title="游客被困")
    f.urgent(a, "IV", "2025-10-01 08:00", "2025-10-01 20:00")
    joint = f.item([a, b], "2025-03-01")
    f.adoption(joint, office["zb"], "2025-03-01")
    carried(joint, a, "III", "2025-03-01 06:00", "2025-03-01 10:10", title="交通事故")
    scheme = rows_scheme(registry, [usage(), instruction(), FLAWED])
    outcome = engine.compute(registry, scheme, "2025")
    assert points(outcome, a, b) == [D("12.75"), D("1.25")]
    assert points(engine.preview(registry, scheme, "2025")[1], a, b) == [D("12.75"), D("1.25")]
    assert lines(outcome, a, "flawed") == [
        ("flawed", D("-6.00"), "紧急信息「山体滑坡」（重大，发生于2025年6月18日02:00）首报于04:05，"
                               f"超过2小时时限，迟报、轻报，稿件{big.no}得分12分扣50%，扣6分"),
        ("flawed", D("-0.50"), f"紧急信息「游客被困」（一般，发生于2025年9月12日13:00）谎报，稿件{false.no}"
                               "得分1分扣50%，扣0.5分"),
        ("flawed", D("-1.25"), "紧急信息「交通事故」（较大，发生于2025年3月1日06:00）首报于10:10，"
                               f"超过4小时时限，迟报，稿件{joint.no}得分5分扣50%，扣2.5分（合报2家，各-1.25分）")]


def test_the_deduction_follows_the_items_points_into_their_period(registry, office):
    # Dated by the events: the 专报 (5, 3-30) is Q1's, the instruction (3, 4-02) Q2's; the late
    # report halves each period's part: Q1 2.5, Q2 1.5; the year 4. By submission: Q1 4, Q2 0.
    a = office["A"]
    report = f.item(a, "2025-03-30")
    f.adoption(report, office["zb"], "2025-03-30")
    f.instruction(report, "city", "2025-04-02")
    carried(report, a, "III", "2025-03-30 08:00", "2025-03-30 13:00")
    for dated_by, want in (("event", ["2.50", "1.50", "4.00"]), ("submission", ["4.00", "0.00", "4.00"])):
        scheme = rows_scheme(registry, [usage(dated_by), instruction(dated_by), FLAWED], name=dated_by)
        assert [engine.compute(registry, scheme, p).units[a.id].points
                for p in ("2025-Q1", "2025-Q2", "2025")] == [D(v) for v in want], dated_by


@pytest.mark.parametrize("percent, per_failure, want", [
    ("50", False, "6.00"),   # late and 轻报: 50 % once, 12 → 6
    ("30", True, "4.80"),    # 30 % for each of the two: 60 % off, 12 → 4.8
    ("50", True, "0.00"),    # 50 % twice: the whole 12, down to nothing
])
def test_the_other_reading_a_share_for_each_failure(registry, office, percent, per_failure, want):
    a = office["A"]
    report = f.item(a, "2025-06-18")
    f.adoption(report, office["zb"], "2025-06-18")
    f.instruction(report, "city", "2025-06-18")
    f.instruction(report, "provincial", "2025-06-19")
    carried(report, a, "II", "2025-06-18 02:00", "2025-06-18 05:30", status="understated")
    flawed = {**FLAWED, "params": {**FLAWED["params"], "percent": percent, "per_failure": per_failure}}
    outcome = engine.compute(registry, rows_scheme(registry, [usage(), instruction(), flawed]), "2025")
    assert points(outcome, a) == [D(want)]


# ---------------------------------------------------------------- deductions and vetoes per failure

def test_urgent_reports_deduct_each_failure_and_veto_as_configured(registry, office):
    # 轻报 −5 and 谎报 −8 (their statuses), 迟报 of a 较大 event −2 (4 h 01), 误报 −1; vetoes: 重大
    # events for 漏报 only, and 瞒报 of any severity. A: late −2, understated II −5, missed II −20
    # (veto), false −8 = −35. B: concealed IV −20 (veto), late and misreported I −3 (no veto: I is
    # not a veto severity) = −23.
    a, b = office["A"], office["B"]
    f.urgent(a, "III", "2025-03-08 08:00", "2025-03-08 12:01", title="甲事件")
    f.urgent(a, "II", "2025-03-09 08:00", "2025-03-09 09:00", status="understated", title="乙事件")
    f.urgent(a, "II", "2025-03-10 08:00", status="missed", title="丙事件")
    f.urgent(a, "IV", "2025-03-11 08:00", "2025-03-11 09:00", status="false", title="丁事件")
    f.urgent(b, "IV", "2025-03-12 08:00", status="concealed", title="戊事件")
    f.urgent(b, "I", "2025-03-13 08:00", "2025-03-13 11:00", misreported=True, title="己事件")
    row = {"kind": "urgent_reports", "name": "urgent", "label": "紧急信息", "params": {
        "deductions": {"late": "2", "missed": "20", "concealed": "20", "misreported": "1",
                       "understated": "5", "false": "8"},
        "veto_severities": ["II"], "veto_failures": ["missed"], "veto_concealed": True}}
    outcome = engine.compute(registry, rows_scheme(registry, [row]), "2025")
    assert points(outcome, a, b) == [D("-35.00"), D("-23.00")]
    assert [text for _, _, text in lines(outcome, a)] == [
        "紧急信息「甲事件」（较大，发生于2025年3月8日08:00）首报于12:01，超过4小时时限，迟报扣2分",
        "紧急信息「乙事件」（重大，发生于2025年3月9日08:00）轻报扣5分",
        "紧急信息「丙事件」（重大，发生于2025年3月10日08:00）漏报扣20分",
        "紧急信息「丁事件」（一般，发生于2025年3月11日08:00）谎报扣8分"]
    assert [outcome.units[u.id].veto_reason for u in (a, b)] == [
        "紧急信息「丙事件」（重大）漏报，一票否决", "紧急信息「戊事件」（一般）瞒报，一票否决"]


def test_urgent_penalty_is_a_preset_of_urgent_reports_rows(registry):
    # The rule set's parameters fill one row per failure, named as its lines, and a row of vetoes.
    preset = registry.ruleset("urgent_penalty")
    params = preset.default_params()
    params["deductions"]["late"] = D("15.00")
    rows = preset.rows(params)
    assert [(r["kind"], r["name"]) for r in rows] == [
        ("urgent_reports", "late"), ("urgent_reports", "missed"), ("urgent_reports", "concealed"),
        ("urgent_reports", "misreported"), ("urgent_reports", "veto")]
    assert rows[0]["params"]["deductions"] == {"late": "15.00"}
    assert rows[4]["params"]["veto_severities"] == ["I", "II"]
    assert rows[4]["params"]["veto_concealed"] is True
