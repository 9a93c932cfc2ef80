"""The check a clerk reads before confirming: new rows, each changed field's old and new value, warnings."""

import csv

from kaohe.core.exchange.import_templates import template_workbook
from kaohe.core.exchange.importer import import_files
from kaohe.core.exchange.preview import ChangedRow, NewRow
from kaohe.core.exchange.reading import RowError
from kaohe.core.storage.models import Item, Unit
from tests import factories as f


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


ITEMS_HEADER = ["稿件编号", "标题", "报送日期", "报送单位", "作者", "类别", "负反馈"]


def test_the_check_lists_new_rows_and_each_changed_field(database, tmp_path):
    kh = f.unit("KH", "开化县")
    f.unit("CS", "常山县")
    f.item([kh], no="2025-0001", title="开化县推进河长制", submitted_on="2025-03-01", category="news")
    f.item([kh], no="2025-0002", title="不变的稿件", submitted_on="2025-03-02", category="news")
    path = write_csv(tmp_path / "稿件.csv", [
        ITEMS_HEADER,
        ["2025-0001", "开化县全面推进河长制", "2025-03-01", "KH、cs", "", "经验", "否"],
        ["2025-0002", "不变的稿件", "2025-03-02", "kh", "", "动态", "否"],
        ["2025-0003", "常山县新稿件", "2025/3/9", "CS", "", "问题类", "是"],
    ])
    report = import_files([path], dry_run=True)
    assert report.counts["items"] == {"created": 1, "updated": 1, "unchanged": 1}
    assert report.changes["items"] == [ChangedRow("稿件.csv", 2, "稿件编号 2025-0001", (
        ("标题", "开化县推进河长制", "开化县全面推进河长制"),
        ("报送单位", "KH", "KH、cs"),  # as written; cs names the stored CS
        ("类别", "动态", "经验"),
    ))]
    assert report.new_rows["items"] == [NewRow("稿件.csv", 4, (
        ("稿件编号", "2025-0003"), ("标题", "常山县新稿件"), ("报送日期", "2025-03-09"), ("报送单位", "CS"),
        ("作者", ""), ("类别", "问题"), ("负反馈", "是"), ("约稿编号", ""), ("标签", "")))]
    assert report.warnings == []
    assert report.months == ["2025-03"]
    assert Item.select().count() == 2  # a check writes nothing


def test_only_the_first_hundred_rows_are_listed_but_all_are_counted(database, tmp_path):
    f.unit("KH")
    rows = [ITEMS_HEADER] + [[f"N{n:03d}", f"稿件{n}", "2025-03-01", "KH", "", "", ""] for n in range(250)]
    report = import_files([write_csv(tmp_path / "稿件.csv", rows)], dry_run=True)
    assert report.counts["items"]["created"] == 250
    assert [row.row for row in report.new_rows["items"]] == list(range(2, 102))


def test_the_templates_example_rows_are_warned_about_not_refused(database, tmp_path):
    path = tmp_path / "导入模板.xlsx"
    path.write_bytes(template_workbook())
    report = import_files([path], dry_run=True)
    units = [w for w in report.warnings if w.source == "导入模板.xlsx › 单位"]
    assert units == [RowError("导入模板.xlsx › 单位", 2, None,
                              "这一行是导入模板的示例行（单位代码 330824），导入后会作为真实数据写入；"
                              "如不需要，请删除这一行后重新检查")]
    assert {w.source.split(" › ")[1] for w in report.warnings} == {
        "单位", "信息员", "刊物", "约稿", "稿件", "采用", "批示", "紧急信息", "续报", "单位事实",
        "目标任务", "加减分", "单位类型"}
    assert Unit.select().count() == 0


