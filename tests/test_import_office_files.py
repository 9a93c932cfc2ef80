"""Files as offices make them: xlsx, LibreOffice's xls and ods, csv in UTF-8 or GBK, title blocks,
full-width and lower-case codes, and the dates, times and counts clerks type."""

import csv
import datetime
from pathlib import Path

import pytest

from kaohe.core.exchange.importer import import_files, stored_rows
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import ImportFailed, RowError
from kaohe.core.exchange.schemas import Day, Moment, Whole, Word, Year, Code
from kaohe.core.storage.models import Adoption, Publication, Reporter, Target, Unit, UrgentReport
from tests import factories as f

# Made by tests/fixtures/office/make_files.py: an xlsx written by openpyxl, and the xls, ods and
# xlsx LibreOffice 7.4 saved from it. Each sheet has a merged title row and a notes line above its
# header; the cells hold full-width and lower-case codes, Excel serials and dates typed as text.
OFFICE = Path(__file__).parent / "fixtures" / "office"
OFFICE_FILES = ["三月数据.xlsx", "三月数据.xls", "三月数据.ods", "三月数据-libreoffice.xlsx"]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def errors_of(paths):
    with pytest.raises(ImportFailed) as failure:
        import_files(paths)
    return [str(error) for error in failure.value.errors]


@pytest.mark.parametrize("name", OFFICE_FILES)
def test_an_office_workbook_with_title_blocks_imports_exactly(database, name):
    report = import_files([OFFICE / name])
    assert {kind: count["created"] for kind, count in report.counts.items()} == {
        "units": 2, "reporters": 1, "publications": 1, "items": 5, "adoptions": 2, "urgent": 2,
        "targets": 1}
    assert sorted(Unit.select().tuples().select(Unit.code, Unit.name, Unit.kind)) == [
        ("KH", "开化县", "county"), ("XQ004", "西区", "county")]
    assert Reporter.get().unit.code == "KH"  # written ｋｈ
    assert [(p.code, p.level) for p in Publication.select()] == [("SZ-ZBXX", "provincial")]
    items = {values["no"]: values for _, values in stored_rows(KINDS["items"])}
    assert {no: (item["submitted_on"], item["category"], item["units"], item["reporters"])
            for no, item in items.items()} == {
        "2025-0001": (datetime.date(2025, 3, 8), "experience", ["XQ004"], ["R1"]),  # 45724, ＸＱ００４, r1
        "2025-0002": (datetime.date(2025, 3, 8), "news", ["KH"], ["R1"]),  # 20250308, kh
        "2025-0003": (datetime.date(2025, 3, 8), "problem", ["KH", "XQ004"], []),  # 2025年3月8号
        "2025-0004": (datetime.date(2025, 3, 10), "news", ["KH"], []),  # ２０２５－０３－１０
        "2025-0005": (datetime.date(2025, 3, 11), "news", ["XQ004"], []),  # a date cell
    }
    assert sorted((a.item.no, a.publication.code, a.adopted_on, a.form) for a in Adoption.select()) == [
        ("2025-0001", "SZ-ZBXX", datetime.date(2025, 3, 12), "full"),  # sz-zbxx, 2025/3/12
        ("2025-0002", "SZ-ZBXX", datetime.date(2025, 3, 13), "combined"),  # ＳＺ－ＺＢＸＸ
    ]
    assert sorted((u.no, u.unit.code, u.occurred_at, u.reported_at) for u in UrgentReport.select()) == [
        ("JJ1", "KH", datetime.datetime(2025, 3, 8, 14, 30), datetime.datetime(2025, 3, 8, 15, 10)),
        ("JJ2", "XQ004", datetime.datetime(2025, 3, 9, 8, 5), datetime.datetime(2025, 3, 9, 8, 40)),
    ]
    target = Target.get()
    assert (target.unit.code, target.year, target.submit_target, target.adopt_target) == ("KH", 2025, 120, 30)


