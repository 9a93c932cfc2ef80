"""Scheme documents: a whole scheme exports to one TOML file and imports back, all or nothing."""

import tomllib

import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange.scheme_documents import DocumentError, dumps, import_document
from kaohe.core.storage.models import AuditLog, ParameterVersion, Scheme, Target, Unit
from kaohe.core.storage.schemes import create_scheme, current_version, set_param
from tests import factories as f


@pytest.fixture
def county(database, registry):
    for code in ("KH", "CS", "QT"):
        f.unit(code)
    scheme = create_scheme(registry, "市政府系统", 2025, ["provincial", "urgent_penalty"],
                           units=["KH", "CS"], title="市政府系统信息考核")
    set_param(registry, scheme, "provincial.adoption.city.full", "15", reason="按细则")
    set_param(registry, scheme, "awards.units.county", "2", reason="名额")
    Target.create(unit=Unit.get(Unit.code == "KH"), year=2025, period="2025-Q1",
                  scheme="市政府系统", submit_target=6, adopt_target=1)
    Target.create(unit=Unit.get(Unit.code == "CS"), year=2025, submit_target=20)  # every scheme's
    return scheme


def test_a_scheme_exports_as_readable_toml_with_everything_it_holds(county):
    text = dumps(county)
    assert text.startswith("# 考核方案文件（Kaohe scheme document, format 1）：市政府系统\n")
    document = tomllib.loads(text)
    config = current_version(county).config
    assert document["scheme"] == {"name": "市政府系统", "title": "市政府系统信息考核", "year": 2025,
                                  "units": ["CS", "KH"]}
    assert [r["name"] for r in document["rulesets"]] == ["provincial", "urgent_penalty"]
    assert document["rulesets"][0]["params"]["adoption"]["city"]["full"] == "15.00"
    assert document["rulesets"] == config["rulesets"]
    assert document["awards"]["units"]["county"] == 2
    assert document["conversion"] == {"enabled": False, "max_points": "4.00"}
    # only the scheme's own targets: a target for every scheme is data, not the scheme's
    assert document["targets"] == [{"unit": "KH", "period": "2025-Q1", "submit_target": 6,
                                    "adopt_target": 1}]


def test_a_document_creates_the_same_scheme_under_another_name(county, registry):
    text = dumps(county).replace('name = "市政府系统"', 'name = "县区考核"', 1)
    scheme, created, version = import_document(registry, text, author="王科长")
    assert created and version.number == 2 and version.author == "王科长"
    assert version.reason == "按方案文件导入"
    assert current_version(scheme).config == current_version(county).config
    assert sorted(link.unit.code for link in scheme.unit_links) == ["CS", "KH"]
    assert (Target.get((Target.scheme == "县区考核")).period, Target.get(
        Target.scheme == "县区考核").submit_target) == ("2025-Q1", 6)
    # importing it again changes nothing and makes no version
    assert import_document(registry, text)[1:] == (False, None)
    assert ParameterVersion.select().where(ParameterVersion.scheme == scheme).count() == 2


