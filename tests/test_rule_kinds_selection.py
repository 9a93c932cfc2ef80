"""Rule kinds for combined pieces, instructions by the leader's rank, vetoes by a count of lines or
a missed quota, and the grade of a total that is not positive; points computed by hand."""

import datetime
from decimal import Decimal

import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.scoring import engine
from kaohe.core.storage.models import Adjustment
from tests import factories as f
from tests.rules_support import rules_scheme, unit_lines

D = Decimal


@pytest.fixture
def office(database):
    """Three counties; the city's 《专报》 and the province's 《政务》."""
    return {"A": f.unit("A", "甲县"), "B": f.unit("B", "乙县"), "C": f.unit("C", "丙县"),
            "zb": f.publication("ZB", "city", "《专报》"), "zw": f.publication("ZW", "provincial", "政务")}


def totals(outcome, *units):
    return [outcome.units[u.id].points for u in units]


def combined(**params):
    return {"kind": "combined_piece", "name": "combined", "label": "综合采用",
            "params": {"points": "1", "min_units": 2, "when": {"publications": ["专报"]}, **params}}


def test_a_combined_piece_gives_each_unit_it_draws_on_once(registry, office):
    # Issue 7 of 《专报》 combines A's two items and a joint A+B item: A 1 (once), B 1.
    # Issue 8 uses only C's item (1 unit < 2): nothing. 《政务》 issue 7 (another publication,
    # not named): nothing. Per item instead: A 1 + 1 + 0.5 = 2.5, B 0.5, C 1 (min_units 1).
    a, b, c = office["A"], office["B"], office["C"]
    first, second = f.item(a, no="A-1"), f.item(a, no="A-2")
    joint = f.item([a, b], no="AB-1")
    for item in (first, second, joint):
        f.adoption(item, office["zb"], "2025-05-16", "combined", issue="7")
    f.adoption(f.item(c, no="C-1"), office["zb"], "2025-05-30", "combined", issue="8")
    f.adoption(f.item(c, no="C-2"), office["zw"], "2025-05-16", "combined", issue="7")
    f.adoption(f.item(b, no="B-1"), office["zb"], "2025-05-16", "full", issue="7")  # not 综合
    scheme = rules_scheme(registry, [combined()])
    outcome = engine.compute(registry, scheme, "2025")
    assert totals(outcome, a, b, c) == [D("1.00"), D("1.00"), D("0.00")]
    assert unit_lines(outcome, a) == [("combined", D("1.00"), "《专报》（市级）第7期综合采用3篇稿件"
                                       "（2家单位），采用本单位3篇（A-1、A-2、AB-1），每家单位计1分")]
    assert totals(engine.preview(registry, scheme, "2025")[1], a, b, c) == \
        [D("1.00"), D("1.00"), D("0.00")]
    per_item = rules_scheme(registry, [combined(per="item", min_units=1)])
    outcome = engine.compute(registry, per_item, "2025")
    assert totals(outcome, a, b, c) == [D("2.50"), D("0.50"), D("1.00")]
    assert unit_lines(outcome, b) == [("combined", D("0.50"), "《专报》（市级）第7期综合采用3篇稿件"
                                       "（2家单位），本篇计1分（合报2家，各0.5分）")]


def test_a_combined_piece_is_counted_in_the_period_of_its_adoption(registry, office):
    # Issue 3 (March) combines A and B; in 2025-Q1 each gets 1, in Q2 nothing; rows without an
    # issue are pieces of their own (each of one unit: nothing with min_units 2).
    a, b = office["A"], office["B"]
    f.adoption(f.item(a), office["zb"], "2025-03-28", "combined", issue="3")
    f.adoption(f.item(b), office["zb"], "2025-03-28", "combined", issue="3")
    f.adoption(f.item(a), office["zb"], "2025-04-02", "combined", issue="")
    f.adoption(f.item(b), office["zb"], "2025-04-02", "combined", issue="")
    scheme = rules_scheme(registry, [combined()])
    assert totals(engine.compute(registry, scheme, "2025-Q1"), a, b) == [D("1.00"), D("1.00")]
    assert totals(engine.compute(registry, scheme, "2025-Q2"), a, b) == [D("0.00"), D("0.00")]


