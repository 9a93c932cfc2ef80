"""Rule kinds configured as data (`scheme_rules`), small cases with the points computed by hand."""

import datetime
from decimal import Decimal

import pytest

from kaohe.core.domain.errors import ParameterError
from kaohe.core.scoring import engine
from kaohe.core.storage.schemes import create_scheme, current_version, save_config
from tests import factories as f

D = Decimal


def rules_scheme(registry, rows, units=None, joint_split="equal", also=()):
    """A scheme whose only rule set is `scheme_rules` with these rows (then `also` rule sets)."""
    scheme = create_scheme(registry, f"规则测试{len(rows)}{id(rows)}", 2025,
                           ["scheme_rules", *also], units=units)
    config = dict(current_version(scheme).config)
    config["rulesets"][0]["params"] = {"joint_split": joint_split, "rules": rows}
    save_config(registry, scheme, config, author="测试", reason="测试规则")
    return scheme


def points_of(outcome, *units):
    return [outcome.units[u.id].points for u in units]


def lines_of(outcome, unit):
    return [(line[4], line[6], line[7], line[9]) for line in outcome.lines
            if line[0] == unit.id and line[5] == "score"]


@pytest.fixture
def office(database):
    """Two counties; a provincial and a city publication."""
    return {"A": f.unit("A", "甲县"), "B": f.unit("B", "乙县"),
            "prov": f.publication("SHENG", "provincial", "省刊"),
            "city": f.publication("SHI", "city", "市刊")}


ADOPTION_TABLE = {"kind": "item_points", "name": "adoption", "label": "采用计分", "params": {
    "table": [{"levels": ["provincial"], "categories": ["research"], "points": "50",
               "label": "省级调研类"},
              {"levels": ["provincial"], "points": "30"},
              {"levels": ["city"], "forms": ["full"], "points": "15"},
              {"levels": ["city"], "forms": ["forwarded"], "points": "1", "label": "上报"}]}}


def test_a_points_table_keyed_by_level_category_and_form(registry, office):
    # A: 调研 省级全文 50; 动态 省级简讯 30; 市刊全文 15; 市刊综合: no row (0, no line);
    # 市刊上报 1 (a row names the form); joint A+B 省级 30: 15 each.  A = 50+30+15+1+15 = 111.
    a, b = office["A"], office["B"]
    f.adoption(f.item(a, category="research"), office["prov"], "2025-03-10", "full")
    f.adoption(f.item(a), office["prov"], "2025-03-11", "brief")
    f.adoption(f.item(a), office["city"], "2025-03-12", "full")
    f.adoption(f.item(a), office["city"], "2025-03-13", "combined")
    f.adoption(f.item(a), office["city"], "2025-03-14", "forwarded")
    f.adoption(f.item([a, b]), office["prov"], "2025-03-15", "full")
    scheme = rules_scheme(registry, [ADOPTION_TABLE])
    outcome = engine.compute(registry, scheme)
    assert points_of(outcome, a, b) == [D("111.00"), D("15.00")]
    assert lines_of(outcome, a)[:2] == [
        ("adoption", D("50.00"), D("0.00"), "《省刊》（省级）全文采用，省级调研类，计50分"),
        ("adoption", D("30.00"), D("0.00"), "《省刊》（省级）简讯采用，计30分")]
    _, previewed = engine.preview(registry, scheme)
    assert points_of(previewed, a, b) == [D("111.00"), D("15.00")]


def test_a_rule_in_yuan_and_a_condition_on_tags_free_words(registry, office):
    # 元: every provincial adoption of a negative-feedback item pays 200 元 (not points).
    a = office["A"]
    f.adoption(f.item(a, negative=True), office["prov"], "2025-04-01", "full")
    f.adoption(f.item(a), office["prov"], "2025-04-02", "full")
    row = {"kind": "item_points", "name": "reward", "label": "报忧奖励", "unit": "元",
           "params": {"when": {"negative": True}, "table": [{"levels": ["provincial"],
                                                            "points": "200"}]}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]))
    assert (outcome.units[a.id].points, outcome.units[a.id].yuan) == (D("0.00"), D("200.00"))
    assert lines_of(outcome, a) == [("reward", D("0.00"), D("200.00"),
                                     "《省刊》（省级）全文采用，计200元")]


