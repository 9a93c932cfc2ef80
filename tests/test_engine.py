"""The engine: splitting, ranking with tie-breaks, awards, conversion, reproducibility, rollback, diff."""

from decimal import Decimal

import pytest

from kaohe.core.domain.errors import KaoheError, RecalcError
from kaohe.core.runs import results, store
from kaohe.core.scoring import engine
from kaohe.core.domain.params import ParamsSchema
from kaohe.core.storage import schemes
from kaohe.core.storage.models import ScoreLine, ScoreRun
from kaohe.plugins import Flag, Line, RuleSet, Veto, hookimpl
from kaohe.plugins.manager import build_registry
from tests import factories as f

D = Decimal


class NoParams(ParamsSchema):
    pass


class Scripted(RuleSet):
    """A rule set whose results a test writes by hand: `script(data)` returns them."""
    name = "scripted"
    title = "测试规则"
    version = "1"
    params_schema = NoParams

    def __init__(self, script=None):
        self.script = script or (lambda data: [])

    def compute(self, data, params):
        return self.script(data)


class ScriptedPlugin:
    def __init__(self, ruleset):
        self.ruleset = ruleset

    @hookimpl
    def kaohe_rulesets(self):
        return [self.ruleset]


# A registry with the provincial rule set and one scripted rule set whose lines each test sets.
@pytest.fixture
def scripted(tmp_path):
    registry = build_registry(builtins=("kaohe.rulesets.provincial",), entry_points=False,
                              plugins_dir=tmp_path / "none")
    ruleset = Scripted()
    info = registry.register(ScriptedPlugin(ruleset), "scripted", "test", "tests")
    assert info.loaded, info.error
    return registry, ruleset


def unit_ids(data):
    return {u.code: uid for uid, u in data.units.items()}


def points_by_code(outcome):
    return {t.code: t.points for t in outcome.units.values()}


# ---------------------------------------------------------------- splitting and membership

def test_joint_report_with_a_non_member_gives_the_member_its_half_only(database, scripted):
    registry, _ = scripted
    a, b, outside = f.unit("A"), f.unit("B"), f.unit("X", kind="department")
    prov = f.publication("P", "provincial", "专报信息")
    joint = f.item([a, outside], "2025-03-01")
    f.adoption(joint, prov, "2025-03-05", "full")
    f.item([b], "2025-03-01")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"], units=["A", "B"])
    outcome = store.recalculate(registry, scheme)
    assert points_by_code(outcome) == {"A": D("10.00"), "B": D("0.00")}
    line = ScoreLine.get(ScoreLine.run == outcome.run)
    assert line.unit.code == "A"
    assert line.explanation == "《专报信息》（省级）全文采用，计20分（合报2家，各10分）"


def test_three_way_split_rounds_each_share_half_up(database, scripted):
    registry, _ = scripted
    units = [f.unit(c) for c in ("A", "B", "C")]
    f.adoption(f.item(units, "2025-03-01"), f.publication("P", "provincial"), "2025-03-05", "full")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    outcome = engine.compute(registry, scheme)
    # 20 / 3 = 6.666… → 6.67 each
    assert set(points_by_code(outcome).values()) == {D("6.67")}


def test_author_lines_and_reporter_lines_reach_reporters_not_units(database, scripted):
    registry, ruleset = scripted
    a = f.unit("A")
    r1, r2 = f.reporter("R1", a), f.reporter("R2", a)
    item = f.item([a], "2025-03-01", authors=[r1, r2])

    def script(data):
        rid = {r.code: r.id for r in data.reporters.values()}
        return [Line("reward", "采用奖励", yuan=D("500"), item=item.id, to_authors=True),
                Line("bonus", "个人加分", points=D("3"), reporter=rid["R1"])]
    ruleset.script = script
    scheme = schemes.create_scheme(registry, "S", 2025, ["scripted"])
    outcome = store.recalculate(registry, scheme)
    assert points_by_code(outcome) == {"A": D("0.00")}
    reporters = {r.code: (r.points, r.yuan) for r in outcome.reporters.values()}
    assert reporters == {"R1": (D("3.00"), D("250.00")), "R2": (D("0.00"), D("250.00"))}
    texts = {line.explanation for line in ScoreLine.select().where(ScoreLine.rule == "reward")}
    assert texts == {"采用奖励（作者2人，各250元）"}


# ---------------------------------------------------------------- ranking and tie-breaks

