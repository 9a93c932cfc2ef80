"""Hand-computed cases of the `environment` rule set (环保系统政务信息考核与奖励办法), through the engine."""

import datetime
from decimal import Decimal

import pytest

from kaohe.core.runs.store import recalculate
from kaohe.core.scoring.engine import compute
from kaohe.core.scoring.rules import unit_kinds
from kaohe.core.storage.models import ScoreLine
from tests import factories as f

D = Decimal


def scheme_of(registry, year=2025, **params):
    """A scheme over every unit with only `environment` enabled; `a__b` in a name is the path a.b."""
    return f.scheme(registry, ["environment"], year, **params)


def lines_of(outcome, unit, kind="score"):
    """(points, 元, explanation) of a unit's lines of `kind`, in the order written."""
    return [(line[6], line[7], line[9]) for line in outcome.lines
            if line[0] == unit.id and line[5] == kind]


def explanations(outcome, unit, kind="score"):
    return [text for _points, _yuan, text in lines_of(outcome, unit, kind)]


@pytest.fixture
def env(database):
    """A city bureau, two direct points, and one publication per level of the environmental scheme."""
    return {
        "bureau": f.unit("HB-QZ", "衢州市生态环境局", kind="bureau"),
        "bureau2": f.unit("HB-LS", "丽水市生态环境局", kind="bureau"),
        "ministry": f.publication("MEE", "ministry", "生态环境部信息专报"),
        "national": f.publication("GB", "national", "国务院办公厅信息"),
        "provincial": f.publication("SZF", "provincial", "浙江信息"),
        "dept": f.publication("HBT", "provincial_dept", "环保信息"),
        "city": f.publication("SZB", "city", "专报信息"),
    }


# ---------------------------------------------------------------- adoptions

@pytest.mark.parametrize("level, form, expected", [
    ("ministry", "full", "30.00"),
    ("ministry", "combined", "10.00"),
    ("ministry", "brief", "0.00"),
    ("national", "full", "50.00"),
    ("national", "combined", "20.00"),
    ("national", "forwarded", "0.00"),
    ("provincial", "full", "20.00"),
    ("provincial", "combined", "5.00"),
    ("dept", "full", "5.00"),        # 省生态环境厅《环保信息》
    ("dept", "combined", "2.00"),
    ("city", "full", "0.00"),        # others 0
])
def test_adoption_points(registry, env, level, form, expected):
    item = f.item(env["bureau"], "2025-03-01")  # category 动态: no depth bonus
    f.adoption(item, env[level], "2025-03-05", form)

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[env["bureau"].id].points == D(expected)