def test_instructions_once_per_item_then_reduced(registry, office):
    # per_item: the first instruction by its level (provincial 40), each further one 5:
    # item 1: provincial 40 + city (further) 5 + provincial again (further) 5 = 50.
    a = office["A"]
    item = f.item(a)
    f.instruction(item, "provincial", "2025-03-01")
    f.instruction(item, "city", "2025-03-02")
    f.instruction(item, "provincial", "2025-03-03")
    row = {"kind": "instruction_points", "name": "instruction", "params": {
        "once": "per_item", "further": "5", "levels": {"provincial": "40", "city": "20"}}}
    outcome = engine.compute(registry, rules_scheme(registry, [row]))
    assert outcome.units[a.id].points == D("50.00")
    per_level = dict(row, params={"once": "per_level", "levels": {"provincial": "40", "city": "20"}})
    assert engine.compute(registry, rules_scheme(registry, [per_level])).units[a.id].points == \
        D("60.00")  # 40 + 20, the second provincial one not again


def test_quota_gate_extra_and_zero_out(registry, office):
    # Fixed quota 2 for counties. A submits 3 (1 extra: +1), B 1 (missed: gate −5, and its
    # adoption points are zeroed). B's only item is adopted: 省级 30 → zeroed.
    a, b = office["A"], office["B"]
    for _ in range(3):
        f.item(a, "2025-02-01")
    f.adoption(f.item(b, "2025-02-01"), office["prov"], "2025-02-10", "full")
    rows = [ADOPTION_TABLE,
            {"kind": "quota", "name": "quota", "params": {
                "target_from": "fixed", "fixed": {"county": "2"}, "per_extra": "1", "missed": "5"}},
            {"kind": "zero_out", "name": "zero", "params": {"of": ["adoption"], "unless": "quota"}}]
    outcome = engine.compute(registry, rules_scheme(registry, rows))
    assert points_of(outcome, a, b) == [D("1.00"), D("-5.00")]
    assert lines_of(outcome, b) == [
        ("adoption", D("30.00"), D("0.00"), "《省刊》（省级）全文采用，计30分"),
        ("quota", D("-5.00"), D("0.00"), "全年报送1篇，报送任务2篇，未完成任务，扣5分"),
        ("zero", D("-30.00"), D("0.00"), "未完成任务（quota），30分按0计")]


def test_base_floor_cap_and_percent(registry, office):
    # A: base 10; 4 items adopted 省级 30 each = 120, capped at 100; rate < 50 %? 4/4 no.
    # Quota fixed 6: 4 submitted, 2 missing × 3 = −6, 1 solicitation missed −5: deductions 11
    # exceed the base 10: floor 0 gives 1 back. 10 − 11 + 1 + 120 − 20 = 100; then 10 % off: 90.
    a = office["A"]
    for _ in range(4):
        f.adoption(f.item(a, "2025-05-01"), office["prov"], "2025-05-10", "full")
    f.solicitation(a, "2025-06-30")
    rows = [ADOPTION_TABLE,
            {"kind": "cap", "name": "cap", "params": {"of": ["adoption"], "maximum": "100"}},
            {"kind": "quota", "name": "quota", "params": {
                "target_from": "fixed", "fixed": {"county": "6"}, "per_missing": "3"}},
            {"kind": "solicitation", "name": "solicitation", "params": {"missed": "5"}},
            {"kind": "base_floor", "name": "base", "params": {
                "base": "10", "deductions_of": ["quota", "solicitation"]}},
            {"kind": "percent_deduction", "name": "cut", "params": {"percent": "10"}}]
    outcome = engine.compute(registry, rules_scheme(registry, rows, units=["A"]))
    assert outcome.units[a.id].points == D("90.00")
    assert [(rule, points) for rule, points, _y, _t in lines_of(outcome, a)][-4:] == [
        ("solicitation", D("-5.00")), ("base", D("10.00")), ("base", D("1.00")),
        ("cut", D("-10.00"))]


def test_per_item_average_and_bands(registry, office):
    # A: three items, 50 + 30 + 30 = 110 ÷ 3 = 36.67; bands ≥ 36 → 4 points, ≥ 20 → 3.
    a, b = office["A"], office["B"]
    f.adoption(f.item(a, category="research"), office["prov"], "2025-03-10", "full")
    f.adoption(f.item(a), office["prov"], "2025-03-10", "full")
    f.adoption(f.item(a), office["prov"], "2025-03-10", "full")
    f.adoption(f.item(b), office["prov"], "2025-03-10", "full")
    average = [ADOPTION_TABLE, {"kind": "per_item_average", "name": "average", "params": {}}]
    outcome = engine.compute(registry, rules_scheme(registry, average))
    assert points_of(outcome, a, b) == [D("36.67"), D("30.00")]
    banded = average + [{"kind": "banded_conversion", "name": "band", "params": {"bands": [
        {"at_least": "36", "points": "4"}, {"at_least": "20", "points": "3"}]}}]
    outcome = engine.compute(registry, rules_scheme(registry, banded))
    assert points_of(outcome, a, b) == [D("4.00"), D("3.00")]


