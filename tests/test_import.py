"""Importing xlsx sheets and csv files: good files of every kind, every kind of bad row, all or nothing."""

import csv
import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from kaohe.core.exchange.import_templates import template_csv, template_workbook
from kaohe.core.exchange.importer import import_files, stored_rows, validate_files
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import ImportFailed, RowError
from kaohe.core.exchange.schemas import ItemSchema, UrgentReportSchema
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
)
from tests import factories as f

ALL_MODELS = (Unit, Reporter, Publication, Solicitation, SolicitationUnit, Item, ItemUnit, ItemAuthor,
              Adoption, Instruction, UrgentReport, UnitFact, Target)

# One small, consistent data set of all ten kinds, as an office would type it (Chinese headers).
GOOD = {
    "单位": [
        ["单位代码", "单位名称", "单位类型", "考核组别", "口子", "上级单位代码"],
        ["KH", "开化县", "县区", "", "", ""],
        ["CS", "常山县", "county", "", "", ""],
        ["FG", "市发改委", "部门", "", "工业", ""],
        ["HC", "华埠镇", "乡镇", "一类乡镇", "", "KH"],
    ],
    "信息员": [
        ["信息员编号", "姓名", "单位代码"],
        ["R1", "张三", "KH"],
        ["R2", "李四", "CS"],
    ],
    "刊物": [
        ["刊物代码", "刊物名称", "级别", "主办单位"],
        ["SZB", "专报信息", "省", "省政府办公厅"],
        ["GB", "国办信息", "国家", ""],
    ],
    "约稿": [
        ["约稿编号", "题目", "下发日期", "截止日期", "单位"],
        ["YG1", "一季度经济运行", "2025-03-01", "2025/3/20", "KH；CS"],
    ],
    "稿件": [
        ["稿件编号", "标题", "报送日期", "报送单位", "作者", "类别", "负反馈", "约稿编号"],
        ["2025-0001", "开化县推进河长制", "2025-03-01", "KH", "R1", "经验", "否", "YG1"],
        ["2025-0002", "两县联合治水", "2025-04-01", "KH、CS", "R1;R2", "问题", "是", ""],
    ],
    "采用": [
        ["稿件编号", "刊物代码", "期号", "采用日期", "采用形式"],
        ["2025-0001", "SZB", "第12期", "2025-03-10", "全文"],
        ["2025-0001", "GB", "", "2025-03-12", "综合"],
    ],
    "批示": [
        ["稿件编号", "批示领导级别", "批示领导", "批示日期"],
        ["2025-0001", "省", "王副省长", "2025-03-20"],
    ],
    "紧急信息": [
        ["事件编号", "单位代码", "事件", "级别", "发生时间", "首报时间", "状态", "误报", "责任信息员"],
        ["JJ1", "KH", "山体滑坡", "较大", "2025-03-08 14:30", "2025-03-08 19:05:30", "已报", "是", "R1"],
        ["JJ2", "CS", "化工厂火灾", "I", "2025-05-01 08:00", "", "瞒报", "", ""],
    ],
    "单位事实": [
        ["单位代码", "年度", "事实", "值"],
        ["KH", "2025", "provincial_county_rank", "12"],
    ],
    "目标任务": [
        ["单位代码", "年度", "报送任务", "采用任务"],
        ["KH", "2025", "120", "30"],
        ["CS", "2025", "100", ""],
    ],
}


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path, sheets):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def good_csvs(folder):
    return [write_csv(folder / f"{label}.csv", rows) for label, rows in GOOD.items()]


def row_counts():
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def errors_of(paths):
    with pytest.raises(ImportFailed) as failure:
        import_files(paths)
    return [str(error) for error in failure.value.errors]


# ---------------------------------------------------------------- good files