@pytest.mark.parametrize("name", OFFICE_FILES)
def test_importing_an_office_workbook_again_changes_nothing(database, name):
    import_files([OFFICE / name])
    report = import_files([OFFICE / name])
    assert all(count["created"] == 0 and count["updated"] == 0 for count in report.counts.values())


def test_lower_case_and_full_width_codes_find_the_stored_rows(database, tmp_path):
    f.unit("SZ-ZB", "市直部门", kind="department")
    f.publication("ZJZB", "provincial")
    path = write_csv(tmp_path / "稿件.csv", [["稿件编号", "标题", "报送日期", "报送单位"],
                                           ["A1", "标题一", "2025-03-08", "sz-zb"],
                                           ["A2", "标题二", "2025-03-08", "ＳＺ－ＺＢ"]])
    import_files([path])
    assert sorted((values["no"], values["units"]) for _, values in stored_rows(KINDS["items"])) == [
        ("A1", ["SZ-ZB"]), ("A2", ["SZ-ZB"])]
    # a key written in another case updates the stored row instead of adding a second one
    again = write_csv(tmp_path / "刊物.csv", [["刊物代码", "刊物名称", "级别"], ["zjzb", "浙江专报", "省"]])
    report = import_files([again])
    assert report.counts["publications"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert [(p.code, p.name) for p in Publication.select()] == [("ZJZB", "浙江专报")]


def test_two_spellings_of_one_key_in_a_file_are_a_duplicate(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", [["单位代码", "单位名称", "单位类型"],
                                           ["KH", "开化县", "县区"], ["kh", "开化县", "县区"]])
    assert errors_of([path]) == ["单位.csv 第3行「单位代码」：单位代码「kh」与第2行重复"]


# ---------------------------------------------------------------- csv encodings