def test_a_bad_row_is_named_in_chinese(registry, office):
    scheme = create_scheme(registry, "坏规则", 2025, ["scheme_rules"])
    config = dict(current_version(scheme).config)
    config["rulesets"][0]["params"] = {"rules": [
        ADOPTION_TABLE, {"kind": "bonus_points", "params": {}},
        {"kind": "quota", "name": "adoption", "params": {"per_missing": "-1"}}]}
    with pytest.raises(ParameterError) as caught:
        save_config(registry, scheme, config, author="测试", reason="坏")
    text = str(caught.value)
    assert "未知的规则类型「bonus_points」" in text
    assert "规则名「adoption」重复" in text and "不能小于0" in text


def test_two_rules_scoring_the_same_adoption_are_warned_of(registry, office):
    # provincial beside a scheme_rules adoption table: the adoption is scored twice (30 + 20).
    a = office["A"]
    f.adoption(f.item(a), office["prov"], "2025-03-10", "full")
    scheme = rules_scheme(registry, [ADOPTION_TABLE], also=("provincial",))
    outcome = engine.compute(registry, scheme)
    assert outcome.units[a.id].points == D("50.00")
    assert outcome.warnings == ["规则集「provincial」的规则「adoption」与规则集「scheme_rules」的规则"
                                "「adoption」对同一采用重复计分（1次），请确认是否应同时启用"]
    alone = rules_scheme(registry, [ADOPTION_TABLE])
    assert engine.compute(registry, alone).warnings == []


def test_an_instruction_multiplies_the_items_points_once_the_highest(registry, office):
    # Item of A: 市刊全文 15 (Feb) + 省刊全文 30 (Mar) = 45. A city leader on 03-20: +2 × 45 = 90
    # in March; a national leader on 04-10: the multiple rises to 3, +1 × 45 = 45 in April.
    a = office["A"]
    item = f.item(a, "2025-02-01")
    f.adoption(item, office["city"], "2025-02-10", "full")
    f.adoption(item, office["prov"], "2025-03-05", "full")
    f.instruction(item, "city", "2025-03-20", leader="市长")
    f.instruction(item, "national", "2025-04-10", leader="国务院领导")
    rows = [ADOPTION_TABLE, {"kind": "instruction_points", "name": "instruction", "params": {
        "once": "multiple", "multiples": {"city": "2", "national": "3"}}}]
    scheme = rules_scheme(registry, rows)
    march, april = (engine.compute(registry, scheme, p) for p in ("2025-03", "2025-04"))
    assert [line for line in lines_of(march, a) if line[0] == "instruction"] == [
        ("instruction", D("90.00"), D("0.00"), "市长（市级领导）2025年3月20日批示，在原计分45分基础上"
                                               "加2倍，计90分")]
    assert lines_of(april, a) == [
        ("instruction", D("45.00"), D("0.00"), "国务院领导（国家级领导）2025年4月10日批示，在原计分45分"
                                               "基础上加3倍，同一稿件已按2倍计，再加1倍，计45分")]
    assert engine.compute(registry, scheme).units[a.id].points == D("180.00")  # 45 + 90 + 45


# ---------------------------------------------------------------- quotas in 元, for some periods

def test_a_quota_in_yuan_rewards_and_fines_only_in_the_periods_named(registry, office):
    # Year targets: A 2, B 3; a Q1 target of 1 for A. A submits 3 in February (1 over the year's
    # target: +50 元), B 1 (2 under: −100 元). periods = year: nothing in the Q1 run, though A has
    # a Q1 target; without periods the Q1 run counts it (3 − 1 = 2 over: +100 元).
    from kaohe.core.storage.models import Target
    a, b = office["A"], office["B"]
    f.target(a, 2)
    f.target(b, 3)
    Target.create(unit=a, year=2025, period="2025-Q1", submit_target=1, adopt_target=0)
    for _ in range(3):
        f.item(a, "2025-02-01")
    f.item(b, "2025-02-01")
    row = {"kind": "quota", "name": "money", "label": "报送任务奖惩", "unit": "元", "params": {
        "per_missing": "50", "per_extra": "50", "periods": ["year"]}}
    scheme = rules_scheme(registry, [row])
    year = engine.compute(registry, scheme)
    assert [(year.units[u.id].points, year.units[u.id].yuan) for u in (a, b)] == [
        (D("0.00"), D("50.00")), (D("0.00"), D("-100.00"))]
    assert lines_of(year, a) + lines_of(year, b) == [
        ("money", D("0.00"), D("50.00"), "全年报送3篇，报送任务2篇，超出1篇，每篇奖励50元，奖励50元"),
        ("money", D("0.00"), D("-100.00"), "全年报送1篇，报送任务3篇，少2篇，每篇扣罚50元，扣罚100元")]
    _, previewed = engine.preview(registry, scheme)
    assert [previewed.units[u.id].yuan for u in (a, b)] == [D("50.00"), D("-100.00")]
    assert engine.compute(registry, scheme, "2025-Q1").units[a.id].yuan == D("0.00")
    every_period = rules_scheme(registry, [dict(row, params=dict(row["params"], periods=[]))])
    assert engine.compute(registry, every_period, "2025-Q1").units[a.id].yuan == D("100.00")


