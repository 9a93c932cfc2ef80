"""The built-in rule sets' parameters: defaults, labels and sources, and the refusal of bad values."""

import pytest
from marshmallow import fields

from kaohe.core.domain.errors import ParameterError
from kaohe.core.domain.params import describe
from kaohe.core.storage.schemes import (
    create_scheme,
    current_version,
    default_config,
    set_param,
    validate_config,
)
from tests import factories as f

BUILT_INS = ("provincial", "environment", "county_bonus", "urgent_penalty")


@pytest.fixture
def scheme(registry, database):
    """A scheme with all four built-in rule sets enabled, over one county."""
    f.unit("KH", "开化县")
    return create_scheme(registry, "参数测试", 2025, list(BUILT_INS))


def params_of(scheme, name):
    return next(e["params"] for e in current_version(scheme).config["rulesets"] if e["name"] == name)


# ---------------------------------------------------------------- labels, units and sources

def _leaves(field, path):
    """Every field inside a nested parameter (grid rows, table cells, record fields), with its path."""
    if isinstance(field, fields.Nested):
        for name, inner in field.schema.fields.items():
            yield from _leaves(inner, f"{path}.{name}")
    elif isinstance(field, fields.List):
        yield from _leaves(field.inner, f"{path}.0")
    else:
        yield path, field


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_parameter_has_a_label_a_unit_and_a_source(registry, name):
    ruleset = registry.ruleset(name)
    for entry in describe(ruleset.params_schema):
        assert entry["label"] and entry["label"] != entry["name"], entry["path"]
        assert "unit" in entry["meta"], entry["path"]
        assert entry["source"].strip(), entry["path"]
        for path, leaf in _leaves(entry["field"], entry["path"]):
            meta = leaf.metadata
            assert meta.get("label"), path
            assert meta.get("source", "").strip(), path
            if meta.get("type") == "amount":
                assert meta["unit"] in ("分", "元", "小时"), path


@pytest.mark.parametrize("name, path, unit", [
    ("provincial", "adoption", "分"),
    ("environment", "per_item_yuan", "元"),
    ("environment", "watch_months", "个月"),
    ("county_bonus", "top_bonus", "分"),
    ("urgent_penalty", "deadlines", "小时"),
    ("urgent_penalty", "deductions", "分"),
])
def test_units_of_measure(registry, name, path, unit):
    entries = {e["path"]: e for e in describe(registry.ruleset(name).params_schema)}
    assert entries[path]["unit"] == unit


def test_sources_name_the_scheme_article(registry):
    entries = {e["path"]: e for e in describe(registry.ruleset("environment").params_schema)}
    assert "第六条" in entries["solicitation_answer"]["source"]
    entries = {e["path"]: e for e in describe(registry.ruleset("urgent_penalty").params_schema)}
    assert "第三条" in entries["deadlines"]["source"]


# ---------------------------------------------------------------- defaults are DOMAIN.md's tables

def test_defaults_validate_and_match_the_domain_tables(registry, database):
    config = validate_config(registry, default_config(registry, BUILT_INS))
    params = {e["name"]: e["params"] for e in config["rulesets"]}

    assert params["provincial"]["adoption"]["national"] == {
        "full": "50.00", "combined": "20.00", "brief": "10.00", "forwarded": "10.00"}
    assert params["provincial"]["instruction"]["provincial"] == "50.00"
    env = params["environment"]
    assert {level: (env["adoption"][level]["full"], env["adoption"][level]["combined"])
            for level in ("ministry", "national", "provincial", "provincial_dept", "city")} == {
        "ministry": ("30.00", "10.00"), "national": ("50.00", "20.00"),
        "provincial": ("20.00", "5.00"), "provincial_dept": ("5.00", "2.00"),
        "city": ("0.00", "0.00")}
    assert env["instruction"] == {"national": "100.00", "ministry": "40.00", "provincial": "30.00",
                                  "provincial_dept": "10.00", "city": "0.00", "county": "0.00"}
    assert (env["per_item_yuan"], env["watch_months"]) == ("100.00", 3)
    assert params["county_bonus"] == {"top_rank": 50, "top_bonus": "50.00", "negative_bonus": "3.00",
                                      "joint_split": "equal"}
    urgent = params["urgent_penalty"]
    assert urgent["deadlines"] == {"I": "2.00", "II": "2.00", "III": "4.00", "IV": "4.00"}
    assert urgent["deductions"] == {"late": "20.00", "missed": "40.00", "concealed": "40.00",
                                   "misreported": "20.00"}
    assert urgent["veto_severities"] == [{"severity": "I"}, {"severity": "II"}]


def test_accepted_values_are_stored_with_two_places_half_up(registry, scheme):
    set_param(registry, scheme, "environment.adoption.ministry.full", "32.345", reason="调整")
    set_param(registry, scheme, "urgent_penalty.deadlines.III", "3.5", reason="调整")

    assert params_of(scheme, "environment")["adoption"]["ministry"]["full"] == "32.35"
    assert params_of(scheme, "urgent_penalty")["deadlines"]["III"] == "3.50"


# ---------------------------------------------------------------- refusals, with the path named