def test_ties_are_broken_by_national_provincial_city_rate_then_code(database, scripted):
    registry, ruleset = scripted
    codes = ["U1", "U2", "U3", "U4", "U5", "U6", "U7"]
    units = {c: f.unit(c, f"单位{c}") for c in codes}
    nat, prov = f.publication("N", "national"), f.publication("P", "provincial")
    city, county = f.publication("C", "city"), f.publication("X", "county")
    f.adoption(f.item(units["U1"]), nat, "2025-03-02")
    f.adoption(f.item(units["U2"]), prov, "2025-03-02")
    f.adoption(f.item(units["U2"]), prov, "2025-03-02")
    f.adoption(f.item(units["U3"]), prov, "2025-03-02")
    f.adoption(f.item(units["U4"]), city, "2025-03-02")
    f.adoption(f.item(units["U5"]), county, "2025-03-02")  # adopted, no tier: rate 1/2
    f.item(units["U5"])
    f.item(units["U6"])
    f.item(units["U7"])
    ruleset.script = lambda data: [Line("flat", "每家10分", points=D("10"), unit=uid)
                                   for uid in data.units]
    scheme = schemes.create_scheme(registry, "S", 2025, ["scripted"])
    outcome = engine.compute(registry, scheme)
    ranked = [t.code for t in outcome.ranking("county")]
    assert ranked == codes
    by_code = {t.code: t for t in outcome.units.values()}
    assert by_code["U2"].tie_break == "与单位U1同分（10分），国家级采用1篇多于0篇，排其后"
    assert by_code["U3"].tie_break == "与单位U2同分（10分），省级采用2篇多于1篇，排其后"
    assert by_code["U4"].tie_break == "与单位U3同分（10分），省级采用1篇多于0篇，排其后"
    assert by_code["U5"].tie_break == "与单位U4同分（10分），市级采用1篇多于0篇，排其后"
    assert by_code["U6"].tie_break == "与单位U5同分（10分），采用率50.0%高于0.0%，排其后"
    assert by_code["U7"].tie_break == "与单位U6同分（10分），各项相同，按单位代码 U6 先于 U7，排其后"
    assert by_code["U1"].tie_break == "与单位U2同分，国家级采用1篇多于0篇，排其前"


def test_pools_are_ranked_apart(database, scripted):
    registry, ruleset = scripted
    f.unit("C1", kind="county"), f.unit("C2", kind="county"), f.unit("D1", kind="department")
    amounts = {"C1": "5", "C2": "7", "D1": "1"}
    ruleset.script = lambda data: [Line("flat", "加分", points=D(amounts[u.code]), unit=uid)
                                   for uid, u in data.units.items()]
    outcome = engine.compute(registry, schemes.create_scheme(registry, "S", 2025, ["scripted"]))
    assert [(t.code, t.rank) for t in outcome.ranking()] == [("C2", 1), ("C1", 2), ("D1", 1)]


# ---------------------------------------------------------------- awards and conversion

def test_awards_skip_vetoed_and_non_positive_units(database, scripted):
    registry, ruleset = scripted
    amounts = {"A": "100", "B": "80", "C": "0", "D": "50", "E": "30", "F": "-5", "G": "20"}
    for code in amounts:
        f.unit(code)
    r = f.reporter("RA", f.unit("Z", kind="department"))

    def script(data):
        ids = unit_ids(data)
        lines = [Line("flat", "得分", points=D(amounts[c]), unit=ids[c]) for c in amounts]
        lines.append(Veto("veto", "特别重大事件迟报", unit=ids["A"], reporter=r.id))
        return lines
    ruleset.script = script
    scheme = schemes.create_scheme(registry, "S", 2025, ["scripted"])
    outcome = store.recalculate(registry, scheme)
    units = {t.code: t for t in outcome.units.values()}
    assert [(c, units[c].award_rank) for c in "ABCDEFG"] == [
        ("A", None), ("B", 1), ("C", None), ("D", 2), ("E", 3), ("F", None), ("G", None)]
    assert units["A"].award_note == "一票否决，不参加评先：特别重大事件迟报"
    assert units["C"].award_note == "总分不为正，不参加评先"
    assert units["F"].award_note == "总分不为正，不参加评先"
    assert units["A"].rank == 1  # a veto removes the unit from awards, not from the ranking
    stored = results.awards(outcome.run)
    assert [row.unit.code for row in stored["units"]["county"]] == ["B", "D", "E"]
    assert any(row.reporter.code == "RA" and row.vetoed for row in stored["excluded_reporters"])