# ---------------------------------------------------------------- solicitations

def test_solicitation_bonus_and_deduction_and_their_preview(registry, office):
    # Due 3-10 to A and B. A answers on 3-10 (+3), jointly with B on 3-09 (+3 split: 1.5 each;
    # B then answered in time: no deduction). Due 3-20 to B only, nothing sent: −2.
    # A = 3 + 1.5 = 4.5; B = 1.5 − 2 = −0.5.
    a, b = office["A"], office["B"]
    first = f.solicitation([a, b], "2025-03-10", title="河长制")
    f.solicitation(b, "2025-03-20", title="秸秆禁烧")
    f.item(a, "2025-03-10", solicitation=first)
    f.item([a, b], "2025-03-09", solicitation=first)
    row = {"kind": "solicitation", "name": "solicitation", "params": {"answer": "3", "missed": "2"}}
    scheme = rules_scheme(registry, [row])
    outcome = engine.compute(registry, scheme, "2025-03")
    assert points_of(outcome, a, b) == [D("4.50"), D("-0.50")]
    assert lines_of(outcome, b) == [
        ("solicitation", D("1.50"), D("0.00"),
         "按时报送约稿「河长制」（截止2025年3月10日），加3分（合报2家，各1.5分）"),
        ("solicitation", D("-2.00"), D("0.00"), "约稿「秸秆禁烧」截止2025年3月20日未报送，扣2分")]
    _, previewed = engine.preview(registry, scheme, "2025-03")
    assert points_of(previewed, a, b) == [D("4.50"), D("-0.50")]
    in_yuan = rules_scheme(registry, [dict(row, unit="元", params={"answer": "20"})])
    assert lines_of(engine.compute(registry, in_yuan, "2025-03"), a)[0] == (
        "solicitation", D("0.00"), D("20.00"), "按时报送约稿「河长制」（截止2025年3月10日），加20元")


# ---------------------------------------------------------------- months without an adoption

def test_adoption_watch_flags_runs_of_months_up_to_today(registry, office, monkeypatch):
    # Counties only (a department is not watched). A is adopted in 2025-12 only; over the range
    # 2025-10-01~2026-03-31 on 2026-03-05 (March has begun): Oct–Nov (2 months) and Jan–Mar (3).
    # With months = 3 only Jan–Mar is flagged; B, never adopted, has one run of 6 months.
    from kaohe.core.scoring.rules import unit_kinds
    a, b = office["A"], office["B"]
    f.unit("D", "丁局", kind="department")
    f.adoption(f.item(a, "2025-12-01"), office["prov"], "2025-12-05", "full")
    f.adoption(f.item(a, "2025-11-01"), office["prov"], "2025-11-05", "forwarded")  # no adoption
    monkeypatch.setattr(unit_kinds, "today", lambda: datetime.date(2026, 3, 5))
    row = {"kind": "adoption_watch", "name": "watch", "params": {
        "months": 3, "advice": "请加强报送", "when": {"unit_kinds": ["county"]}}}
    scheme = rules_scheme(registry, [row])
    outcome = engine.compute(registry, scheme, "2025-10-01~2026-03-31")
    flags = [(line[0], line[9]) for line in outcome.lines if line[5] == "flag"]
    assert flags == [(a.id, "2026年1月至3月连续3个月采用为零，请加强报送"),
                     (b.id, "2025年10月至2026年3月连续6个月采用为零，请加强报送")]
    assert points_of(outcome, a, b) == [D("0.00"), D("0.00")]  # a flag carries no points
    two = rules_scheme(registry, [dict(row, params={"months": 2})])
    flags = [line[9] for line in engine.compute(registry, two, "2025-10-01~2026-03-31").lines
             if line[5] == "flag" and line[0] == a.id]
    assert flags == ["2025年10月至11月连续2个月采用为零", "2026年1月至3月连续3个月采用为零"]