def test_a_row_like_the_example_but_changed_is_not_warned_about(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", [["单位代码", "单位名称", "单位类型"], ["330824", "开化县", "县区"],
                                           ["330825", "开化县", "县区"]])
    assert import_files([path], dry_run=True).warnings[0].row == 2
    assert len(import_files([path], dry_run=True).warnings) == 1
    changed = write_csv(tmp_path / "单位.csv", [["单位代码", "单位名称", "单位类型"], ["330824", "开化", "县区"]])
    assert import_files([changed], dry_run=True).warnings == []


def test_an_adoption_before_its_item_was_submitted_is_warned_about(database, tmp_path):
    kh = f.unit("KH")
    f.publication("ZJZB", "provincial")
    f.item([kh], no="OLD-1", submitted_on="2025-03-10")
    items = write_csv(tmp_path / "稿件.csv", [ITEMS_HEADER, ["NEW-1", "新稿件", "2025-03-08", "KH", "", "", ""]])
    adoptions = write_csv(tmp_path / "采用.csv", [
        ["稿件编号", "刊物代码", "期号", "采用日期", "采用形式"],
        ["old-1", "ZJZB", "第1期", "2025-03-09", "全文"],  # the stored item was submitted on 3-10
        ["NEW-1", "ZJZB", "第1期", "2025-03-07", "全文"],  # the file's item is dated 3-08
        ["NEW-1", "ZJZB", "第2期", "2025-03-08", "全文"],  # the same day is fine
    ])
    instructions = write_csv(tmp_path / "批示.csv", [
        ["稿件编号", "批示领导级别", "批示领导", "批示日期"], ["OLD-1", "省", "王副省长", "2025-03-01"]])
    report = import_files([items, adoptions, instructions], dry_run=True)
    assert report.warnings == [
        RowError("采用.csv", 2, "采用日期", "采用日期 2025-03-09 早于稿件「old-1」的报送日期 2025-03-10，请核对日期"),
        RowError("采用.csv", 3, "采用日期", "采用日期 2025-03-07 早于稿件「NEW-1」的报送日期 2025-03-08，请核对日期"),
        RowError("批示.csv", 2, "批示日期", "批示日期 2025-03-01 早于稿件「OLD-1」的报送日期 2025-03-10，请核对日期"),
    ]
    assert report.summary_lines()[-3:] == [
        "提醒：采用.csv 第2行「采用日期」：采用日期 2025-03-09 早于稿件「old-1」的报送日期 2025-03-10，请核对日期",
        "提醒：采用.csv 第3行「采用日期」：采用日期 2025-03-07 早于稿件「NEW-1」的报送日期 2025-03-08，请核对日期",
        "提醒：批示.csv 第2行「批示日期」：批示日期 2025-03-01 早于稿件「OLD-1」的报送日期 2025-03-10，请核对日期",
    ]
    # warnings do not stop the import
    done = import_files([items, adoptions, instructions])
    assert done.counts["adoptions"]["created"] == 3
    assert len(done.warnings) == 3
    assert done.months == ["2025-03"]


def test_months_cover_every_dated_column(database, tmp_path):
    f.unit("KH")
    path = write_csv(tmp_path / "紧急信息.csv", [
        ["事件编号", "单位代码", "事件", "级别", "发生时间", "首报时间"],
        ["JJ1", "KH", "事件一", "一般", "2025-01-31 23:50", "2025-02-01 00:20"]])
    assert import_files([path], dry_run=True).months == ["2025-02", "2025-01"]  # latest first
    import_files([path])
    assert import_files([path], dry_run=True).months == []  # unchanged rows need no recalculation


def test_kaohe_import_prints_the_warnings_after_the_counts(kaohe, tmp_path):
    path = tmp_path / "导入模板.xlsx"
    path.write_bytes(template_workbook())
    code, out, _err = kaohe("import", "--dry-run", path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "单位：将新增 1 条，将更新 0 条"
    assert "提醒：导入模板.xlsx › 单位 第2行：这一行是导入模板的示例行（单位代码 330824），导入后会作为真实数据写入；" \
           "如不需要，请删除这一行后重新检查" in lines
    assert sum(line.startswith("提醒：") for line in lines) == 13  # one example row of each kind
