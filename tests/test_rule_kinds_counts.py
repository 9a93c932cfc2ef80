"""Rule kinds for what schemes count beyond adoptions: every submitted item (submission_points), a
quota month by month with a cap (period_quota), a target in points (points_target) and points for
urgent reports made on time (urgent_reports' on_time). Every figure computed by hand."""

from decimal import Decimal

import pytest

from kaohe.core.scoring import engine
from tests import factories as f
from tests.rules_support import rules_scheme, unit_lines

D = Decimal


@pytest.fixture
def units(database):
    """Two counties and a department: A submits 2 items in January, 1 in February, 3 in March
    (one of them a joint report with B, one a 调研 item); B submits 2 in February and the joint
    one; the department D submits 1 in March."""
    a, b = f.unit("A", "A县"), f.unit("B", "B县")
    d = f.unit("D", "D局", kind="department")
    for day in ("2025-01-05", "2025-01-20", "2025-02-10", "2025-03-03"):
        f.item([a], day)
    f.item([a], "2025-03-15", category="research")
    f.item([a, b], "2025-03-20")
    f.item([b], "2025-02-01")
    f.item([b], "2025-02-28")
    f.item([d], "2025-03-31")
    f.item([a], "2025-03-31", state="pending")  # not accepted: never counted
    return {"A": a, "B": b, "D": d}


def points_of(outcome, units):
    return {code: outcome.units[u.id].points for code, u in units.items()}


def test_every_submitted_item_scores_adopted_or_not_joint_ones_shared(registry, units):
    # 1 point per accepted item: A 5 of its own + ½ of the joint = 5.50; B 2 + ½ = 2.50; D 1.
    row = {"kind": "submission_points", "name": "submitted", "label": "报送计分",
           "params": {"points": "1"}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025-Q1")
    assert points_of(outcome, units) == {"A": D("5.50"), "B": D("2.50"), "D": D("1.00")}
    assert unit_lines(outcome, units["D"]) == [("submitted", D("1.00"), "2025年3月31日报送动态类稿件，计1分")]
    # only 调研 items, 3 points: A's one research item
    row["params"] = {"points": "3", "when": {"categories": ["research"]}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025")
    assert points_of(outcome, units) == {"A": D("3.00"), "B": D("0.00"), "D": D("0.00")}


def test_a_monthly_quota_gives_base_points_per_month_met_capped(registry, units):
    # At least 2 items a month for counties, 1 point a month met, at most 2 in all:
    # A: January 2 (met, 1), February 1 (missed), March 3 with the joint one (met, 1) = 2.
    # B: January 0, February 2 (met, 1), March 1 (missed) = 1. The department has no task.
    # Missing a month costs 0.5: A −0.5 (February); B −1 (January, March) → A 1.50, B 0.00.
    row = {"kind": "period_quota", "name": "monthly", "label": "每月报送",
           "params": {"each": "month", "fixed": {"county": 2}, "met": "1", "missed": "0.5",
                      "maximum": "2"}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025-Q1")
    assert points_of(outcome, units) == {"A": D("1.50"), "B": D("0.00"), "D": D("0.00")}
    assert unit_lines(outcome, units["A"]) == [
        ("monthly", D("1.00"), "2025年1月报送2篇，任务2篇，完成任务，计1分"),
        ("monthly", D("-0.50"), "2025年2月报送1篇，任务2篇，未完成任务，扣0.5分"),
        ("monthly", D("1.00"), "2025年3月报送3篇，任务2篇，完成任务，计1分")]
    # a cap of 1: A's March adds nothing more (no line), 1 − 0.5 = 0.50 in all
    row["params"]["maximum"] = "1"
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025-Q1")
    assert points_of(outcome, units)["A"] == D("0.50")
    # quarter by quarter in the year: A's Q1 has 6 items (5 of its own and the joint one)
    row["params"] = {"each": "quarter", "fixed": {"county": 6}, "met": "3"}
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025")
    assert unit_lines(outcome, units["A"]) == [
        ("monthly", D("3.00"), "2025年第1季度报送6篇，任务6篇，完成任务，计3分")]


def test_a_target_in_points_gates_and_deducts_per_point_short(registry, units):
    # 1 point per item, then a target of 5 points for counties: A 5.50 reaches it (+2); B 2.50 is
    # 2.5 short: 1 per point short → −2.50; the department has no target.
    rows = [{"kind": "submission_points", "name": "submitted", "params": {"points": "1"}},
            {"kind": "points_target", "name": "target", "label": "目标分值",
             "params": {"fixed": {"county": "5"}, "met": "2", "per_missing": "1"}}]
    outcome = engine.compute(registry, rules_scheme(registry, rows), "2025-Q1")
    assert points_of(outcome, units) == {"A": D("7.50"), "B": D("0.00"), "D": D("1.00")}
    assert unit_lines(outcome, units["B"])[-1] == (
        "target", D("-2.50"), "得分2.5分，目标5分，未达到目标，每差1分扣1分，差2.5分，扣2.5分")
    # as a gate: the units that missed it lose their points (zero_out names the row)
    rows[1]["params"] = {"fixed": {"county": "5"}}
    rows.append({"kind": "zero_out", "name": "zero", "params": {"unless": "target"}})
    outcome = engine.compute(registry, rules_scheme(registry, rows), "2025-Q1")
    assert points_of(outcome, units) == {"A": D("5.50"), "B": D("0.00"), "D": D("1.00")}


def test_urgent_reports_made_on_time_can_earn_points(registry, units):
    # 一般 events, 4 h: A's first report after 1 h (+2), B's after 5 h (late: −5, no credit).
    f.urgent(units["A"], "IV", "2025-02-01 08:00", "2025-02-01 09:00")
    f.urgent(units["B"], "IV", "2025-02-01 08:00", "2025-02-01 13:00")
    row = {"kind": "urgent_reports", "name": "urgent", "label": "紧急信息",
           "params": {"deductions": {"late": "5"}, "on_time": "2"}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025-Q1")
    assert points_of(outcome, units) == {"A": D("2.00"), "B": D("-5.00"), "D": D("0.00")}
    assert unit_lines(outcome, units["A"]) == [
        ("urgent", D("2.00"), "紧急信息「突发事件」（一般，发生于2025年2月1日08:00）按时报送，加2分")]


def test_a_quarterly_task_in_a_range_that_starts_mid_quarter_counts_that_quarters_part(registry, units):
    # 2025-02-15 to 2025-05-15: the first quarter's part (15 Feb – 31 Mar) holds A's items of
    # 3, 15 and 20 March (3, the joint one included): task 3 met, +2; the second quarter's part
    # (1 April – 15 May) none: no points.
    row = {"kind": "period_quota", "name": "quarterly",
           "params": {"each": "quarter", "fixed": {"county": 3}, "met": "2"}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025-02-15~2025-05-15")
    assert unit_lines(outcome, units["A"]) == [
        ("quarterly", D("2.00"), "2025年第1季度报送3篇，任务3篇，完成任务，计2分")]
