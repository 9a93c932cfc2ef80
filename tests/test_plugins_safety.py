"""Broken department plugins: each is refused or fails its run with a message naming it, and
the other rule sets keep working."""

import shutil
from decimal import Decimal as D
from pathlib import Path

import click
import pytest

from kaohe.core.domain.errors import RecalcError
from kaohe.core.runs import store
from kaohe.core.storage import schemes
from kaohe.core.storage.models import ScoreLine, ScoreRun
from kaohe.plugins.manager import build_registry
from tests import factories as f

FIXTURES = Path(__file__).parent / "plugins_fixtures"
BUILT_INS = {"provincial", "environment", "county_bonus", "urgent_penalty", "scheme_rules"}


def plugins_folder(tmp_path, *names):
    """A plugins folder holding copies of these fixture plugins (and nothing else)."""
    folder = tmp_path / "plugins"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / f"{name}.py", folder / f"{name}.py")
    return folder


def load(tmp_path, *names):
    return build_registry(plugins_dir=plugins_folder(tmp_path, *names), entry_points=False)


def problem(registry, name):
    (info,) = [p for p in registry.problems if p.name == name]
    return info.error


# ---------------------------------------------------------------- refused at start-up

@pytest.mark.parametrize("name, message", [
    ("syntax_error", "插件「syntax_error」（{folder}/syntax_error.py）无法导入："
                     "SyntaxError: invalid syntax（syntax_error.py 第3行）"),
    ("import_error", "插件「import_error」（{folder}/import_error.py）无法导入："
                     "ModuleNotFoundError: No module named 'kaohe_no_such_module'（import_error.py 第3行）"),
    ("duplicate_provincial", "插件「duplicate_provincial」的规则集名称「provincial」与插件「provincial」的规则集重复"),
    ("bad_defaults", "插件「bad_defaults」的规则集「bad_defaults」无效：参数的默认值不能通过校验："
                     "{'bonus': ['不能小于0']}"),
    ("no_label", "插件「no_label」的规则集「no_label」无效：参数 bonus 缺少中文说明（metadata 中的 label）"),
    ("misspelled", "插件「misspelled」实现了未知的钩子 kaohe_rulesetz（是否应为 kaohe_rulesets？）"),
    ("raises_in_rulesets", "插件「raises_in_rulesets」的 kaohe_rulesets 出错：RuntimeError: 配置文件缺失"),
])
def test_a_broken_plugin_is_refused_by_name_and_the_rest_load(tmp_path, name, message):
    registry = load(tmp_path, name, "tidy")
    assert problem(registry, name) == message.replace("{folder}", str(tmp_path / "plugins"))
    assert set(registry.rulesets) == BUILT_INS | {"tidy"}
    assert not [p for p in registry.plugins if p.name == name][0].loaded


def test_two_plugins_with_one_rule_set_name_keep_the_first(tmp_path):
    registry = load(tmp_path, "twin_a", "twin_b")
    assert problem(registry, "twin_b") == "插件「twin_b」的规则集名称「twin」与插件「twin_a」的规则集重复"
    assert registry.ruleset("twin").title == "双胞胎a"


def test_a_plugin_file_named_like_a_built_in_is_refused(tmp_path):
    folder = plugins_folder(tmp_path)
    shutil.copy(FIXTURES / "tidy.py", folder / "provincial.py")
    registry = build_registry(plugins_dir=folder, entry_points=False)
    (refused,) = registry.problems
    assert refused.error == ("插件名称「provincial」已被内置规则集（kaohe.rulesets.provincial）占用，请为插件改名")
    assert registry.ruleset("provincial").title == "省政府信息采用计分"


def test_a_hook_that_raises_is_recorded_against_its_plugin(tmp_path):
    registry = load(tmp_path, "loud_hooks", "tidy")
    group = click.Group("kaohe")
    assert registry.hook.kaohe_commands(cli=group) == []
    assert problem(registry, "loud_hooks") == (
        "插件「loud_hooks」的钩子 kaohe_commands 出错：RuntimeError: 命令注册失败（loud_hooks.py 第8行）")
    assert registry.hook.kaohe_admin_views(app=None) == []
    assert problem(registry, "loud_hooks").endswith(
        "；插件「loud_hooks」的钩子 kaohe_admin_views 出错：RuntimeError: 页面注册失败（loud_hooks.py 第13行）")
    assert "tidy" in registry.rulesets


