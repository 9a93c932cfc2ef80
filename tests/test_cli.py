"""The `kaohe` command end to end on a temporary database, as an office's scripts would call it."""

import csv
import io
import json

import pytest

from kaohe import cli as climod
from kaohe.cli import base as cli_base
from kaohe.cli import runs as cli_runs
from kaohe.core.domain.progress import NoProgress
from tests import factories as f


@pytest.fixture
def city(database):
    """Two counties and a department; 开化县 has DOMAIN.md's example item (90 points)."""
    kh = f.unit("KH", "开化县")
    cs = f.unit("CS", "常山县")
    f.unit("FG", "市发改委", kind="department", sector="工业")
    writer = f.reporter("R1", kh, "张三")
    zb = f.publication("SZB", "provincial", "《专报信息》")
    gb = f.publication("GB", "national", "国办信息")
    example = f.item([kh], "2025-03-01", no="2025-0001", title="开化县推进河长制", authors=[writer])
    f.adoption(example, zb, "2025-03-10", "full")
    f.adoption(example, gb, "2025-03-12", "combined")
    f.instruction(example, "provincial", "2025-03-20")
    joint = f.item([kh, cs], "2025-04-01", no="2025-0002", title="两县联合治水")
    f.adoption(joint, zb, "2025-04-10", "full")
    return kh, cs


def test_init_db_and_help_speak_both_languages(kaohe):
    code, out, _ = kaohe("init-db")
    assert code == 0 and "数据库已就绪" in out
    code, out, _ = kaohe("recalc", "--help")
    assert code == 0
    assert "重新计算并保存一次计分结果" in out and "Recalculate and store a score run" in out


