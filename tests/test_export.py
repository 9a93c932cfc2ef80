"""Exporting: data in the import format (export → import reproduces every row), rankings, score lines."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange import exporter
from kaohe.core.exchange.cells import cell_converter
from kaohe.core.exchange.exporter import export_data, export_lines, export_ranking, neutralise
from kaohe.core.exchange.importer import import_files, stored_rows
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import Item, UrgentFollowUp, UrgentReport
from tests.export_support import TRICKY_TITLES, city, run  # noqa: F401 (fixtures and helpers)


def snapshot():
    """Every stored row of the ten kinds, as codes and values (ids left out)."""
    return {kind.name: [values for _, values in stored_rows(kind)] for kind in KINDS.values()}


def fresh_database(tmp_path, name):
    database = dbmod.configure(f"sqlite:///{tmp_path / name}")
    database.connect(reuse_if_open=True)
    create_tables()
    return database


# ---------------------------------------------------------------- round trips

def test_xlsx_export_imports_into_an_empty_database_unchanged(city, tmp_path):
    UrgentFollowUp.create(report=UrgentReport.select().order_by(UrgentReport.id).first(),
                          reported_at=datetime.datetime(2025, 3, 8, 17, 0), content="已转移群众12人")
    before = snapshot()
    assert [len(rows) for rows in before.values()] == [5, 3, 3, 1, 9, 4, 2, 2, 1, 2, 2, 0, 0]
    path = tmp_path / "数据.xlsx"
    path.write_bytes(export_data(None, "xlsx"))
    fresh = fresh_database(tmp_path, "fresh.sqlite3")
    report = import_files([path])
    assert {name: count["created"] for name, count in report.counts.items()} == {
        name: len(rows) for name, rows in before.items()}
    assert snapshot() == before
    fresh.close()


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_exports_of_each_kind_import_into_an_empty_database_unchanged(city, tmp_path, encoding):
    before = snapshot()
    paths = []
    for kind in KINDS.values():
        path = tmp_path / f"{kind.label}.csv"
        path.write_bytes(export_data([kind.name], "csv", encoding))
        paths.append(path)
    fresh = fresh_database(tmp_path, "fresh.sqlite3")
    import_files(paths)
    assert snapshot() == before
    fresh.close()


def test_the_data_export_uses_the_import_words(city, tmp_path):
    text = export_data(["稿件"], "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["稿件编号", "标题", "报送日期", "报送单位", "作者", "类别", "负反馈", "约稿编号", "标签"]
    assert rows[8] == ["2025-0100", "两县联合治水", "2025-04-01", "CS、KH", "R2、R1", "问题", "是", "YG1", ""]
    units = list(csv.reader(io.StringIO(export_data(["units"], "csv").decode("utf-8-sig"))))
    assert units[4] == ["HB", "华埠镇", "乡镇", "一类乡镇", "", "KH"]
    urgent = list(csv.reader(io.StringIO(export_data(["urgent"], "csv").decode("utf-8-sig"))))
    assert urgent[1] == ["JJ1", "KH", "'=HYPERLINK(\"x\")", "较大", "2025-03-08 14:30", "2025-03-08 19:05:30",
                         "已报", "是", "R1", ""]
    assert urgent[2] == ["JJ2", "CS", "化工厂火灾", "特别重大", "2025-05-01 08:00", "", "瞒报", "否", "", ""]


def test_the_data_rows_are_streamed_and_are_the_rows_an_import_reads(city):
    """kind_rows reads a kind's table and its link tables side by side as a generator; its cells
    are the stored rows the import compares (stored_rows) through the import format's cells,
    every one of the same type: lists in their written order, owners without links empty."""
    UrgentFollowUp.create(report=UrgentReport.select().order_by(UrgentReport.id).first(),
                          reported_at=datetime.datetime(2025, 3, 8, 17, 0), content="已转移群众12人")
    Item.create(no="2025-0999", title="无单位无作者", submitted_on=datetime.date(2025, 6, 1),
                category="experience", created_at=datetime.datetime(2025, 6, 1, 9, 0))
    for kind in KINDS.values():
        rows = exporter.kind_rows(kind)
        assert iter(rows) is rows  # read as written, never a list of them all
        fields = kind.schema().fields
        converters = [cell_converter(fields[name]) for name, _ in kind.columns]
        expected = [[convert(values.get(name)) for convert, (name, _) in zip(converters, kind.columns)]
                    for _, values in stored_rows(kind)]
        got = list(rows)
        assert got == expected, kind.name
        assert [[type(cell) for cell in row] for row in got] == [
            [type(cell) for cell in row] for row in expected], kind.name
    items = {row[0]: row for row in exporter.kind_rows(KINDS["items"])}
    assert items["2025-0100"][3:5] == ["CS、KH", "R2、R1"]
    assert items["2025-0999"][3:5] == ["", ""]


def test_csv_can_hold_one_kind_only(database):
    with pytest.raises(KaoheError) as error:
        export_data(["units", "items"], "csv")
    assert str(error.value) == "一个 CSV 文件只能放一种数据（这次有 2 种），请分别导出，或导出为 xlsx"


# ---------------------------------------------------------------- formulas

def test_neutralise_only_text_that_would_run():
    assert [neutralise(t) for t in ["=1+1", "@SUM(A1)", "-2", "+x", "\tA", "\rB", "'q", "普通", ""]] == [
        "'=1+1", "'@SUM(A1)", "'-2", "'+x", "'\tA", "'\rB", "''q", "普通", ""]


def test_formula_like_titles_are_text_in_xlsx_and_come_back_identical(city, tmp_path):
    path = tmp_path / "稿件.xlsx"
    path.write_bytes(export_data(["items"], "xlsx"))
    sheet = load_workbook(path)["稿件"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, max_row=8)]
    assert [cell.value for cell in titles] == [
        "'=1+1", "'@SUM(A1)", "'-负面信息", "'+86 热线", "''引号开头", "'''两个引号", "普通标题"]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None} == {"s", "d"}
    Item.update(title="改掉了").execute()
    import_files([path])
    assert [i.title for i in Item.select().order_by(Item.id)][:7] == TRICKY_TITLES


# ---------------------------------------------------------------- a run's results



def rows_of(path, sheet):
    return [[cell for cell in row] for row in load_workbook(path)[sheet].iter_rows()]


RANKING_HEADERS = ["单位代码", "单位名称", "考核组别", "名次", "得分", "奖惩（元）", "采用率", "报送数",
                   "采用数", "国家级采用", "省级采用", "市级采用", "折算分", "一票否决", "同分说明"]
VETO = "紧急信息「化工厂火灾」（特别重大）瞒报，一票否决"


def test_ranking_xlsx_keeps_amounts_as_numbers_with_two_places(run, tmp_path):
    path = tmp_path / "排名.xlsx"
    path.write_bytes(export_ranking(run, "xlsx"))
    rows = list(load_workbook(path)["排名"].iter_rows())
    assert [cell.value for cell in rows[0]] == RANKING_HEADERS
    # 开化县: 20 + 20 + 1.5 + 5 (adoptions) + 50 + 5 (instructions) − 20 late − 20 misreported
    assert [cell.value for cell in rows[1]] == [
        "KH", "开化县", "县(市、区)", 1, Decimal("61.50"), 0, Decimal("0.25"), 8, 2, 1, 2, 0, None, None, None]
    assert [cell.value for cell in rows[2]] == [
        "CS", "常山县", "县(市、区)", 2, Decimal("-28.50"), 0, 1, 1, 1, 0, 1, 0, None, VETO, None]
    negative = rows[2][4]
    assert (negative.data_type, negative.number_format) == ("n", "0.00")
    assert (rows[1][6].data_type, rows[1][6].number_format) == ("n", "0.00%")


def test_ranking_csv(run):
    text = export_ranking(run, "csv").decode("utf-8-sig")
    assert text.splitlines() == [
        ",".join(RANKING_HEADERS),
        "KH,开化县,县(市、区),1,61.50,0.00,25.00%,8,2,1,2,0,,,",
        f"CS,常山县,县(市、区),2,-28.50,0.00,100.00%,1,1,0,1,0,,{VETO},",
    ]


def test_score_lines_csv_say_whose_which_item_and_why(run, city):
    _, cs = city
    rows = list(csv.reader(io.StringIO(export_lines(run, "csv", unit=cs).decode("utf-8-sig"))))
    assert rows == [
        ["单位代码", "单位名称", "信息员编号", "信息员", "稿件编号", "标题", "规则集", "规则", "类型", "得分",
         "奖惩（元）", "说明"],
        ["CS", "常山县", "", "", "2025-0100", "两县联合治水", "provincial", "adoption", "计分", "1.50", "0.00",
         "《专报信息》（省级）简讯采用，计3分（合报2家，各1.5分）"],
        ["CS", "常山县", "", "", "2025-0100", "两县联合治水", "provincial", "adoption", "计分", "5.00", "0.00",
         "《国办信息》（国家级）上报，计10分（合报2家，各5分）"],
        ["CS", "常山县", "", "", "2025-0100", "两县联合治水", "provincial", "instruction", "计分", "5.00",
         "0.00", "市级领导2025年4月20日批示，计10分（合报2家，各5分）"],
        ["CS", "常山县", "", "", "", "", "urgent_penalty", "concealed", "计分", "-40.00", "0.00",
         "紧急信息「化工厂火灾」（特别重大，发生于2025年5月1日08:00）瞒报扣40分"],
        ["CS", "常山县", "", "", "", "", "urgent_penalty", "veto", "一票否决", "0.00", "0.00", VETO],
    ]


def test_score_lines_xlsx_negative_points_stay_numbers_and_titles_stay_text(run, tmp_path):
    path = tmp_path / "明细.xlsx"
    path.write_bytes(export_lines(run, "xlsx"))
    rows = list(load_workbook(path)["计分明细"].iter_rows(min_row=2))
    assert len(rows) == 13
    first = rows[0]
    assert (first[4].value, first[5].value, first[5].data_type) == ("2025-0001", "'=1+1", "s")
    late = next(row for row in rows if row[7].value == "late")
    assert (late[9].value, late[9].data_type, late[9].number_format) == (-20, "n", "0.00")
    assert late[11].value == "紧急信息「=HYPERLINK(\"x\")」（较大，发生于2025年3月8日14:30）首报于19:05，超过4小时时限，迟报扣20分"
    assert late[11].data_type == "s"


# ---------------------------------------------------------------- the command


def test_kaohe_export_ranking_lines_and_data(kaohe, run, tmp_path):
    code, out, _ = kaohe("export", "ranking", "市政府系统", "--period", "2025", "-o", tmp_path / "排名.csv")
    assert (code, out.strip()) == (0, f"已导出「市政府系统」第 {run.id} 次计算（2025，未发布的结果）的排名，"
                                      f"共 2 行 → {tmp_path / '排名.csv'}")
    assert (tmp_path / "排名.csv").read_bytes() == export_ranking(run, "csv")
    code, out, _ = kaohe("export", "lines", "市政府系统", "--run", run.id, "--unit", "CS",
                         "--format", "xlsx", "-o", tmp_path / "明细")
    assert code == 0 and out.endswith(f"的计分明细，共 5 行 → {tmp_path / '明细'}\n")
    lines = load_workbook(io.BytesIO((tmp_path / "明细").read_bytes()))["计分明细"]
    rule_sets = {row[6] for row in lines.iter_rows(values_only=True)}
    assert "省政府信息采用计分（provincial）" in rule_sets and "provincial" not in rule_sets
    code, out, _ = kaohe("export", "all", "-o", tmp_path / "数据.xlsx")
    assert out.strip() == (f"已导出：单位 5 条，信息员 3 条，刊物 3 条，约稿 1 条，稿件 9 条，采用 4 条，批示 2 条，"
                           f"紧急信息 2 条，续报 0 条，单位事实 2 条，目标任务 2 条，加减分 0 条，单位类型 0 条 → {tmp_path / '数据.xlsx'}")
    assert load_workbook(tmp_path / "数据.xlsx").sheetnames == [kind.label for kind in KINDS.values()]
    code, _, _ = kaohe("export", "稿件", "-o", tmp_path / "稿件.csv", "--encoding", "gbk")
    assert (tmp_path / "稿件.csv").read_bytes() == export_data(["items"], "csv", "gbk")


@pytest.mark.parametrize("args, message", [
    (("ranking", "-o", "排名.xlsx"), "导出排名或计分明细时须给出考核方案名称，如 kaohe export ranking 市政府系统"),
    (("ranking", "没有的方案", "-o", "排名.xlsx"), None),
    (("考核", "-o", "x.xlsx"), "未知的数据种类「考核」，应为 单位/信息员/刊物/约稿/稿件/采用/批示/紧急信息/续报/单位事实/目标任务/加减分/单位类型 之一，或 all 全部"),
    (("稿件", "-o", "稿件.txt"), "无法从文件名「稿件.txt」看出格式，请用 --format xlsx 或 --format csv"),
    (("units,items", "-o", "x.csv"), "一个 CSV 文件只能放一种数据（这次有 2 种），请分别导出，或导出为 xlsx"),
])
def test_kaohe_export_refuses_with_a_chinese_message(kaohe, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = kaohe("export", *args)
    assert (code, out) == (1, "")
    assert err.startswith("错误：")
    if message:
        assert err.strip() == f"错误：{message}"
    assert not any(path.suffix in (".xlsx", ".csv", ".txt") for path in tmp_path.iterdir())


def test_score_lines_name_rule_sets_and_rules_in_the_clerks_words(run, city, registry):
    # With the install's rule sets the columns read 省政府信息采用计分（provincial）, 采用计分（adoption),
    # each row's label from the rule set's own rows; the code stays beside it for support.
    _, cs = city
    rows = list(csv.reader(io.StringIO(export_lines(run, "csv", unit=cs, registry=registry)
                                       .decode("utf-8-sig"))))
    assert [row[6:8] for row in rows[1:]] == [
        ["省政府信息采用计分（provincial）", "采用计分（adoption）"],
        ["省政府信息采用计分（provincial）", "采用计分（adoption）"],
        ["省政府信息采用计分（provincial）", "领导批示计分（instruction）"],
        ["紧急信息迟报漏报瞒报扣分（urgent_penalty）", "瞒报扣分（concealed）"],
        ["紧急信息迟报漏报瞒报扣分（urgent_penalty）", "一票否决（veto）"],
    ]