def check_good_data():
    """The rows GOOD describes, read back from the database exactly."""
    units = {u.code: u for u in Unit.select()}
    assert {code: (u.name, u.kind, u.pool, u.sector) for code, u in units.items()} == {
        "KH": ("开化县", "county", "county", None),
        "CS": ("常山县", "county", "county", None),
        "FG": ("市发改委", "department", "department", "工业"),
        "HC": ("华埠镇", "township", "一类乡镇", None),
    }
    assert units["HC"].parent.code == "KH"
    assert {r.code: (r.name, r.unit.code) for r in Reporter.select()} == {
        "R1": ("张三", "KH"), "R2": ("李四", "CS")}
    assert {p.code: (p.name, p.level, p.issuer) for p in Publication.select()} == {
        "SZB": ("专报信息", "provincial", "省政府办公厅"), "GB": ("国办信息", "national", None)}
    solicitation = Solicitation.get(Solicitation.no == "YG1")
    assert (solicitation.issued_on, solicitation.due_on) == (f.day("2025-03-01"), f.day("2025-03-20"))
    assert sorted(link.unit.code for link in solicitation.unit_links) == ["CS", "KH"]
    joint = Item.get(Item.no == "2025-0002")
    assert (joint.title, joint.submitted_on, joint.category, joint.negative, joint.solicitation) == (
        "两县联合治水", f.day("2025-04-01"), "problem", True, None)
    assert [link.unit.code for link in joint.unit_links.order_by(ItemUnit.position)] == ["KH", "CS"]
    assert [link.reporter.code for link in joint.author_links.order_by(ItemAuthor.position)] == ["R1", "R2"]
    first = Item.get(Item.no == "2025-0001")
    assert (first.category, first.negative, first.solicitation.no) == ("experience", False, "YG1")
    assert sorted((a.publication.code, a.issue, a.adopted_on, a.form) for a in Adoption.select()) == [
        ("GB", "", f.day("2025-03-12"), "combined"), ("SZB", "第12期", f.day("2025-03-10"), "full")]
    assert [(i.item.no, i.leader_level, i.leader, i.instructed_on) for i in Instruction.select()] == [
        ("2025-0001", "provincial", "王副省长", f.day("2025-03-20"))]
    urgent = {u.no: u for u in UrgentReport.select()}
    assert (urgent["JJ1"].severity, urgent["JJ1"].occurred_at, urgent["JJ1"].reported_at,
            urgent["JJ1"].status, urgent["JJ1"].misreported, urgent["JJ1"].reporter.code) == (
        "III", f.moment("2025-03-08 14:30"), f.moment("2025-03-08 19:05:30"), "reported", True, "R1")
    assert (urgent["JJ2"].severity, urgent["JJ2"].reported_at, urgent["JJ2"].status,
            urgent["JJ2"].misreported, urgent["JJ2"].reporter) == ("I", None, "concealed", False, None)
    assert [(x.unit.code, x.year, x.kind, x.value) for x in UnitFact.select()] == [
        ("KH", 2025, "provincial_county_rank", "12")]
    assert sorted((t.unit.code, t.year, t.submit_target, t.adopt_target) for t in Target.select()) == [
        ("CS", 2025, 100, 0), ("KH", 2025, 120, 30)]


def test_good_csv_files_of_all_ten_kinds_import_in_dependency_order(database, tmp_path):
    paths = list(reversed(good_csvs(tmp_path)))  # items before units on the command line: no matter
    report = import_files(paths)
    assert report.summary_lines() == [
        "单位：新增 4 条，更新 0 条", "信息员：新增 2 条，更新 0 条", "刊物：新增 2 条，更新 0 条",
        "约稿：新增 1 条，更新 0 条", "稿件：新增 2 条，更新 0 条", "采用：新增 2 条，更新 0 条",
        "批示：新增 1 条，更新 0 条", "紧急信息：新增 2 条，更新 0 条", "单位事实：新增 1 条，更新 0 条",
        "目标任务：新增 2 条，更新 0 条",
    ]
    assert report.counts["items"] == {"created": 2, "updated": 0, "unchanged": 0}
    check_good_data()


def test_good_xlsx_workbook_with_english_names_and_native_cells(database, tmp_path):
    english = {KINDS_BY_LABEL[label].name: _english(label, rows) for label, rows in GOOD.items()}
    path = write_xlsx(tmp_path / "data.xlsx", english)
    report = import_files([path])
    assert report.counts["units"]["created"] == 4
    check_good_data()


KINDS_BY_LABEL = {kind.label: kind for kind in KINDS.values()}


def _english(label, rows):
    """GOOD's rows with English headers and the cells a workbook holds: dates, times, numbers."""
    kind = KINDS_BY_LABEL[label]
    by_header = {header: name for name, header in kind.columns}
    header = [f"  {by_header[h]}  " for h in rows[0]]
    body = []
    for row in rows[1:]:
        cells = []
        for name, value in zip(header, row):
            name = name.strip()
            if name in ("submitted_on", "adopted_on", "instructed_on", "issued_on") and value:
                value = f.day(value)
            elif name == "occurred_at":
                value = f.moment(value)
            elif name in ("year", "submit_target") and value:
                value = int(value)
            cells.append(value or None)
        body.append(cells)
    return [header] + body