def test_award_quota_per_pool_is_a_scheme_setting(database, scripted):
    registry, ruleset = scripted
    for code in "ABCD":
        f.unit(code)
    ruleset.script = lambda data: [Line("flat", "得分", points=D("10") + uid, unit=uid)
                                   for uid in data.units]
    scheme = schemes.create_scheme(registry, "S", 2025, ["scripted"])
    schemes.set_param(registry, scheme, "awards.units.county", "1", reason="只评一名")
    outcome = engine.compute(registry, scheme)
    assert [t.code for t in outcome.units.values() if t.award_rank] == ["D"]


def test_individual_awards_take_the_top_ten_positive_shares(database, scripted):
    registry, ruleset = scripted
    a = f.unit("A")
    reporters = [f.reporter(f"R{n:02d}", a) for n in range(12)]
    ruleset.script = lambda data: [Line("p", "个人得分", points=D(12 - n), reporter=r.id)
                                   for n, r in enumerate(reporters)]
    outcome = engine.compute(registry, schemes.create_scheme(registry, "S", 2025, ["scripted"]))
    awarded = sorted((r.award_rank, r.code) for r in outcome.reporters.values() if r.award_rank)
    assert awarded == [(n + 1, f"R{n:02d}") for n in range(10)]


def test_conversion_scales_each_pool_to_its_best_total(database, scripted):
    registry, ruleset = scripted
    amounts = {"A": "80", "B": "50", "C": "30", "D": "-5", "E": "0", "X": "7"}
    for code in amounts:
        f.unit(code, kind="department" if code == "X" else "county")
    ruleset.script = lambda data: [Line("flat", "得分", points=D(amounts[u.code]), unit=uid)
                                   for uid, u in data.units.items()]
    scheme = schemes.create_scheme(registry, "S", 2025, ["scripted"])
    schemes.set_param(registry, scheme, "conversion.enabled", "true", reason="折算")
    outcome = engine.compute(registry, scheme)
    converted = {t.code: t.converted for t in outcome.units.values()}
    # county best 80 → 4 points: 50/80×4 = 2.50, 30/80×4 = 1.50; department best 7 → 4.00
    assert converted == {"A": D("4.00"), "B": D("2.50"), "C": D("1.50"), "D": D("0.00"),
                         "E": D("0.00"), "X": D("4.00")}


# ---------------------------------------------------------------- periods, statistics

def test_month_run_counts_what_is_dated_in_the_month(database, scripted):
    registry, _ = scripted
    a = f.unit("A")
    prov = f.publication("P", "provincial")
    december = f.item([a], "2024-12-20")
    f.adoption(december, prov, "2025-01-05", "full")      # scores in January 2025
    march = f.item([a], "2025-03-10")
    f.adoption(march, prov, "2025-04-02", "brief")       # scores in April, adopted by Q2's end
    f.item([a], "2025-03-11")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    jan = engine.compute(registry, scheme, "2025-01")
    mar = engine.compute(registry, scheme, "2025-03")
    apr = engine.compute(registry, scheme, "2025-04")
    q1 = engine.compute(registry, scheme, "2025-Q1")
    h1 = engine.compute(registry, scheme, "2025-H1")
    total = lambda o: next(iter(o.units.values()))  # noqa: E731
    assert total(jan).points == D("20.00") and total(jan).submitted == 0
    assert total(mar).points == D("0.00") and (total(mar).submitted, total(mar).adopted) == (2, 0)
    assert total(apr).points == D("3.00")
    assert total(q1).adoption_rate == D("0.0000")  # the March item was adopted after Q1
    assert (total(h1).points, total(h1).adopted, total(h1).submitted) == (D("23.00"), 1, 2)
    assert total(h1).adoption_rate == D("0.5000")


def test_a_period_outside_the_scheme_year_is_refused(database, scripted):
    registry, _ = scripted
    f.unit("A")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    with pytest.raises(KaoheError, match="不在考核方案「S」的年度 2025 内"):
        engine.compute(registry, scheme, "2024-12")


def test_forwarded_items_are_not_adopted(database, scripted):
    registry, _ = scripted
    a = f.unit("A")
    f.adoption(f.item([a], "2025-03-01"), f.publication("N", "national"), "2025-03-02", "forwarded")
    outcome = engine.compute(registry, schemes.create_scheme(registry, "S", 2025, ["provincial"]))
    total = next(iter(outcome.units.values()))
    # 国办 forwarded scores 10 points, but the item does not count as adopted
    assert (total.points, total.adopted, total.national, total.adoption_rate) == (
        D("10.00"), 0, 0, D("0.0000"))


# ---------------------------------------------------------------- storing, reproducing, failing