@pytest.mark.parametrize("path, value, message", [
    ("provincial.adoption.national.full", "五十", "不是有效的数字"),
    ("provincial.adoption.national.full", "-5", "不能小于0"),
    ("provincial.accumulate", "avg", "应为以下之一：sum（累加计分）、max（按最高一次计分）"),
    ("provincial.joint_split", "half", "应为以下之一：equal（平均分配）、full（每家全额计分）"),
    ("provincial.publication_overrides.0.level", "town", "应为以下之一"),
    ("provincial.publication_overrides.0.publication", "  ", "刊物名称不能为空"),
    ("provincial.publication_overrides.0.publication", "《》", "刊物名称不能为空"),
    ("environment.instruction.ministry", "四十", "不是有效的数字"),
    ("environment.depth_bonus.research", "-5", "不能小于0"),
    ("environment.solicitation_missed", "abc", "不是有效的数字"),
    ("environment.per_item_yuan", "-100", "不能小于0元"),
    ("environment.watch_months", "0", "不能小于1"),
    ("environment.watch_months", "三个月", "不是有效的整数"),
    ("county_bonus.top_rank", "前五十", "不是有效的整数"),
    ("county_bonus.top_rank", "0", "不能小于1"),
    ("county_bonus.negative_bonus", "三", "不是有效的数字"),
    ("urgent_penalty.deadlines.I", "-1", "不能小于0小时"),
    ("urgent_penalty.deadlines.IV", "四小时", "不是有效的数字"),
    ("urgent_penalty.deductions.late", "-20", "不能小于0"),
    ("urgent_penalty.veto_severities.0.severity", "V", "应为以下之一：I（特别重大）"),
    ("urgent_penalty.veto_concealed", "也许", "应为 是 或 否"),
])
def test_bad_values_are_refused_naming_the_path(registry, scheme, path, value, message):
    with pytest.raises(ParameterError) as refused:
        set_param(registry, scheme, path, value, reason="测试")

    assert path in refused.value.messages
    assert any(message in text for text in refused.value.messages[path])
    assert f"{path}：" in str(refused.value) and message in str(refused.value)
    assert current_version(scheme).number == 1  # nothing saved


@pytest.mark.parametrize("name, params, path", [
    ("provincial", {"adoption": {"regional": {"full": "5"}}}, "provincial.adoption.regional"),
    ("provincial", {"adoption": {"national": {"half": "5"}}}, "provincial.adoption.national.half"),
    ("provincial", {"instruction": {"township": "5"}}, "provincial.instruction.township"),
    ("environment", {"adoption": {"regional": {"full": "5"}}}, "environment.adoption.regional"),
    ("environment", {"adoption": {"ministry": {"summary": "5"}}},
     "environment.adoption.ministry.summary"),
    ("environment", {"depth_bonus": {"essay": "5"}}, "environment.depth_bonus.essay"),
    ("urgent_penalty", {"deadlines": {"V": "4"}}, "urgent_penalty.deadlines.V"),
    ("urgent_penalty", {"deductions": {"ignored": "10"}}, "urgent_penalty.deductions.ignored"),
    ("county_bonus", {"top_ten": 10}, "county_bonus.top_ten"),
])
def test_unknown_keys_are_refused_naming_the_path(registry, database, name, params, path):
    config = {"rulesets": [{"name": name, "params": params}]}

    with pytest.raises(ParameterError) as refused:
        validate_config(registry, config)

    assert refused.value.messages == {path: ["未知的参数项"]}
    assert f"{path}：未知的参数项" in str(refused.value)


def test_several_mistakes_are_all_reported(registry, database):
    config = {"rulesets": [
        {"name": "environment", "params": {"per_item_yuan": "一百", "watch_months": "-1"}},
        {"name": "urgent_penalty", "params": {"deadlines": {"II": "-2"}}},
    ]}

    with pytest.raises(ParameterError) as refused:
        validate_config(registry, config)

    assert refused.value.messages == {
        "environment.per_item_yuan": ["不是有效的数字"],
        "environment.watch_months": ["不能小于1"],
        "urgent_penalty.deadlines.II": ["不能小于0小时"],
    }


@pytest.mark.parametrize("value", ["2.5", 2.5, True, "三"])
def test_whole_number_parameters_refuse_fractions_instead_of_cutting_them(value):
    from marshmallow import ValidationError

    from kaohe.core.domain.params import ParamsSchema, integer

    class Months(ParamsSchema):
        months = integer(3, label="月数", source="测试")

    assert Months().load({"months": "4"}) == {"months": 4}
    assert Months().load({"months": 5.0}) == {"months": 5}
    with pytest.raises(ValidationError) as raised:
        Months().load({"months": value})
    assert raised.value.messages == {"months": ["不是有效的整数"]}


@pytest.mark.parametrize("path, words", [
    ("rulesets.provincial.params.adoption.provincial.full",
     "省政府信息采用计分 · 采用计分（按刊物级别和采用形式） · 省级全文采用"),
    ("rulesets.provincial.params.publication_overrides.1.points",
     "省政府信息采用计分 · 特定刊物分值 · 第2行 · 分值"),
    ("rulesets.urgent_penalty.params.deadlines.III",
     "紧急信息迟报漏报瞒报扣分 · 首报时限（事件发生后，按事件级别） · 较大"),
    ("rulesets.county_bonus.enabled", "县区加分 · 启用"),
    ("rulesets.order", "规则集顺序"),
    ("awards.units.department", "先进单位名额 · 市直部门"),
    ("conversion.max_points", "折算 · 满分"),
])
def test_a_change_is_named_in_the_words_of_the_parameters_labels(registry, path, words):
    from kaohe.core.storage.schemes import describe_path
    assert describe_path(registry, path) == words


def test_award_titles_default_are_kept_trimmed_and_bounded(registry, database):
    config = validate_config(registry, {"rulesets": [], "awards": {"unit_title": " 先进集体 "}})
    assert (config["awards"]["unit_title"], config["awards"]["reporter_title"]) == \
        ("先进集体", "先进个人")
    with pytest.raises(ParameterError) as refused:
        validate_config(registry, {"rulesets": [], "awards": {
            "unit_title": "", "reporter_title": "优" * 21}})
    assert refused.value.messages == {"awards.unit_title": ["应为1到20个字"],
                                      "awards.reporter_title": ["应为1到20个字"]}