UNITS = [["单位代码", "单位名称", "单位类型"], ["KH", "开化县", "县区"], ["CS", "常山县", "县区"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_imports(database, tmp_path, encoding):
    rows = UNITS + [["HB", "华埠镇䶮", "乡镇"]] if encoding in ("utf-8", "utf-8-sig", "gb18030") else UNITS
    path = write_csv(tmp_path / "单位.csv", rows, encoding=encoding)
    import_files([path])
    assert {u.code: u.name for u in Unit.select()} == {row[0]: row[1] for row in rows[1:]}


def test_a_gbk_csv_with_an_appended_utf8_row_is_refused_naming_the_line(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", UNITS, encoding="gbk")
    with open(path, "ab") as handle:
        handle.write("HB,华埠镇,乡镇\r\n".encode("utf-8"))
    assert errors_of([path]) == [
        "单位.csv 第4行：第4行的编码与前面的行不同（前面是 GBK，这一行是 UTF-8），"
        "文件可能由两种编码的内容拼接而成；请整个文件另存为同一种编码"]
    assert Unit.select().count() == 0


def test_a_utf8_csv_with_an_appended_gbk_row_is_refused_naming_the_line(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", UNITS, encoding="utf-8-sig")
    with open(path, "ab") as handle:
        handle.write("HB,华埠镇,乡镇\r\n".encode("gbk"))
    assert errors_of([path]) == [
        "单位.csv 第4行：第4行的编码与前面的行不同（前面是 UTF-8，这一行不是），"
        "文件可能由两种编码的内容拼接而成；请整个文件另存为同一种编码"]


# ---------------------------------------------------------------- title blocks

def test_a_title_block_above_the_header_is_passed_over(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", [["2025年3月报送单位名单", "", ""], ["制表：信息科", "", "2025-03-31"],
                                           ["", "", ""]] + UNITS)
    report = import_files([path])
    assert report.counts["units"]["created"] == 2


def test_a_wrong_header_under_a_title_is_still_named(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", [["单位清单"], ["代码", "名称", "类型"], ["KH", "开化县", "县区"]])
    errors = errors_of([path])
    assert errors[0] == "单位.csv 第1行「单位清单」：未知的列名「单位清单」，单位的列应为：单位代码、单位名称、单位类型、考核组别、口子、上级单位代码"


# ---------------------------------------------------------------- cells as clerks type them

@pytest.mark.parametrize("typed, expected", [
    (45724, datetime.date(2025, 3, 8)),
    (45724.0, datetime.date(2025, 3, 8)),
    ("45724", datetime.date(2025, 3, 8)),
    ("20250308", datetime.date(2025, 3, 8)),
    ("2025年3月8号", datetime.date(2025, 3, 8)),
    ("2025年3月8日", datetime.date(2025, 3, 8)),
    ("2025－03－10", datetime.date(2025, 3, 10)),
    ("２０２５/３/８", datetime.date(2025, 3, 8)),
    ("2025/3/8", datetime.date(2025, 3, 8)),
    ("2025.3.8", datetime.date(2025, 3, 8)),
])
def test_dates_as_offices_write_them(typed, expected):
    assert Day().deserialize(typed) == expected


@pytest.mark.parametrize("typed", ["20251308", "12345", "2025年2月30日", "三月八日", 99999])
def test_what_is_not_a_date_is_refused(typed):
    with pytest.raises(Exception, match="不是有效的日期"):
        Day().deserialize(typed)


@pytest.mark.parametrize("typed, expected", [
    ("2025年3月8日14时30分", datetime.datetime(2025, 3, 8, 14, 30)),
    ("2025年3月8日 14时30分", datetime.datetime(2025, 3, 8, 14, 30)),
    ("2025年3月8日14点05分", datetime.datetime(2025, 3, 8, 14, 5)),
    ("2025年3月8日14时30分20秒", datetime.datetime(2025, 3, 8, 14, 30, 20)),
    ("2025-03-20T08:00:00+08:00", datetime.datetime(2025, 3, 20, 8, 0)),
    ("2025-03-20T00:00:00Z", datetime.datetime(2025, 3, 20, 8, 0)),
    ("2025-03-20T08:00:00+09:00", datetime.datetime(2025, 3, 20, 7, 0)),
    ("2025-03-08 14:30", datetime.datetime(2025, 3, 8, 14, 30)),
    ("2025/3/8 9:05:30", datetime.datetime(2025, 3, 8, 9, 5, 30)),
])
def test_times_as_offices_write_them(typed, expected):
    assert Moment().deserialize(typed) == expected


def test_a_bad_first_report_time_gives_one_error_not_two(database, tmp_path):
    f.unit("KH")
    path = write_csv(tmp_path / "紧急信息.csv", [
        ["事件编号", "单位代码", "事件", "级别", "发生时间", "首报时间", "状态"],
        ["JJ1", "KH", "山体滑坡", "较大", "2025年3月8日14时30分", "2025年3月8日25时10分", "已报"]])
    assert errors_of([path]) == [
        "紧急信息.csv 第2行「首报时间」：「2025年3月8日25时10分」不是有效的时间，应为 2025-03-08 14:30 的形式"]


def test_counts_years_and_category_words_with_their_units():
    assert [Whole().deserialize(v) for v in ("120篇", "30条", "１２０", "5 篇", 7)] == [120, 30, 120, 5, 7]
    assert [Year().deserialize(v) for v in ("2025年", "2025", 2025)] == [2025, 2025, 2025]
    assert [Word("category").deserialize(v) for v in ("经验类", "经验", "问题类", "experience")] == [
        "experience", "experience", "problem", "experience"]
    assert Code().deserialize("ＸＱ００４") == "XQ004"
    with pytest.raises(Exception, match="不是有效的年度"):
        Year().deserialize("25年")
    with pytest.raises(Exception, match="不是整数"):
        Whole().deserialize("120页")


def test_row_errors_still_name_file_row_and_column_under_a_title(database, tmp_path):
    path = write_csv(tmp_path / "目标任务.csv", [["2025年目标任务"], ["单位代码", "年度", "报送任务"],
                                             ["KH", "2025年", "很多"]])
    f.unit("KH")
    with pytest.raises(ImportFailed) as failure:
        import_files([path])
    assert failure.value.errors == [RowError("目标任务.csv", 3, "报送任务", "「很多」不是整数")]