def test_scheme_recalc_ranking_explain_cycle(kaohe, city):
    code, out, _ = kaohe("scheme", "create", "市政府系统", "--year", "2025",
                         "--rulesets", "provincial,county_bonus,urgent_penalty")
    assert code == 0 and "3家单位" in out
    code, out, _ = kaohe("recalc", "市政府系统")
    assert code == 0 and "第 1 次计算完成" in out

    code, out, _ = kaohe("ranking", "市政府系统", "--format", "json")
    assert code == 0
    rows = {row["unit"]: row for row in json.loads(out)}
    # 开化县: 20 + 20 + 50 = 90, plus half of 20 for the joint item = 100; 常山县: 10
    assert rows["KH"] == {**rows["KH"], "name": "开化县", "pool": "county", "points": "100.00",
                          "yuan": "0.00", "rank": 1, "adoption_rate": "1.0000"}
    assert (rows["CS"]["points"], rows["CS"]["rank"]) == ("10.00", 2)
    assert (rows["FG"]["points"], rows["FG"]["pool"], rows["FG"]["rank"]) == ("0.00", "department", 1)

    code, out, _ = kaohe("ranking", "市政府系统", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [(r["unit"], r["points"]) for r in parsed] == [("KH", "100.00"), ("CS", "10.00"),
                                                          ("FG", "0.00")]

    code, out, _ = kaohe("ranking", "市政府系统")
    assert "未发布，非正式结果" in out and "开化县" in out and "100.00" in out

    code, out, _ = kaohe("explain", "市政府系统", "--unit", "CS", "--format", "json")
    explained = json.loads(out)
    assert explained["points"] == "10.00"
    assert [(line["item"], line["points"], line["explanation"]) for line in explained["lines"]] == [
        ("2025-0002", "10.00", "《专报信息》（省级）全文采用，计20分（合报2家，各10分）")]

    code, out, _ = kaohe("explain", "市政府系统", "--unit", "KH")
    assert "开化县（KH）：100分" in out and "2025-0001《开化县推进河长制》" in out


def test_month_periods_and_set_then_diff(kaohe, city):
    kaohe("scheme", "create", "S", "--year", "2025", "--rulesets", "provincial")
    kaohe("recalc", "S", "--period", "2025-03")
    code, out, _ = kaohe("scheme", "set", "S", "provincial.adoption.provincial.full", "25",
                         "--reason", "2025年新办法")
    assert code == 0
    assert "rulesets.provincial.params.adoption.provincial.full: 20.00 → 25.00" in out
    kaohe("recalc", "S", "--period", "2025-03")
    code, out, _ = kaohe("ranking", "S", "--period", "2025-03", "--format", "json")
    assert {r["unit"]: r["points"] for r in json.loads(out)}["KH"] == "95.00"
    code, out, _ = kaohe("diff", "S", "1", "2", "--format", "json")
    changes = json.loads(out)
    assert [(u["unit"], u["points_a"], u["points_b"]) for u in changes["units"]] == [
        ("KH", "90.00", "95.00")]
    assert len(changes["lines"]) == 1


def test_publish_then_awards_are_official(kaohe, city):
    kaohe("scheme", "create", "S", "--year", "2025", "--rulesets", "provincial")
    kaohe("recalc", "S")
    code, out, _ = kaohe("awards", "S", "--format", "json")
    awards = json.loads(out)
    assert awards["official"] is False
    assert [(u["code"], u["points"]) for u in awards["units"]] == [("KH", "100.00"), ("CS", "10.00")]
    assert [(r["code"], r["points"]) for r in awards["reporters"]] == [("R1", "90.00")]
    code, out, _ = kaohe("publish", "S", "1", "--by", "王科长")
    assert code == 0
    code, out, _ = kaohe("awards", "S", "--format", "json")
    assert json.loads(out)["official"] is True
    code, out, _ = kaohe("runs", "S")
    assert "正式发布" in out


def test_show_and_versions(kaohe, city):
    kaohe("scheme", "create", "S", "--year", "2025", "--rulesets", "provincial,urgent_penalty")
    code, out, _ = kaohe("scheme", "show", "S")
    # each value in its labels' words, with the path `kaohe scheme set` takes beside it
    assert code == 0 and ("  采用计分（按刊物级别和采用形式） · 国家级全文采用：50分    "
                          "[provincial.adoption.national.full]") in out
    assert "特定刊物分值 · 第1行 · 采用形式：全文采用" in out
    code, out, _ = kaohe("scheme", "show", "S", "--format", "json")
    assert [e["name"] for e in json.loads(out)["config"]["rulesets"]] == ["provincial",
                                                                          "urgent_penalty"]
    kaohe("scheme", "rulesets", "S", "urgent_penalty", "--reason", "只算紧急信息")
    code, out, _ = kaohe("scheme", "versions", "S")
    assert "只算紧急信息" in out
    code, out, _ = kaohe("scheme", "restore", "S", "1")
    assert code == 0 and "保存为第3版" in out


@pytest.mark.parametrize("args, message", [
    (("ranking", "无此方案"), "没有名为「无此方案」的考核方案"),
    (("recalc", "S", "--period", "2025-13"), "无法识别的期间「2025-13」"),
    (("ranking", "S", "--period", "2025-05"), "尚未计算"),
    (("scheme", "set", "S", "provincial.adoption.city.full", "五", "--reason", "x"), "不是有效的数字"),
    (("scheme", "create", "T", "--year", "2025", "--rulesets", "nosuch"), "未知的规则集「nosuch」"),
    (("explain", "S", "--unit", "NOPE"), "找不到单位代码「NOPE」"),
])
def test_errors_exit_non_zero_with_one_line(kaohe, city, args, message):
    kaohe("scheme", "create", "S", "--year", "2025", "--rulesets", "provincial")
    kaohe("recalc", "S")
    code, out, err = kaohe(*args)
    assert code == 1
    assert err.startswith("错误：") and message in err and err.count("\n") == 1


def test_plugins_lists_the_built_ins(kaohe):
    code, out, _ = kaohe("plugins", "--format", "json")
    listed = {r["name"]: r for r in json.loads(out)["rulesets"]}
    assert code == 0
    assert set(listed) >= {"provincial", "environment", "county_bonus", "urgent_penalty"}
    assert listed["provincial"]["title"] == "省政府信息采用计分"
    assert listed["provincial"]["origin"] == "kaohe.rulesets.provincial"


def test_recalc_draws_its_progress_on_a_terminal(kaohe, city, monkeypatch):
    """`kaohe recalc` tells a terminal how far the scoring (a step per rule set, one for the
    ranking) and the storing (rows) have got; each bar ends full."""
    bars = []

    class Bar(NoProgress):
        def __init__(self, label, total):
            self.label, self.total, self.done = label, total, 0
            bars.append(self)

        def update(self, n):
            self.done += n

    monkeypatch.setattr(cli_runs, "progress_bar", Bar)
    kaohe("scheme", "create", "市政府系统", "--year", "2025",
          "--rulesets", "provincial,county_bonus,urgent_penalty")
    code, out, _ = kaohe("recalc", "市政府系统")
    assert code == 0
    # 5 lines (开化县's three, the joint item's two halves), 3 units, 1 reporter
    assert [(b.label, b.total, b.done) for b in bars] == [("计分", 4, 4), ("保存", 9, 9)]


def test_the_progress_bar_is_drawn_on_a_terminal_only(monkeypatch):
    import click

    class Stream(io.StringIO):
        terminal = False

        def isatty(self):
            return self.terminal

    stream = Stream()
    monkeypatch.setattr("sys.stderr", stream)
    assert isinstance(cli_base.progress_bar("计分", 3), NoProgress)
    stream.terminal = True
    assert isinstance(cli_base.progress_bar("计分", 3), click._termui_impl.ProgressBar)


def test_a_plugins_command_exists_only_in_the_command_built_with_that_plugin(tmp_path):
    from kaohe.cli import command_group
    from kaohe.plugins.manager import build_registry
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "hello.py").write_text(
        "import click\nfrom kaohe.plugins import hookimpl\n\n\n@hookimpl\ndef kaohe_commands(cli):\n"
        "    @cli.command('hello')\n    def hello():\n        click.echo('你好')\n", encoding="utf-8")
    with_plugin = command_group(build_registry(plugins_dir=folder, entry_points=False))
    without = command_group(build_registry(plugins_dir=tmp_path / "none", entry_points=False))
    assert "hello" in with_plugin.commands
    assert "hello" not in without.commands
    assert "hello" not in climod.cli.commands  # the module's group is never changed
    assert set(without.commands) == set(climod.cli.commands)