def test_adoption_explanation_and_joint_split(registry, env):
    # 生态环境部全文 30, reported jointly by two bureaus: 15 each.
    item = f.item([env["bureau"], env["bureau2"]], "2025-03-01")
    f.adoption(item, env["ministry"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert lines_of(outcome, env["bureau2"]) == [
        (D("15.00"), D("0.00"), "《生态环境部信息专报》（部委）全文采用，计30分（合报2家，各15分）")]


def test_joint_split_full(registry, env):
    item = f.item([env["bureau"], env["bureau2"]], "2025-03-01")
    f.adoption(item, env["ministry"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry, environment__joint_split="full"), "2025")

    assert outcome.units[env["bureau"].id].points == D("30.00")
    assert outcome.units[env["bureau2"].id].points == D("30.00")


def test_accumulate_sum_and_max(registry, env):
    # 生态环境部全文 30 + 省政府全文 20 + 《环保信息》综合 2: sum 52, max 30.
    item = f.item(env["bureau"], "2025-03-01")
    f.adoption(item, env["dept"], "2025-03-03", "combined")
    f.adoption(item, env["ministry"], "2025-03-05", "full")
    f.adoption(item, env["provincial"], "2025-03-06", "full")

    summed = compute(registry, scheme_of(registry), "2025")
    highest = compute(registry, scheme_of(registry, environment__accumulate="max"), "2025")

    assert summed.units[env["bureau"].id].points == D("52.00")
    assert highest.units[env["bureau"].id].points == D("30.00")


def test_adoption_grid_is_tunable(registry, env):
    # 《环保信息》全文 5 → 8.
    item = f.item(env["bureau"], "2025-03-01")
    f.adoption(item, env["dept"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry, environment__adoption__provincial_dept__full="8"),
                      "2025")

    assert outcome.units[env["bureau"].id].points == D("8.00")


# ---------------------------------------------------------------- instructions

@pytest.mark.parametrize("instructions, period, expected", [
    ([("national", "2025-03-10")], "2025", "100.00"),
    ([("ministry", "2025-03-10")], "2025", "40.00"),
    ([("provincial", "2025-03-10")], "2025", "30.00"),
    ([("provincial_dept", "2025-03-10")], "2025", "10.00"),
    ([("city", "2025-03-10")], "2025", "0.00"),
    # two ministry leaders: counted once, 40
    ([("ministry", "2025-03-10"), ("ministry", "2025-05-10")], "2025", "40.00"),
    # the earliest ministry instruction is in March: nothing in May
    ([("ministry", "2025-03-10"), ("ministry", "2025-05-10")], "2025-05", "0.00"),
    # each level counts: 40 + 30 + 10 = 80
    ([("ministry", "2025-03-10"), ("provincial", "2025-03-11"), ("provincial_dept", "2025-03-12")],
     "2025", "80.00"),
])
def test_instruction_points(registry, env, instructions, period, expected):
    item = f.item(env["bureau"], "2025-02-01")
    for level, date in instructions:
        f.instruction(item, level, date, leader=f"{level}{date}")

    outcome = compute(registry, scheme_of(registry), period)

    assert outcome.units[env["bureau"].id].points == D(expected)


# ---------------------------------------------------------------- depth bonus

@pytest.mark.parametrize("category, expected", [
    ("research", "10.00"),    # 《环保信息》全文 5 + 调研 5
    ("problem", "10.00"),     # 5 + 问题 5
    ("synthesis", "10.00"),   # 5 + 综合 5
    ("news", "5.00"),         # 动态: no bonus
    ("experience", "5.00"),   # 经验: no bonus
])
def test_depth_bonus_by_category(registry, env, category, expected):
    item = f.item(env["bureau"], "2025-03-01", category=category)
    f.adoption(item, env["dept"], "2025-03-05", "full")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[env["bureau"].id].points == D(expected)


def test_depth_bonus_once_per_item_and_split_among_joint_units(registry, env):
    # 调研 item of two bureaus adopted twice: 《环保信息》全文 5 + 生态环境部综合 10 + depth 5 (once)
    # = 20 → 10 each.
    item = f.item([env["bureau"], env["bureau2"]], "2025-03-01", category="research")
    f.adoption(item, env["dept"], "2025-03-05", "full")
    f.adoption(item, env["ministry"], "2025-03-20", "combined")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[env["bureau"].id].points == D("10.00")
    assert explanations(outcome, env["bureau"])[-1] == (
        "调研类深度信息2025年3月5日首次被采用，加5分（合报2家，各2.5分）")


def test_depth_bonus_is_dated_by_the_first_adoption(registry, env):
    # 调研 item: 《环保信息》全文 on 2-10 (5 + depth 5 = 10 in February), 生态环境部全文 on 3-10
    # (30 in March, no second depth bonus).
    item = f.item(env["bureau"], "2025-02-01", category="research")
    f.adoption(item, env["dept"], "2025-02-10", "full")
    f.adoption(item, env["ministry"], "2025-03-10", "full")
    scheme = scheme_of(registry)

    assert compute(registry, scheme, "2025-02").units[env["bureau"].id].points == D("10.00")
    assert compute(registry, scheme, "2025-03").units[env["bureau"].id].points == D("30.00")
    assert compute(registry, scheme, "2025").units[env["bureau"].id].points == D("40.00")


def test_forwarded_only_is_not_adopted_for_the_depth_bonus(registry, env):
    # Only sent up (上报) to the ministry: 0 points, and no depth bonus.
    item = f.item(env["bureau"], "2025-03-01", category="research")
    f.adoption(item, env["ministry"], "2025-03-05", "forwarded")

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[env["bureau"].id].points == D("0.00")


def test_depth_bonus_categories_are_tunable(registry, env):
    # depth_bonus.news 0 → 2 and research 5 → 0: a 动态 item gets 5 + 2, a 调研 item 5 only.
    news = f.item(env["bureau"], "2025-03-01", category="news")
    research = f.item(env["bureau2"], "2025-03-01", category="research")
    f.adoption(news, env["dept"], "2025-03-05", "full")
    f.adoption(research, env["dept"], "2025-03-05", "full")
    scheme = scheme_of(registry, environment__depth_bonus__news="2", environment__depth_bonus__research="0")

    outcome = compute(registry, scheme, "2025")

    assert outcome.units[env["bureau"].id].points == D("7.00")
    assert outcome.units[env["bureau2"].id].points == D("5.00")


# ---------------------------------------------------------------- solicitations

def test_solicitation_on_the_due_date_counts_a_day_late_does_not(registry, env):
    # 约稿 due 3-10 to both bureaus. 衢州 answers on 3-10: +5. 丽水 answers on 3-11: no +5, and
    # as it had nothing by the due date, −5.
    request = f.solicitation([env["bureau"], env["bureau2"]], "2025-03-10", title="蓝天保卫战进展")
    f.item(env["bureau"], "2025-03-10", solicitation=request)
    f.item(env["bureau2"], "2025-03-11", solicitation=request)

    outcome = compute(registry, scheme_of(registry), "2025-03")

    assert lines_of(outcome, env["bureau"]) == [
        (D("5.00"), D("0.00"), "按时报送约稿「蓝天保卫战进展」（截止2025年3月10日），加5分")]
    assert lines_of(outcome, env["bureau2"]) == [
        (D("-5.00"), D("0.00"), "约稿「蓝天保卫战进展」截止2025年3月10日未报送，扣5分")]
    refs = {line[8] for line in outcome.lines if line[0] == env["bureau2"].id}
    assert refs == {f"solicitation:{request.id}:unit:{env['bureau2'].id}"}


def test_solicited_unit_that_sent_nothing(registry, env):
    # Due 3-10, nothing sent at all: −5 in March and in the year; nothing in February.
    f.solicitation(env["bureau"], "2025-03-10")
    scheme = scheme_of(registry)

    assert compute(registry, scheme, "2025-03").units[env["bureau"].id].points == D("-5.00")
    assert compute(registry, scheme, "2025").units[env["bureau"].id].points == D("-5.00")
    assert compute(registry, scheme, "2025-02").units[env["bureau"].id].points == D("0.00")


def test_answer_counts_in_the_month_submitted_before_the_due_month(registry, env):
    # Due 4-10, answered 3-28: +5 in March; in April no −5 (answered in time) and no second +5.
    request = f.solicitation(env["bureau"], "2025-04-10")
    f.item(env["bureau"], "2025-03-28", solicitation=request)
    scheme = scheme_of(registry)

    assert compute(registry, scheme, "2025-03").units[env["bureau"].id].points == D("5.00")
    assert compute(registry, scheme, "2025-04").units[env["bureau"].id].points == D("0.00")


def test_joint_answer_answers_for_both_units(registry, env):
    # A joint answer by both solicited bureaus on time: +5 split 2.5 each, and no −5 for either.
    request = f.solicitation([env["bureau"], env["bureau2"]], "2025-03-10")
    f.item([env["bureau"], env["bureau2"]], "2025-03-09", solicitation=request)

    outcome = compute(registry, scheme_of(registry), "2025")

    assert outcome.units[env["bureau"].id].points == D("2.50")
    assert outcome.units[env["bureau2"].id].points == D("2.50")


def test_solicitation_points_are_tunable(registry, env):
    # answer 5 → 8, missed 5 → 3.
    request = f.solicitation([env["bureau"], env["bureau2"]], "2025-03-10")
    f.item(env["bureau"], "2025-03-01", solicitation=request)
    scheme = scheme_of(registry, environment__solicitation_answer="8",
                       environment__solicitation_missed="3")

    outcome = compute(registry, scheme, "2025")

    assert outcome.units[env["bureau"].id].points == D("8.00")
    assert outcome.units[env["bureau2"].id].points == D("-3.00")


# ---------------------------------------------------------------- quota money

def _submit(unit, count, day="2025-05-01"):
    for _ in range(count):
        f.item(unit, day)


def test_quota_money_both_ways_in_the_year_run(registry, env):
    # 衢州: target 4, sent 6 → 2 × 100 = +200 元. 丽水: target 5, sent 2 → 3 × 100 = −300 元.
    # A unit with no target gets nothing; a 2024 submission does not count in 2025.
    no_target = f.unit("HB-HZ", "湖州市生态环境局", kind="bureau")
    f.target(env["bureau"], 4)
    f.target(env["bureau2"], 5)
    _submit(env["bureau"], 6)
    _submit(env["bureau2"], 2)
    _submit(env["bureau2"], 1, day="2024-12-31")
    _submit(no_target, 3)

    outcome = recalculate(registry, scheme_of(registry), "2025")

    assert outcome.units[env["bureau"].id].yuan == D("200.00")
    assert outcome.units[env["bureau2"].id].yuan == D("-300.00")
    assert outcome.units[no_target.id].yuan == D("0.00")
    assert outcome.units[env["bureau"].id].points == D("0.00")  # 元, not points
    stored = {(line.unit_id, line.points, line.yuan, line.explanation) for line in
              ScoreLine.select().where(ScoreLine.run == outcome.run)}
    assert stored == {
        (env["bureau"].id, D("0.00"), D("200.00"), "全年报送6篇，报送任务4篇，超出2篇，每篇奖励100元，奖励200元"),
        (env["bureau2"].id, D("0.00"), D("-300.00"), "全年报送2篇，报送任务5篇，少3篇，每篇扣罚100元，扣罚300元"),
    }


def test_quota_money_not_in_a_month_or_quarter_run(registry, env):
    f.target(env["bureau"], 4)
    _submit(env["bureau"], 6)
    scheme = scheme_of(registry)

    for period in ("2025-05", "2025-Q2", "2025-H1"):
        assert compute(registry, scheme, period).units[env["bureau"].id].yuan == D("0.00")


def test_quota_money_counts_a_joint_item_for_each_unit_and_is_tunable(registry, env):
    # per_item_yuan 100 → 50. Target 2 each; one own item each and one joint item: 2 each → 0 元.
    # 衢州 one more own item: 3 − 2 = 1 → +50 元.
    f.target(env["bureau"], 2)
    f.target(env["bureau2"], 2)
    _submit(env["bureau"], 2)
    _submit(env["bureau2"], 1)
    f.item([env["bureau"], env["bureau2"]], "2025-06-01")

    outcome = compute(registry, scheme_of(registry, environment__per_item_yuan="50"), "2025")

    assert outcome.units[env["bureau"].id].yuan == D("50.00")
    assert outcome.units[env["bureau2"].id].yuan == D("0.00")
    assert lines_of(outcome, env["bureau2"]) == []


# ---------------------------------------------------------------- direct-point watch

@pytest.fixture
def direct_point(env):
    """衢江区直报点: adopted in January and June 2025 only (a forwarded item in March is no adoption)."""
    point = f.unit("ZB-QJ", "衢江区直报点", kind="direct_point")
    january = f.item(point, "2025-01-05")
    f.adoption(january, env["dept"], "2025-01-20", "full")
    march = f.item(point, "2025-03-05")
    f.adoption(march, env["ministry"], "2025-03-20", "forwarded")
    june = f.item(point, "2025-06-01")
    f.adoption(june, env["dept"], "2025-06-10", "combined")
    return point


def test_direct_point_flagged_for_each_run_of_zero_months(registry, env, direct_point):
    # Zero months in 2025: Feb–May (4) and Jul–Dec (6): two flags. The bureau (not a direct point)
    # with no adoption at all is not flagged.
    outcome = compute(registry, scheme_of(registry), "2025")

    assert explanations(outcome, direct_point, "flag") == [
        "2025年2月至5月连续4个月采用为零，建议调整直报点",
        "2025年7月至12月连续6个月采用为零，建议调整直报点",
    ]
    assert explanations(outcome, env["bureau"], "flag") == []
    assert outcome.units[direct_point.id].points == D("7.00")  # 5 + 2; flags carry no points


def test_direct_point_watch_months_is_tunable(registry, env, direct_point):
    # watch_months 3 → 5: only Jul–Dec (6) is long enough.
    outcome = compute(registry, scheme_of(registry, environment__watch_months="5"), "2025")

    assert explanations(outcome, direct_point, "flag") == [
        "2025年7月至12月连续6个月采用为零，建议调整直报点"]


def test_direct_point_watch_within_a_shorter_period(registry, env, direct_point):
    # Q1: only Feb–Mar are zero (2 months): no flag. H1: Feb–May (4): one flag.
    scheme = scheme_of(registry)

    assert explanations(compute(registry, scheme, "2025-Q1"), direct_point, "flag") == []
    assert explanations(compute(registry, scheme, "2025-H1"), direct_point, "flag") == [
        "2025年2月至5月连续4个月采用为零，建议调整直报点"]


def test_direct_point_watch_stops_at_today(registry, env, monkeypatch):
    # A 2026 year run on 2026-05-10: months Jan–May have begun, none adopted → one flag of 5 months
    # (June to December have not begun and are not counted).
    point = f.unit("ZB-KH", "开化县直报点", kind="direct_point")
    monkeypatch.setattr(unit_kinds, "today", lambda: datetime.date(2026, 5, 10))

    outcome = compute(registry, scheme_of(registry, 2026), "2026")

    assert explanations(outcome, point, "flag") == [
        "2026年1月至5月连续5个月采用为零，建议调整直报点"]