def test_a_gbk_csv_from_excel_in_china_imports(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", GOOD["单位"], encoding="gbk")
    assert path.read_bytes().startswith("单位代码".encode("gbk"))
    import_files([path])
    assert Unit.get(Unit.code == "HC").name == "华埠镇"


def test_a_utf8_csv_with_bom_and_header_notes_imports(database, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("\ufeff单位代码（必填）, 单位名称* ,单位类型\nKH,开化县,县区\n,,\nCS,常山县,县区\n"
                     .encode("utf-8"))
    report = import_files([path])
    assert report.counts["units"] == {"created": 2, "updated": 0, "unchanged": 0}


def test_references_may_already_be_in_the_database(database, tmp_path):
    kh = f.unit("KH", "开化县")
    f.publication("SZB", "provincial")
    f.item([kh], no="2025-0001")
    path = write_csv(tmp_path / "采用.csv", GOOD["采用"][:2])
    import_files([path])
    assert Adoption.get().item.no == "2025-0001"


# ---------------------------------------------------------------- every kind of bad row

BAD_ROWS = [
    ("unknown vocabulary word", "采用.csv", [GOOD["采用"][0], ["2025-0001", "SZB", "1", "2025-03-10", "转载"]],
     "采用.csv 第2行「采用形式」：未知的采用形式「转载」，应为 全文/综合/简讯/上报"),
    ("bad date", "稿件.csv",
     [GOOD["稿件"][0], ["2025-0009", "标题", "2025-13-01", "KH", "", "", "", ""]],
     "稿件.csv 第2行「报送日期」：「2025-13-01」不是有效的日期，应为 2025-03-08 的形式"),
    ("bad time", "紧急信息.csv",
     [GOOD["紧急信息"][0], ["JJ9", "KH", "火灾", "一般", "3月8日下午", "", "漏报", "", ""]],
     "紧急信息.csv 第2行「发生时间」：「3月8日下午」不是有效的时间，应为 2025-03-08 14:30 的形式"),
    ("missing required cell", "单位.csv", [GOOD["单位"][0], ["ZZ", " ", "县区", "", "", ""]],
     "单位.csv 第2行「单位名称」：必须填写"),
    ("unknown reference", "信息员.csv", [GOOD["信息员"][0], ["R9", "王五", "XX"]],
     "信息员.csv 第2行「单位代码」：单位代码「XX」不存在（数据库和本次导入的文件中都没有）"),
    ("unknown reference in a list", "稿件.csv",
     [GOOD["稿件"][0], ["2025-0009", "标题", "2025-03-01", "KH、YY", "", "", "", ""]],
     "稿件.csv 第2行「报送单位」：单位代码「YY」不存在（数据库和本次导入的文件中都没有）"),
    ("duplicate key in the file", "单位.csv", [GOOD["单位"][0], ["KH", "开化县", "县区"], ["KH", "开化", "县区"]],
     "单位.csv 第3行「单位代码」：单位代码「KH」与第2行重复"),
    ("duplicate compound key", "目标任务.csv",
     [GOOD["目标任务"][0], ["KH", "2025", "120", ""], ["KH", "2025", "90", ""]],
     "目标任务.csv 第3行「单位代码」：与第2行重复（单位代码、年度都相同）"),
    ("unknown header", "单位.csv", [["单位代码", "单位名称", "单位类型", "备注"], ["ZZ", "某县", "县区", "x"]],
     "单位.csv 第1行「备注」：未知的列名「备注」，单位的列应为：单位代码、单位名称、单位类型、考核组别、口子、上级单位代码"),
    ("missing column", "信息员.csv", [["信息员编号", "姓名"], ["R9", "王五"]],
     "信息员.csv 第1行「单位代码」：缺少必填的列「单位代码」"),
    ("non-number target", "目标任务.csv", [GOOD["目标任务"][0], ["KH", "2025", "一百二十", ""]],
     "目标任务.csv 第2行「报送任务」：「一百二十」不是整数"),
    ("reported before it occurred", "紧急信息.csv",
     [GOOD["紧急信息"][0], ["JJ9", "KH", "火灾", "一般", "2025-03-08 14:30", "2025-03-08 14:00", "", "", ""]],
     "紧急信息.csv 第2行「首报时间」：首报时间早于发生时间"),
    ("reported without a report time", "紧急信息.csv",
     [GOOD["紧急信息"][0], ["JJ9", "KH", "火灾", "一般", "2025-03-08 14:30", "", "已报", "", ""]],
     "紧急信息.csv 第2行「首报时间」：状态为已报时必须填写首报时间"),
    ("due before issued", "约稿.csv", [GOOD["约稿"][0], ["YG9", "题目", "2025-03-08", "2025-03-01", "KH"]],
     "约稿.csv 第2行「截止日期」：截止日期早于下发日期"),
    ("unknown file name", "数据.csv", [GOOD["单位"][0], ["KH", "开化县", "县区"]],
     "数据.csv：无法从文件名「数据」看出数据种类，文件名应为 单位/信息员/刊物/约稿/稿件/采用/批示/紧急信息/续报/单位事实/目标任务/加减分/单位类型 之一，如 稿件.csv"),
    ("cell under no header", "单位.csv", [["单位代码", "单位名称", "单位类型"], ["ZZ", "某县", "县区", "多余"]],
     "单位.csv 第2行「第4列」：此列有数据但没有列名"),
]


@pytest.mark.parametrize("case, name, rows, expected", BAD_ROWS, ids=[case[0] for case in BAD_ROWS])
def test_every_kind_of_bad_row_is_named_by_file_row_and_column(database, case, name, rows, expected,
                                                               tmp_path):
    kh = f.unit("KH", "开化县")
    f.publication("SZB", "provincial")
    f.item([kh], no="2025-0001")
    before = row_counts()
    path = write_csv(tmp_path / name, rows)
    assert errors_of([path]) == [expected]
    assert row_counts() == before


def test_an_unknown_sheet_is_named_and_blank_sheets_are_ignored(database, tmp_path):
    path = write_xlsx(tmp_path / "数据.xlsx", {
        "单位": GOOD["单位"], "Sheet2": [], "汇总": [["合计", 3]]})
    assert errors_of([path]) == [
        "数据.xlsx › 汇总：未知的工作表「汇总」，工作表名称应为 单位/信息员/刊物/约稿/稿件/采用/批示/紧急信息/续报/单位事实/目标任务/加减分/单位类型 之一"]
    assert Unit.select().count() == 0


def test_xlsx_errors_name_workbook_sheet_row_and_column(database, tmp_path):
    rows = [GOOD["稿件"][0], [], ["2025-0009", "标题", "2025年2月30日", "KH", "", "", "", ""]]
    path = write_xlsx(tmp_path / "三月.xlsx", {"单位": GOOD["单位"][:2], "稿件": rows})
    assert errors_of([path]) == [
        "三月.xlsx › 稿件 第3行「报送日期」：「2025年2月30日」不是有效的日期，应为 2025-03-08 的形式"]


def test_all_bad_rows_are_listed_not_only_the_first(database, tmp_path):
    rows = [GOOD["稿件"][0],
            ["2025-0001", "好的", "2025-03-01", "KH", "", "", "", ""],
            ["2025-0002", "", "2025-03-01", "KH", "", "", "", ""],
            ["2025-0003", "坏日期", "明天", "KH", "", "动态", "也许", ""],
            ["2025-0004", "没有单位", "2025-03-01", "", "", "", "", ""]]
    write_csv(tmp_path / "单位.csv", GOOD["单位"][:2])
    write_csv(tmp_path / "稿件.csv", rows)
    with pytest.raises(ImportFailed) as failure:
        import_files([tmp_path / "单位.csv", tmp_path / "稿件.csv"])
    assert failure.value.errors == [
        RowError("稿件.csv", 3, "标题", "必须填写"),
        RowError("稿件.csv", 4, "报送日期", "「明天」不是有效的日期，应为 2025-03-08 的形式"),
        RowError("稿件.csv", 4, "负反馈", "「也许」应为 是 或 否"),
        RowError("稿件.csv", 5, "报送单位", "必须填写"),
    ]
    assert str(failure.value) == "\n".join([
        "导入失败，共 4 处错误，没有写入任何数据：",
        "稿件.csv 第3行「标题」：必须填写",
        "稿件.csv 第4行「报送日期」：「明天」不是有效的日期，应为 2025-03-08 的形式",
        "稿件.csv 第4行「负反馈」：「也许」应为 是 或 否",
        "稿件.csv 第5行「报送单位」：必须填写",
    ])
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_errors_are_listed_row_by_row_whatever_found_them(database, tmp_path):
    write_csv(tmp_path / "稿件.csv", [GOOD["稿件"][0],
                                      ["2025-0001", "标题", "2025-03-01", "XX", "", "", "", ""],
                                      ["2025-0002", "标题", "三月", "KH", "", "", "", ""]])
    write_csv(tmp_path / "单位.csv", [GOOD["单位"][0], ["KH", "开化县", "县城"]])
    assert errors_of([tmp_path / "稿件.csv", tmp_path / "单位.csv"]) == [
        "稿件.csv 第2行「报送单位」：单位代码「XX」不存在（数据库和本次导入的文件中都没有）",
        "稿件.csv 第3行「报送日期」：「三月」不是有效的日期，应为 2025-03-08 的形式",
        "单位.csv 第2行「单位类型」：未知的单位类型「县城」，应为 县区/部门/乡镇/直报点/系统单位/处室",
    ]


def test_a_bad_row_naming_a_good_key_does_not_add_a_second_complaint(database, tmp_path):
    write_csv(tmp_path / "稿件.csv", [GOOD["稿件"][0], ["2025-0001", "标题", "昨天", "KH", "", "", "", ""]])
    write_csv(tmp_path / "单位.csv", GOOD["单位"][:2])
    write_csv(tmp_path / "采用.csv", GOOD["采用"][:2])
    assert errors_of([tmp_path / "单位.csv", tmp_path / "稿件.csv", tmp_path / "采用.csv"]) == [
        "稿件.csv 第2行「报送日期」：「昨天」不是有效的日期，应为 2025-03-08 的形式",
        "采用.csv 第2行「刊物代码」：刊物代码「SZB」不存在（数据库和本次导入的文件中都没有）",
    ]


def test_a_bad_file_among_good_files_writes_nothing_from_the_good_ones(database, tmp_path):
    paths = good_csvs(tmp_path)
    bad = write_csv(tmp_path / "领导批示.csv", [GOOD["批示"][0], ["2025-0001", "村级", "某人", "2025-03-20"]])
    before = row_counts()
    assert errors_of(paths + [bad]) == [
        "领导批示.csv 第2行「批示领导级别」：未知的级别「村级」，应为 国家/部委/省/省直/市/县"]
    assert row_counts() == before == dict.fromkeys(before, 0)


def test_the_error_text_stops_after_two_hundred_lines(database, tmp_path):
    rows = [GOOD["单位"][0]] + [[f"U{n}", f"单位{n}", "村"] for n in range(250)]
    write_csv(tmp_path / "单位.csv", rows)
    with pytest.raises(ImportFailed) as failure:
        import_files([tmp_path / "单位.csv"])
    lines = str(failure.value).splitlines()
    assert len(failure.value.errors) == 250
    assert len(lines) == 202
    assert lines[0] == "导入失败，共 250 处错误，没有写入任何数据："
    assert lines[200] == "单位.csv 第201行「单位类型」：未知的单位类型「村」，应为 县区/部门/乡镇/直报点/系统单位/处室"
    assert lines[201] == "另有50处错误"


def test_a_write_failure_midway_leaves_nothing_behind(database, tmp_path, monkeypatch):
    import kaohe.core.exchange.importer as importer
    original = importer.bulk_insert

    def failing(model, fields, rows, batch=5000):
        if model is Item:
            raise RuntimeError("磁盘已满")
        return original(model, fields, rows, batch)
    monkeypatch.setattr(importer, "bulk_insert", failing)
    with pytest.raises(RuntimeError):
        import_files(good_csvs(tmp_path))
    assert row_counts() == dict.fromkeys(row_counts(), 0)


# ---------------------------------------------------------------- importing again

def test_reimport_updates_by_natural_key_instead_of_duplicating(database, tmp_path):
    import_files(good_csvs(tmp_path))
    items = [row[:] for row in GOOD["稿件"]]
    items[2][1] = "两县联合治水（修改稿）"
    items[2][3] = "CS"  # now reported by 常山县 alone
    items[2][4] = "R2"
    adoptions = [row[:] for row in GOOD["采用"]]
    adoptions[1][4] = "简讯"
    write_csv(tmp_path / "稿件.csv", items)
    write_csv(tmp_path / "采用.csv", adoptions)
    report = import_files([tmp_path / "稿件.csv", tmp_path / "采用.csv"])
    assert report.summary_lines() == ["稿件：新增 0 条，更新 1 条，未变 1 条",
                                      "采用：新增 0 条，更新 1 条，未变 1 条"]
    assert Item.select().where(Item.no == "2025-0002").count() == 1
    joint = Item.get(Item.no == "2025-0002")
    assert joint.title == "两县联合治水（修改稿）"
    assert [link.unit.code for link in joint.unit_links] == ["CS"]
    assert [link.reporter.code for link in joint.author_links] == ["R2"]
    assert ItemUnit.select().count() == 2
    assert Adoption.select().count() == 2
    assert Adoption.get(Adoption.issue == "第12期").form == "brief"


def test_reimporting_the_same_files_changes_nothing(database, tmp_path):
    paths = good_csvs(tmp_path)
    import_files(paths)
    before = {kind.name: stored_rows(kind) for kind in KINDS.values()}
    report = import_files(paths)
    assert all(count["created"] == 0 and count["updated"] == 0 for count in report.counts.values())
    assert report.counts["urgent"]["unchanged"] == 2
    assert {kind.name: stored_rows(kind) for kind in KINDS.values()} == before


def test_solicitation_unit_links_are_replaced(database, tmp_path):
    import_files(good_csvs(tmp_path))
    write_csv(tmp_path / "约稿.csv", [GOOD["约稿"][0], ["YG1", "一季度经济运行", "2025-03-01", "2025-03-20", "FG"]])
    import_files([tmp_path / "约稿.csv"])
    assert [link.unit.code for link in Solicitation.get().unit_links] == ["FG"]


def test_dry_run_checks_everything_and_writes_nothing(database, tmp_path):
    report = import_files(good_csvs(tmp_path), dry_run=True)
    assert report.summary_lines()[0] == "单位：将新增 4 条，将更新 0 条"
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_validate_files_returns_the_problems(database, tmp_path):
    assert validate_files(good_csvs(tmp_path)) == []
    bad = write_csv(tmp_path / "目标任务.csv", [GOOD["目标任务"][0], ["KH", "25年", "1", "0"]])
    assert validate_files([bad]) == [
        RowError("目标任务.csv", 2, "年度", "「25年」不是有效的年度，应为 2025 的形式"),
        RowError("目标任务.csv", 2, "单位代码", "单位代码「KH」不存在（数据库和本次导入的文件中都没有）"),
    ]


# ---------------------------------------------------------------- templates

def test_the_template_workbook_has_every_kind_and_imports_as_it_is(database, tmp_path):
    path = tmp_path / "模板.xlsx"
    path.write_bytes(template_workbook())
    workbook = load_workbook(path)
    assert workbook.sheetnames == [kind.label for kind in KINDS.values()]
    assert [cell.value for cell in workbook["稿件"][1]] == [
        "稿件编号", "标题", "报送日期", "报送单位", "作者", "类别", "负反馈", "约稿编号", "标签"]
    report = import_files([path])
    assert {name: count["created"] for name, count in report.counts.items()} == dict.fromkeys(KINDS, 1)
    assert UrgentReport.get().occurred_at == f.moment("2025-03-08 14:30")


def test_a_csv_template_names_its_columns(database, tmp_path):
    text = template_csv("adoptions").decode("utf-8-sig")
    assert text.splitlines() == ["稿件编号,刊物代码,期号,采用日期,采用形式",
                                 "2025-0001,ZJZB,2025年第12期,2025-03-12,全文"]


# ---------------------------------------------------------------- the schemas as the API will use them

def test_schemas_take_english_dicts_lists_and_code_names():
    item = ItemSchema().load({"no": "N1", "title": "标题", "submitted_on": "2025/3/8",
                              "units": ["KH", "CS"], "reporters": "R1，R2", "category": "research",
                              "negative": "yes"})
    assert item == {"no": "N1", "title": "标题", "submitted_on": datetime.date(2025, 3, 8),
                    "units": ["KH", "CS"], "reporters": ["R1", "R2"], "category": "research",
                    "negative": True, "solicitation": None, "tags": []}
    urgent = UrgentReportSchema().load({"no": "U1", "unit": "KH", "title": "事件", "severity": "Ⅱ级",
                                        "occurred_at": datetime.datetime(2025, 3, 8, 14, 29, 59, 999600),
                                        "status": "missed"})
    assert (urgent["severity"], urgent["occurred_at"], urgent["status"]) == (
        "II", datetime.datetime(2025, 3, 8, 14, 30), "missed")


def test_schema_messages_are_chinese():
    errors = ItemSchema().validate({"no": "N 1", "title": "x" * 501, "units": "KH、KH", "bogus": 1})
    assert errors == {
        "no": ["代码中不能含有空格或分隔符「空格」"],
        "title": ["不能超过500个字（现有501个字）"],
        "submitted_on": ["必须填写"],
        "units": ["「KH」重复出现"],
        "bogus": ["未知的字段"],
    }


# ---------------------------------------------------------------- the command


def test_kaohe_import_end_to_end(kaohe, tmp_path):
    code, out, _ = kaohe("import", *good_csvs(tmp_path))
    assert code == 0
    assert out.splitlines()[0] == "单位：新增 4 条，更新 0 条"
    assert out.splitlines()[4] == "稿件：新增 2 条，更新 0 条"
    assert Item.select().count() == 2


def test_kaohe_import_dry_run(kaohe, tmp_path):
    code, out, _ = kaohe("import", "--dry-run", *good_csvs(tmp_path))
    assert code == 0
    assert out.splitlines()[-1] == "检查通过（未写入）。Dry run passed, nothing written."
    assert Unit.select().count() == 0


def test_kaohe_import_refuses_bad_input_with_exit_code_one(kaohe, tmp_path):
    good = good_csvs(tmp_path)[:4]
    bad = write_csv(tmp_path / "稿件.csv", [GOOD["稿件"][0], ["2025-0009", "标题", "2025-03-01", "XX", "", "", "", ""]])
    code, out, err = kaohe("import", *good, bad)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "错误：导入失败，共 1 处错误，没有写入任何数据：",
        "稿件.csv 第2行「报送单位」：单位代码「XX」不存在（数据库和本次导入的文件中都没有）",
    ]
    assert Unit.select().count() == 0


def test_kaohe_template_writes_a_workbook_and_a_csv(kaohe, tmp_path):
    code, out, _ = kaohe("template", "--output", tmp_path / "模板.xlsx")
    assert (code, out.strip()) == (0, f"已写出导入模板 → {tmp_path / '模板.xlsx'}")
    assert load_workbook(tmp_path / "模板.xlsx").sheetnames[0] == "单位"
    code, _, _ = kaohe("template", "-o", tmp_path / "稿件.csv")
    assert code == 0
    assert (tmp_path / "稿件.csv").read_bytes() == template_csv("items")
    code, _, err = kaohe("template", "-o", tmp_path / "x.csv")
    assert (code, err.strip()) == (1, "错误：请用 --kind 指明模板的数据种类，或把文件命名为 稿件.csv 这样的名称")


def test_amount_words_of_a_fact_stay_text(database, tmp_path):
    write_csv(tmp_path / "单位.csv", GOOD["单位"][:2])
    write_xlsx(tmp_path / "事实.xlsx", {"单位事实": [GOOD["单位事实"][0], ["KH", 2025.0, "score", 12.5]]})
    import_files([tmp_path / "单位.csv", tmp_path / "事实.xlsx"])
    fact = UnitFact.get()
    assert (fact.year, fact.value, Decimal(fact.value)) == (2025, "12.5", Decimal("12.5"))


# ---------------------------------------------------------------- size

def rows_statements(statements):
    """The statements that read or write rows: the data revision's trigger DDL and bookkeeping
    around a bulk write (a few per data table, whatever the rows: core/storage/revision.py bulk)
    left out."""
    return [sql for sql in statements if "TRIGGER" not in sql and "data_revision" not in sql
            and "sqlite_master" not in sql]


def test_thousands_of_rows_take_a_handful_of_queries(database, tmp_path, monkeypatch):
    units = [GOOD["单位"][0]] + [[f"U{n:02d}", f"单位{n}", "县区"] for n in range(50)]
    items = [GOOD["稿件"][0]] + [[f"N{n:05d}", f"标题{n}", "2025-03-01", f"U{n % 50:02d}、U{(n + 1) % 50:02d}",
                                 "", "动态", "否", ""] for n in range(3000)]
    adoptions = [GOOD["采用"][0]] + [[f"N{n:05d}", "SZB", str(n), "2025-03-10", "简讯"] for n in range(3000)]
    paths = [write_csv(tmp_path / "单位.csv", units), write_csv(tmp_path / "稿件.csv", items),
             write_csv(tmp_path / "采用.csv", adoptions),
             write_csv(tmp_path / "刊物.csv", GOOD["刊物"])]
    statements = []
    original = database.execute_sql
    monkeypatch.setattr(database, "execute_sql",
                        lambda sql, params=None, *args: statements.append(sql) or original(sql, params, *args))
    report = import_files(paths)
    assert report.counts["items"]["created"] == 3000 and report.counts["adoptions"]["created"] == 3000
    assert ItemUnit.select().count() == 6000
    assert len(rows_statements(statements)) <= 15
    statements.clear()
    adoptions[1][4] = "全文"
    write_csv(tmp_path / "采用.csv", adoptions)
    report = import_files(paths)
    assert report.counts["adoptions"] == {"created": 0, "updated": 1, "unchanged": 2999}
    assert report.counts["items"] == {"created": 0, "updated": 0, "unchanged": 3000}
    assert len(rows_statements(statements)) <= 15


def test_a_one_sheet_workbook_takes_its_kind_from_the_file_name(database, tmp_path):
    workbook = Workbook()
    for row in GOOD["单位"]:
        workbook.active.append(row)
    workbook.save(tmp_path / "单位-2025.xlsx")
    assert import_files([tmp_path / "单位-2025.xlsx"]).counts["units"]["created"] == 4


def test_a_damaged_xls_file_is_refused_with_advice(database, tmp_path):
    # .xls files are read now (tests/test_import_office_files.py); a damaged one still gets advice
    (tmp_path / "单位.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert errors_of([tmp_path / "单位.xls"]) == [
        "单位.xls：无法读取此 xls 文件（CalamineError），请确认文件未损坏，或在 Excel 中另存为 xlsx"]
    (tmp_path / "单位.txt").write_text("代码\n", encoding="utf-8")
    assert errors_of([tmp_path / "单位.txt"]) == [
        "单位.txt：不支持的文件类型「.txt」，应为 xlsx、xls、ods 或 csv"]


def test_follow_up_reports_import_under_their_incident_and_refuse_an_unknown_one(database, tmp_path):
    """续报: each row names its incident's 事件编号; the row lands under that first report."""
    from kaohe.core.storage import changes
    from kaohe.core.storage.models import UrgentFollowUp
    unit = f.unit("330824", "开化县")
    report = f.urgent(unit, "III", "2025-03-08 14:30", "2025-03-08 15:10", no="JJ2025-001")
    header = ["事件编号", "续报时间", "续报内容"]
    write_csv(tmp_path / "续报.csv", [header, ["jj2025-001", "2025年3月8日17时00分", "已转移群众12人"],
                                      ["JJ2025-009", "2025-03-09 08:00", "道路已抢通"]])
    with pytest.raises(ImportFailed) as failure:
        import_files([tmp_path / "续报.csv"])
    assert [str(e) for e in failure.value.errors] == [
        "续报.csv 第3行「事件编号」：事件编号「JJ2025-009」不存在（数据库和本次导入的文件中都没有）"]
    assert UrgentFollowUp.select().count() == 0  # whole or not at all
    write_csv(tmp_path / "续报.csv", [header, ["jj2025-001", "2025年3月8日17时00分", "已转移群众12人"]])
    with changes.acting("录入员甲", "import"):
        import_files([tmp_path / "续报.csv"])
    follow_up = UrgentFollowUp.get()
    assert (follow_up.report_id, follow_up.reported_at, follow_up.content, follow_up.created_by) == (
        report.id, datetime.datetime(2025, 3, 8, 17, 0), "已转移群众12人", "录入员甲")


def test_the_readme_lists_every_kind_with_its_columns():
    """The README's table of import formats is the kinds' own columns (it went out of date once)."""
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        assert f"| {kind.label} {kind.name} | {'、'.join(h for _n, h in kind.columns)} |" in readme