def instruction_row(name, first, further, **when):
    return {"kind": "instruction_points", "name": name, "params": {
        "once": "per_item", "levels": {"city": first}, "further": further,
        "when": {"leader_levels": ["city"], **when}}}


def test_instructions_by_rank_read_from_the_leaders_title(registry, office):
    # One item: 副秘书长 (3-01), 市长 (3-02), 秘书长 (3-03), 副市长 (3-04). City leaders: 市长 first 10, 副市长 further 5 = 15; the 秘书长 rank:
    # 副秘书长 first 5, 秘书长 further 3 = 8. "First" is the first this row counts (the
    # 副秘书长 before the 市长 does not make the 市长 a further one): A = 23.
    a = office["A"]
    item = f.item(a)
    for day, leader in (("03-01", "市政府副秘书长 李某"), ("03-02", "市长 王某"),
                        ("03-03", "市委秘书长 周某"), ("03-04", "副市长 刘某")):
        f.instruction(item, "city", f"2025-{day}", leader=leader)
    f.instruction(f.item(a), "provincial", "2025-03-05", leader="副省长 张某")  # not city
    rows = [instruction_row("leaders", "10", "5", leader_titles_not=["秘书长"]),
            instruction_row("secretaries", "5", "3", leader_titles=["秘书长", "办公室主任"])]
    outcome = engine.compute(registry, rules_scheme(registry, rows), "2025")
    assert totals(outcome, a) == [D("23.00")]
    assert [(rule, points) for rule, points, _ in unit_lines(outcome, a)] == [
        ("leaders", D("10.00")), ("leaders", D("5.00")),
        ("secretaries", D("5.00")), ("secretaries", D("3.00"))]
    assert unit_lines(outcome, a)[3][2] == "市委秘书长 周某（市级领导）2025年3月3日批示，同一稿件再次批示，计3分"
    # April alone: the March instructions were the first ones; a new 副市长 is a further 5.
    f.instruction(item, "city", "2025-04-10", leader="副市长 陈某")
    scheme = rules_scheme(registry, rows)
    assert totals(engine.compute(registry, scheme, "2025-04"), a) == [D("5.00")]


def veto(name, **params):
    return {"kind": "veto", "name": name, "label": "取消先进集体资格", "params": params}


def late(unit, day, points="-10", kind="迟报"):
    Adjustment.create(unit=unit, date=datetime.date.fromisoformat(day), points=D(points), kind=kind,
                      reason=f"{day}未按时上报")


