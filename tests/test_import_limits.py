"""Bounded reading: imports are limited in rows and in bytes once unpacked, and checked as they are read."""

import csv

import pytest
from openpyxl import Workbook

from kaohe.core.exchange.files import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Limits
from kaohe.core.exchange.importer import import_files
from kaohe.core.exchange.reading import ImportFailed, read_files
from kaohe.core.storage.models import Unit

HEADER = ["单位代码", "单位名称", "单位类型"]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def units(count):
    return [HEADER] + [[f"U{n:05d}", f"单位{n}", "县区"] for n in range(count)]


def write_xlsx(path, rows, write_only=True):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("单位") if write_only else workbook.active
    if not write_only:
        sheet.title = "单位"
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def messages(batch):
    return [str(error) for error in batch.errors]


def test_the_limits_come_from_the_settings_then_the_environment_then_the_defaults(monkeypatch):
    monkeypatch.delenv("KAOHE_IMPORT_MAX_ROWS", raising=False)
    monkeypatch.delenv("KAOHE_IMPORT_MAX_BYTES", raising=False)
    assert Limits.from_settings() == Limits(DEFAULT_MAX_ROWS, DEFAULT_MAX_BYTES) == Limits(200_000, 100 * 1024 ** 2)
    monkeypatch.setenv("KAOHE_IMPORT_MAX_ROWS", "5000")
    monkeypatch.setenv("KAOHE_IMPORT_MAX_BYTES", "not a number")
    assert Limits.from_settings() == Limits(5000, DEFAULT_MAX_BYTES)
    assert Limits.from_settings({"KAOHE_IMPORT_MAX_ROWS": 7, "KAOHE_IMPORT_MAX_BYTES": 0}) == Limits(7, DEFAULT_MAX_BYTES)


def test_rows_beyond_the_limit_are_not_read(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", units(30))
    with open(path, "ab") as handle:  # a line no encoding reads, after the limit: never reached
        handle.write(b"\xff\xfe\xfa,x,y\r\n")
    batch = read_files([path], Limits(rows=20))
    assert messages(batch) == ["单位.csv 第22行：数据行超过一次导入的上限 20 行，后面的行没有检查；请分成几批导入"]
    assert len(batch.records["units"]) == 20
    with pytest.raises(ImportFailed):
        import_files([path], limits=Limits(rows=20))
    assert Unit.select().count() == 0


def test_the_row_limit_counts_the_rows_of_all_the_files_together(database, tmp_path):
    first = write_csv(tmp_path / "单位.csv", units(15))
    second = write_csv(tmp_path / "单位-2.csv", [HEADER] + [[f"V{n}", "单位", "县区"] for n in range(10)])
    batch = read_files([first, second], Limits(rows=20))
    assert messages(batch) == ["单位-2.csv 第7行：数据行超过一次导入的上限 20 行，后面的行没有检查；请分成几批导入"]
    assert import_files([first, second], dry_run=True, limits=Limits(rows=25)).counts["units"]["created"] == 25


def test_a_csv_larger_than_the_byte_limit_is_refused_unread(database, tmp_path):
    path = write_csv(tmp_path / "单位.csv", units(2000))
    assert messages(read_files([path], Limits(bytes=20_000))) == [
        f"单位.csv：文件有 {path.stat().st_size // 1024} KB，超过一次导入的上限 19 KB，请分成几个文件导入"]


def test_an_xlsx_that_unpacks_beyond_the_byte_limit_is_refused_unread(database, tmp_path):
    path = write_xlsx(tmp_path / "单位.xlsx", units(5000))
    assert path.stat().st_size < 100_000  # small as uploaded ...
    batch = read_files([path], Limits(bytes=200_000))  # ... but larger once unpacked
    assert len(batch.errors) == 1
    assert batch.errors[0].message.startswith("此文件解压后有 ")
    assert batch.errors[0].message.endswith("，超过一次导入的上限 195 KB，请分成几个文件导入")


@pytest.mark.parametrize("write_only", [True, False])
def test_an_xlsx_with_more_rows_than_the_limit_is_refused_before_its_sheet_is_loaded(database, tmp_path,
                                                                                   write_only):
    # openpyxl's write-only workbooks state no <dimension>: the rows are counted as the part unpacks
    path = write_xlsx(tmp_path / "单位.xlsx", units(300), write_only=write_only)
    assert messages(read_files([path], Limits(rows=100))) == [
        "单位.xlsx：此文件的工作表有 301 行，超过一次导入的上限 100 行，请分成几个文件导入"]
    assert messages(read_files([path], Limits(rows=300))) == []