def test_a_changed_document_is_a_parameter_version_like_any_other(county, registry):
    text = dumps(county).replace('full = "15.00"', 'full = "12.50"', 1)
    text = text.replace('units = [\n    "CS",\n    "KH",\n]', 'units = [\n    "KH",\n    "QT",\n]')
    scheme, created, version = import_document(registry, text, author="李", reason="2025年修订")
    assert not created and scheme.id == county.id
    assert (version.number, version.reason, version.author) == (4, "2025年修订", "李")
    assert version.config["rulesets"][0]["params"]["adoption"]["city"]["full"] == "12.50"
    assert sorted(link.unit.code for link in scheme.unit_links) == ["KH", "QT"]
    saved = AuditLog.select().where(AuditLog.action == "parameters.save").order_by(AuditLog.id.desc()).get()
    assert saved.old == {"rulesets.provincial.params.adoption.city.full": "15.00"}
    assert saved.new == {"rulesets.provincial.params.adoption.city.full": "12.50"}
    assert AuditLog.select().where(AuditLog.action == "scheme.members").count() == 1


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("[scheme]", "[scheme", 1), "方案文件不是有效的 TOML"),
    (lambda t: t.replace('name = "provincial"', 'name = "没有的规则集"', 1), "未知的规则集「没有的规则集」"),
    (lambda t: t.replace('full = "15.00"', 'full = "很多"', 1), "参数有误：provincial.adoption.city.full"),
    (lambda t: t.replace("year = 2025", "year = 2026", 1), "与已有方案「市政府系统」的年度 2025 不同"),
    (lambda t: t.replace('"CS",', '"XX",', 1), "找不到单位代码：XX"),
    (lambda t: t.replace('period = "2025-Q1"', 'period = "2026-Q1"', 1), "方案文件的目标任务有误"),
    (lambda t: t.replace("format = 1", "format = 9", 1), "方案文件格式为第9版"),
])
def test_a_bad_document_is_refused_whole_in_chinese(county, registry, change, message):
    before = (current_version(county).number, ParameterVersion.select().count(),
              [(t.unit_id, t.period, t.scheme, t.submit_target) for t in Target.select()])
    text = change(dumps(county))
    with pytest.raises(KaoheError) as error:
        import_document(registry, text)
    assert message in str(error.value)
    assert (current_version(county).number, ParameterVersion.select().count(),
            [(t.unit_id, t.period, t.scheme, t.submit_target) for t in Target.select()]) == before
    assert Scheme.select().count() == 1


def test_a_new_scheme_with_a_bad_target_is_not_created(county, registry):
    text = dumps(county).replace('name = "市政府系统"', 'name = "新方案"', 1)
    text = text.replace('unit = "KH"', 'unit = "ZZ"')
    with pytest.raises(DocumentError, match="单位代码「ZZ」不存在"):
        import_document(registry, text)
    assert Scheme.get_or_none(Scheme.name == "新方案") is None


def test_kaohe_scheme_export_and_import(kaohe, county, tmp_path):
    path = tmp_path / "方案.toml"
    code, out, _ = kaohe("scheme", "export", "市政府系统", "-o", path)
    assert (code, out.strip()) == (0, f"已导出考核方案「市政府系统」（参数第3版）→ {path}")
    path.write_text(path.read_text(encoding="utf-8").replace('name = "市政府系统"', 'name = "副本"', 1),
                    encoding="utf-8")
    code, out, _ = kaohe("scheme", "import", path)
    assert (code, out.strip()) == (0, "已创建考核方案「副本」（2025年，2家单位，参数第2版）")
    code, out, _ = kaohe("scheme", "import", path)
    assert (code, out.strip()) == (0, "考核方案「副本」的参数与方案文件相同，未生成新版本（第2版）")
    (tmp_path / "坏.toml").write_text("format = 1\n[scheme]\nname = 1\n", encoding="utf-8")
    code, _, err = kaohe("scheme", "import", tmp_path / "坏.toml")
    assert code != 0 and "name（方案名称）必须填写" in err


def test_the_guides_example_document_imports(database, registry):
    import re
    from pathlib import Path
    guide = (Path(__file__).resolve().parent.parent / "docs" / "schemes.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", guide, re.S).group(1)
    for code in ("BGS", "FGK", "SWK", "TZK", "ZWZX"):
        f.unit(code, kind="division")
    scheme, created, version = import_document(registry, example)
    assert created and scheme.name == "钟楼区行政审批局信息工作考核评分细则"
    config = version.config
    assert config["rulesets"][0]["params"]["adoption"]["city"]["full"] == "15.00"
    assert config["rulesets"][0]["params"]["adoption"]["city"]["brief"] == "1.00"  # the default
    assert config["grades"]["units"][0]["bands"] == [{"grade": "达标", "min": "6.00"}, {"grade": "不达标"}]
    assert [(t.unit.code, t.period, t.scheme, t.submit_target) for t in Target.select()] == [
        ("BGS", "2025-Q1", scheme.name, 2)]