def test_a_veto_by_the_count_of_a_rows_lines_or_a_missed_quota(registry, office):
    # A: 3 迟报 (−30) → vetoed; B: 2 (−20) → not; C: a 0-point 重大差错 → vetoed by the count of
    # 1, and it missed its target (1 of 2) → both reasons. Points are not changed by a veto.
    a, b, c = office["A"], office["B"], office["C"]
    for day in ("2025-01-10", "2025-04-08", "2025-10-09"):
        late(a, day)
    for day in ("2025-04-09", "2025-07-10"):
        late(b, day)
    late(c, "2025-11-20", points="0", kind="重大差错")
    for unit, count in ((a, 2), (b, 2), (c, 1)):
        f.target(unit, 2)
        for _ in range(count):
            f.item(unit, "2025-05-01")
    rows = [{"kind": "adjustment", "name": "late", "label": "迟报", "params": {"kinds": ["迟报"]}},
            {"kind": "adjustment", "name": "error", "label": "重大差错", "params": {"kinds": ["重大差错"]}},
            {"kind": "quota", "name": "target", "label": "报送任务", "params": {"periods": ["year"]}},
            veto("veto_late", of=["late"], at_least=3),
            veto("veto_error", of=["error"], unless="target", periods=["year"])]
    scheme = rules_scheme(registry, rows)
    outcome = engine.compute(registry, scheme, "2025")
    assert totals(outcome, a, b, c) == [D("-30.00"), D("-20.00"), D("0.00")]
    assert [outcome.units[u.id].vetoed for u in (a, b, c)] == [True, False, True]
    assert unit_lines(outcome, a, "veto") == [
        ("veto_late", D("0.00"), "全年迟报3次，达到3次，取消先进集体资格")]
    assert unit_lines(outcome, c, "veto") == [
        ("veto_error", D("0.00"), "全年重大差错1次；全年未完成报送任务，取消先进集体资格")]
    assert [t.vetoed for t in engine.preview(registry, scheme, "2025")[1].units.values()] == \
        [True, False, True]
    # In the second half-year A has 1 迟报: no veto; C's 重大差错 (11-20) is in it, but that row
    # runs in a year's run only.
    half = engine.compute(registry, scheme, "2025-H2")
    assert [half.units[u.id].vetoed for u in (a, b, c)] == [False, False, False]


def test_a_veto_counts_only_deductions_when_asked_and_names_a_bad_row(registry, office):
    # Solicitations: A answered one on time (+2) and missed one (−10): 2 lines, 1 deduction.
    a = office["A"]
    answered = f.solicitation([a], "2025-03-20", no="Y1")
    f.item(a, "2025-03-18", solicitation=answered)
    f.solicitation([a], "2025-06-20", no="Y2")
    answers = {"kind": "solicitation", "name": "solicitation", "label": "约稿",
               "params": {"answer": "2", "missed": "10"}}
    counted = rules_scheme(registry, [answers, veto("v", of=["solicitation"], at_least=2)])
    assert engine.compute(registry, counted, "2025").units[a.id].vetoed
    only = rules_scheme(registry, [answers, veto("v", of=["solicitation"], at_least=2,
                                                 deductions_only=True)])
    assert not engine.compute(registry, only, "2025").units[a.id].vetoed
    for rows, message in (([veto("v", of=["nothing"])], "规则「v」的of：规则「nothing」不存在"),
                          ([veto("v", of=["solicitation"]), answers], "规则「v」应排在它所看的规则"),
                          ([veto("v")], "规则「v」应填写计次的规则（of）或任务规则（unless）")):
        with pytest.raises(KaoheError, match=message):
            engine.compute(registry, rules_scheme(registry, rows), "2025")


def test_grades_of_the_eligible_and_a_word_for_a_total_not_positive(registry, office):
    # 先进集体 the top 1 of the units not vetoed with a positive total: A 10 and B 5 not vetoed,
    # C −10 not vetoed → 未入选 (not_positive), not 不纳入评选 (that is for the vetoed: B).
    a, b, c = office["A"], office["B"], office["C"]
    for unit, points in ((a, "10"), (b, "15"), (c, "-10")):
        late(unit, "2025-05-01", points=points, kind="记录")
    late(b, "2025-05-02", points="0", kind="不实信息")
    rows = [{"kind": "adjustment", "name": "record", "params": {"kinds": ["记录"]}},
            {"kind": "adjustment", "name": "false_info", "params": {"kinds": ["不实信息"]}},
            veto("v", of=["false_info"])]
    grading = {"by": "rank", "positive_only": True, "ineligible": "不纳入评选",
               "bands": [{"grade": "先进集体", "top": 1}, {"grade": "未入选"}]}
    for extra, word in (({"not_positive": "未入选"}, "未入选"), ({}, "不纳入评选")):
        scheme = rules_scheme(registry, rows, config={"grades": {"units": [dict(grading, **extra)]}})
        outcome = engine.compute(registry, scheme, "2025")
        assert [outcome.units[u.id].grade for u in (a, b, c)] == ["先进集体", "不纳入评选", word]
