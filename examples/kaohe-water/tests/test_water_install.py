"""The plugin as installed: found through the `kaohe` entry point, and its `kaohe water` command."""

import importlib.metadata
import json

import click
from click.testing import CliRunner
from kaohe_water import __version__
from water_data import item, unit

from kaohe.cli import State, main
from kaohe.core.storage.models import Scheme


def test_installed_and_found_by_its_entry_point(registry):
    (entry,) = importlib.metadata.entry_points(group="kaohe", name="water")
    assert (entry.value, entry.dist.name, entry.dist.version) == (
        "kaohe_water.plugin", "kaohe-water", __version__)
    info = registry.ruleset_plugin["water"]
    assert (info.name, info.source, info.origin, info.error) == (
        "water", "entrypoint", f"kaohe-water {__version__}", "")
    water = registry.ruleset("water")
    assert (water.title, water.version) == ("水利系统政务信息考核", "1.0.0")
    assert "water" not in [p.name for p in registry.problems]


def test_kaohe_plugins_lists_it(database, capsys):
    assert main(["plugins", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"name": "water", "title": "水利系统政务信息考核", "version": "1.0.0", "plugin": "water",
            "source": "entrypoint", "origin": f"kaohe-water {__version__}"} in listed["rulesets"]
    assert listed["problems"] == []


def test_its_hook_adds_the_water_command(registry):
    group = click.Group("kaohe")
    registry.hook.kaohe_commands(cli=group)
    assert sorted(group.commands["water"].commands) == ["init", "quota"]


def test_water_init_and_quota_from_the_kaohe_command(database, capsys, today):
    w01 = unit("W01", "城区水利站")
    unit("W02", "河道管理所")
    assert main(["water", "init", "水利局2025", "--year", "2025"]) == 0
    assert capsys.readouterr().out == (
        "已建立水利系统考核方案「水利局2025」（2025年，2家单位，规则集：water；"
        "信息工作折算为目标考核3分，参数第2版）\n")
    assert Scheme.get(Scheme.name == "水利局2025").unit_links.count() == 2
    for day in ("2025-03-03", "2025-03-04", "2025-03-12", "2025-03-31"):
        item(w01, day)
    assert main(["water", "quota", "水利局2025", "--period", "2025-03"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "水利局2025 2025年3月每周报送任务（每周2篇，每少报1篇扣0.1分）",
        "代码  单位        第10周 3/3—3/9  第11周 3/10—3/16  第12周 3/17—3/23  第13周 3/24—3/30  少报  扣分",
        "----  ----------  --------------  ----------------  ----------------  ----------------  ----  ----",
        "W01   城区水利站  2/2             1/2 ✗             0/2 ✗             0/2 ✗             5     -0.5",
        "W02   河道管理所  0/2 ✗           0/2 ✗             0/2 ✗             0/2 ✗             8     -0.8",
    ]
    assert main(["water", "quota", "水利局2025", "--period", "2025-03", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["units"][0] == {"unit": "W01", "name": "城区水利站", "submitted": [2, 1, 0, 0],
                                  "missing": 5, "points": "-0.50"}


def test_water_quota_refuses_a_period_outside_the_scheme_year(database, registry, today):
    unit("W01")
    runner = CliRunner()
    group = click.Group("kaohe")
    registry.hook.kaohe_commands(cli=group)
    created = runner.invoke(group, ["water", "init", "水利局", "--year", "2025"], obj=State(registry))
    assert created.exit_code == 0, created.output
    refused = runner.invoke(group, ["water", "quota", "水利局", "--period", "2024-03"],
                            obj=State(registry))
    assert str(refused.exception) == "期间 2024-03 不在考核方案「水利局」的年度 2025 内"