def test_the_kaohe_command_still_runs_and_reports_the_broken_plugin(database, tmp_path, monkeypatch,
                                                                    capsys):
    from kaohe import cli
    from kaohe.core.storage import db as dbmod
    monkeypatch.setenv("KAOHE_PLUGINS_DIR", str(plugins_folder(tmp_path, "loud_hooks", "syntax_error",
                                                               "tidy")))
    with pytest.raises(SystemExit) as exited:
        cli.main(["plugins"])
    dbmod.configure()
    assert exited.value.code == 3
    out, err = capsys.readouterr()
    listed = [line.split()[:3] for line in out.splitlines()[2:]]
    assert ["tidy", "测试规则集", "1.0"] in listed and ["provincial", "省政府信息采用计分", "1.0"] in listed
    assert "未加载：插件「syntax_error」" in err
    assert "插件「loud_hooks」的钩子 kaohe_commands 出错：RuntimeError: 命令注册失败" in err


# ---------------------------------------------------------------- failing at run time

@pytest.fixture
def office(database):
    a, b = f.unit("A", "甲县"), f.unit("B", "乙县")
    prov = f.publication("P", "provincial", "专报信息")
    first = f.item([a], "2025-03-03", no="2025-0001")
    f.adoption(first, prov, "2025-03-10")
    f.item([b], "2025-03-04", no="2025-0002", category="news")
    return a, b


@pytest.mark.parametrize("fault, message", [
    ("float", "规则集「sloppy」（插件「faulty」）返回了无效的计分行（稿件 2025-0001）："
              "分值应为 Decimal，实际为 float/Decimal；本次计算未保存，已有结果保持不变"),
    ("unknown_unit", "规则集「sloppy」（插件「faulty」）返回了无效的计分行："
                     "单位 id 999999 不是本方案的成员单位；本次计算未保存，已有结果保持不变"),
    ("unknown_item", "规则集「sloppy」（插件「faulty」）返回了无效的计分行："
                     "稿件 id 888888 不在本期数据中；本次计算未保存，已有结果保持不变"),
    ("no_explanation", "规则集「sloppy」（插件「faulty」）返回了无效的计分行（稿件 2025-0001）："
                       "缺少中文说明（explanation）；本次计算未保存，已有结果保持不变"),
    ("raise", "规则集「sloppy」（插件「faulty」）在稿件 2025-0001 上出错：InvalidOperation: "
              "[<class 'decimal.ConversionSyntax'>]；本次计算未保存，已有结果保持不变"),
])
def test_a_faulty_rule_set_fails_the_run_whole_and_stores_nothing(tmp_path, office, fault, message):
    registry = load(tmp_path, "faulty")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial", "sloppy"])
    earlier = store.recalculate(registry, scheme, "2025-03").run
    lines_before = ScoreLine.select().count()
    schemes.set_param(registry, scheme, "sloppy.fault", fault, reason="测试故障")
    with pytest.raises(RecalcError) as raised:
        store.recalculate(registry, scheme, "2025-03")
    assert str(raised.value) == message
    assert raised.value.ruleset == "sloppy"
    assert [r.id for r in ScoreRun.select()] == [earlier.id]
    assert ScoreLine.select().count() == lines_before


def test_other_schemes_keep_working_beside_a_broken_rule_set(tmp_path, office):
    registry = load(tmp_path, "faulty", "syntax_error")
    broken = schemes.create_scheme(registry, "有缺陷", 2025, ["sloppy"])
    schemes.set_param(registry, broken, "sloppy.fault", "raise", reason="测试故障")
    sound = schemes.create_scheme(registry, "省级", 2025, ["provincial"])
    with pytest.raises(RecalcError):
        store.recalculate(registry, broken, "2025-03")
    outcome = store.recalculate(registry, sound, "2025-03")
    assert {u.code: u.points for u in outcome.units.values()} == {"A": D("20.00"), "B": D("0.00")}


# ---------------------------------------------------------------- versions in the run history

def test_an_upgraded_plugin_shows_in_the_run_history(tmp_path, office):
    folder = plugins_folder(tmp_path, "tidy")
    registry = build_registry(plugins_dir=folder, entry_points=False)
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial", "tidy"])
    first = store.recalculate(registry, scheme, "2025-03").run
    source = (folder / "tidy.py").read_text(encoding="utf-8")
    (folder / "tidy.py").write_text(source.replace('version = "1.0"', 'version = "1.1"'),
                                    encoding="utf-8")
    upgraded = build_registry(plugins_dir=folder, entry_points=False)  # the next process
    second = store.recalculate(upgraded, scheme, "2025-03").run
    history = [(run.id, run.ruleset_versions) for run in ScoreRun.select().order_by(ScoreRun.id)]
    assert history == [(first.id, {"provincial": "1.0", "tidy": "1.0"}),
                       (second.id, {"provincial": "1.0", "tidy": "1.1"})]