def _small_world(registry):
    a, b = f.unit("A"), f.unit("B")
    prov = f.publication("P", "provincial", "专报信息")
    f.adoption(f.item([a], "2025-03-01"), prov, "2025-03-05", "full")
    f.adoption(f.item([a, b], "2025-03-02"), prov, "2025-03-06", "combined")
    return schemes.create_scheme(registry, "S", 2025, ["provincial"])


def test_same_inputs_give_the_same_run_to_the_cent(database, scripted):
    registry, _ = scripted
    scheme = _small_world(registry)
    first = store.recalculate(registry, scheme)
    second = store.recalculate(registry, scheme)
    assert first.fingerprint == second.fingerprint
    assert points_by_code(first) == points_by_code(second) == {"A": D("22.50"), "B": D("2.50")}
    assert first.run.ruleset_versions == {"provincial": "1.0"}
    assert first.run.parameter_version.number == 1
    f.item([scheme.unit_links[0].unit], "2025-03-03")
    third = store.recalculate(registry, scheme)
    assert third.fingerprint != first.fingerprint


def test_a_failing_rule_set_stores_nothing_and_names_the_item(database, scripted):
    registry, ruleset = scripted
    scheme = _small_world(registry)
    store.recalculate(registry, scheme)
    lines_before = ScoreLine.select().count()
    broken = f.item([scheme.unit_links[0].unit], "2025-03-04", no="2025-0099")
    f.adoption(broken, f.publication("C", "city"), "2025-03-08", "brief")

    def script(data):
        points = {}
        for item in data.items.values():
            points[item.id] = {"news": D("1")}[item.category if item.id != broken.id else "broken"]
        return []
    ruleset.script = script
    schemes.set_rulesets(registry, scheme, ["provincial", "scripted"], reason="加上测试规则")
    with pytest.raises(RecalcError) as raised:
        store.recalculate(registry, scheme)
    assert str(raised.value) == ("规则集「scripted」在稿件 2025-0099 上出错：KeyError: 'broken'；"
                                 "本次计算未保存，已有结果保持不变")
    assert (raised.value.ruleset, raised.value.item) == ("scripted", broken.id)
    assert ScoreRun.select().count() == 1
    assert ScoreLine.select().count() == lines_before


@pytest.mark.parametrize("bad, message", [
    (lambda ids: Line("x", "说明", points=1.5, unit=ids["A"]), "分值应为 Decimal，实际为 float"),
    (lambda ids: Line("x", "", points=D("1"), unit=ids["A"]), "缺少中文说明"),
    (lambda ids: Line("x", "说明", points=D("1"), unit=99999), "单位 id 99999 不是本方案的成员单位"),
    (lambda ids: Line("x", "说明", points=D("1"), item=99999), "稿件 id 99999 不在本期数据中"),
    (lambda ids: Line("x", "说明", points=D("NaN"), unit=ids["A"]), "分值不是有限的数"),
    (lambda ids: "20分", "应为 Line、Veto 或 Flag，实际为 str"),
    (lambda ids: Flag("watch", "提示", unit=None), "提示需要说明，并指明本方案的成员单位"),
])
def test_malformed_lines_fail_the_run_whole(database, scripted, bad, message):
    registry, ruleset = scripted
    f.unit("A")
    ruleset.script = lambda data: [Line("ok", "正常", points=D("5"), unit=uid)
                                   for uid in data.units] + [bad(unit_ids(data))]
    scheme = schemes.create_scheme(registry, "S", 2025, ["scripted"])
    with pytest.raises(RecalcError, match="规则集「scripted」返回了无效的计分行") as raised:
        store.recalculate(registry, scheme)
    assert message in str(raised.value)
    assert ScoreRun.select().count() == 0 and ScoreLine.select().count() == 0


def test_flags_and_vetoes_are_stored_as_lines(database, scripted):
    registry, ruleset = scripted
    f.unit("A")
    ruleset.script = lambda data: [Flag("watch", "连续3个月采用为零", unit=uid) for uid in data.units] + [
        Veto("veto", "瞒报", unit=uid) for uid in data.units]
    outcome = store.recalculate(registry, schemes.create_scheme(registry, "S", 2025, ["scripted"]))
    kinds = sorted((line.kind, line.explanation) for line in ScoreLine.select())
    assert kinds == [("flag", "连续3个月采用为零"), ("veto", "瞒报")]
    assert next(iter(outcome.units.values())).vetoed


# ---------------------------------------------------------------- versions, diff, publishing

def test_parameter_versions_record_changes_and_restore(database, scripted):
    registry, _ = scripted
    scheme = _small_world(registry)
    with pytest.raises(KaoheError, match="请填写修改原因"):
        schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", "25", reason=" ")
    v2 = schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", "25",
                           author="王科长", reason="2025年新办法")
    assert (v2.number, v2.author, v2.reason) == (2, "王科长", "2025年新办法")
    changes = schemes.version_changes(schemes.get_version(scheme, 1).config, v2.config)
    assert changes == [("rulesets.provincial.params.adoption.provincial.full", "20.00", "25.00")]
    assert points_by_code(engine.compute(registry, scheme))["A"] == D("27.50")
    v3 = schemes.restore_version(registry, scheme, 1, author="王科长")
    assert v3.number == 3 and v3.reason == "恢复为第1版参数"
    assert v3.config == schemes.get_version(scheme, 1).config
    assert points_by_code(engine.compute(registry, scheme))["A"] == D("22.50")
    with pytest.raises(KaoheError, match="参数没有变化"):
        schemes.restore_version(registry, scheme, 3)


def test_bad_parameter_paths_and_values_are_refused(database, scripted):
    registry, _ = scripted
    scheme = _small_world(registry)
    with pytest.raises(KaoheError, match="没有「galactic」这一项"):
        schemes.set_param(registry, scheme, "provincial.adoption.galactic.full", "1", reason="x")
    with pytest.raises(KaoheError, match="不是有效的数字"):
        schemes.set_param(registry, scheme, "provincial.adoption.city.full", "五分", reason="x")
    with pytest.raises(KaoheError, match="方案中没有规则集「water」"):
        schemes.set_param(registry, scheme, "water.points", "1", reason="x")
    with pytest.raises(KaoheError, match="指向一组参数"):
        schemes.set_param(registry, scheme, "provincial.adoption.city", "1", reason="x")
    assert schemes.current_version(scheme).number == 1


def test_diff_names_the_units_and_lines_that_changed(database, scripted):
    registry, _ = scripted
    scheme = _small_world(registry)
    before = store.recalculate(registry, scheme).run
    schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", "30", reason="调整")
    after = store.recalculate(registry, scheme).run
    changes = results.diff_runs(before, after)
    assert [(u["unit"].code, u["points_a"], u["points_b"], u["points_delta"])
            for u in changes["units"]] == [("A", D("22.50"), D("32.50"), D("10.00"))]
    assert [(line["change"], line["points_a"], line["points_b"]) for line in changes["lines"]] == [
        ("changed", D("20.00"), D("30.00"))]
    assert results.diff_runs(after, after) == {"run_a": after, "run_b": after, "units": [],
                                               "lines": []}


def test_publishing_makes_a_run_official_and_keeps_it_frozen(database, scripted):
    registry, _ = scripted
    scheme = _small_world(registry)
    first = store.recalculate(registry, scheme).run
    published = results.publish(first, "王科长")
    assert results.is_official(published) and published.published_by == "王科长"
    with pytest.raises(KaoheError, match="已于"):
        results.publish(published, "李四")
    with pytest.raises(KaoheError, match="已发布的计算结果不能删除"):
        results.delete_run(published)
    # later edits and recalculations do not touch the published run
    schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", "40", reason="调整")
    f.adoption(f.item([f.unit("C")], "2025-03-09"), f.publication("Q", "national"), "2025-03-10")
    later = store.recalculate(registry, scheme).run
    assert results.pick_run(scheme, 2025).id == first.id
    frozen = {r.unit.code: r.points for r in results.ranking(first)}
    assert frozen == {"A": D("22.50"), "B": D("2.50")}
    results.publish(later, "王科长")
    assert results.pick_run(scheme, 2025).id == later.id
    assert not results.is_official(ScoreRun.get_by_id(first.id))
    assert ScoreRun.get_by_id(first.id).published  # its publication stays on record


def test_a_whole_list_parameter_can_be_replaced_but_not_by_a_single_value(database, scripted):
    registry, _ = scripted
    scheme = _small_world(registry)
    overrides = '[{"publication": "专报信息", "level": "provincial", "form": "full", "points": "26"}]'
    schemes.set_param(registry, scheme, "provincial.publication_overrides", overrides, reason="只保留一项")
    params = schemes.current_version(scheme).config["rulesets"][0]["params"]
    assert params["publication_overrides"] == [
        {"publication": "专报信息", "level": "provincial", "form": "full", "points": "26.00"}]
    assert points_by_code(engine.compute(registry, scheme))["A"] == D("28.50")  # 26 + 5/2
    with pytest.raises(KaoheError, match="指向一组参数"):
        schemes.set_param(registry, scheme, "provincial.publication_overrides", "3", reason="x")
