"""An import is read, checked and written a chunk of rows at a time, inside its one transaction:
duplicates, references, the preview and whole-or-nothing hold across the chunks' boundaries."""

import csv

import pytest

from kaohe.core.exchange import preview, reading
from kaohe.core.exchange.importer import import_files, validate_files
from kaohe.core.exchange.reading import ImportFailed
from kaohe.core.exchange.recording import undo_batch
from kaohe.core.storage import audit, revision
from kaohe.core.storage.db import is_sqlite
from kaohe.core.storage.models import Adoption, AuditLog, Item, ItemUnit
from tests import factories as f

ITEMS = ["稿件编号", "标题", "报送日期", "报送单位"]
ADOPTIONS = ["稿件编号", "刊物代码", "期号", "采用日期", "采用形式"]


@pytest.fixture
def small_chunks(database, monkeypatch):
    """Chunks of 3 rows, so that a few rows cross several boundaries."""
    monkeypatch.setattr(reading, "CHUNK_ROWS", 3)
    f.unit("KH", "开化县")
    f.unit("CS", "常山县")
    f.publication("SZB", "provincial", "专报信息")
    return database


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def items(numbers, title="标题"):
    return [ITEMS] + [[f"N{n:03d}", f"{title}{n}", "2025-03-01", "KH、CS" if n % 2 else "KH"]
                      for n in numbers]


def messages(error):
    return [str(e) for e in error.value.errors]


def test_rows_of_many_chunks_import_with_their_links_and_an_audit_entry_each(small_chunks, tmp_path):
    before = revision.current()
    report = import_files([write_csv(tmp_path / "稿件.csv", items(range(10)))])
    assert report.counts["items"] == {"created": 10, "updated": 0, "unchanged": 0}
    assert sorted(Item.select(Item.no).tuples()) == [(f"N{n:03d}",) for n in range(10)]
    assert ItemUnit.select().count() == 15
    entries = list(AuditLog.select().where(AuditLog.batch == report.batch).order_by(AuditLog.id))
    assert [e.item for e in entries] == [f"N{n:03d}" for n in range(10)]
    assert entries[1].new["units"] == ["KH", "CS"] and entries[1].units == "|KH|CS|"
    assert audit.verify_chain() is None
    if is_sqlite():  # the revision moves once, not per chunk (PostgreSQL: once per statement)
        assert revision.current()[1] == before[1] + 1
    assert revision.current()[1] > before[1]
    assert undo_batch(report.batch) == 10  # the chunks are one batch, undone as one
    assert Item.select().count() == 0 and ItemUnit.select().count() == 0


def test_a_duplicate_of_a_row_written_in_an_earlier_chunk_names_that_row(small_chunks, tmp_path):
    rows = items(range(8)) + [["n001", "又一篇", "2025-03-02", "KH"]]
    path = write_csv(tmp_path / "稿件.csv", rows)
    logged = AuditLog.select().count()
    with pytest.raises(ImportFailed) as error:
        import_files([path])
    assert messages(error) == ["稿件.csv 第10行「稿件编号」：稿件编号「n001」与第3行重复"]
    assert Item.select().count() == 0 and AuditLog.select().count() == logged
    with pytest.raises(ImportFailed) as dry:
        import_files([path], dry_run=True)
    assert messages(dry) == messages(error)


def test_a_duplicate_of_a_stored_row_met_in_an_earlier_chunk_and_of_another_file(small_chunks, tmp_path):
    import_files([write_csv(tmp_path / "稿件.csv", items(range(5)))])
    first = write_csv(tmp_path / "稿件.csv", items(range(5), title="改"))  # five updates
    second = write_csv(tmp_path / "稿件-2.csv", [ITEMS, ["N009", "新", "2025-03-01", "KH"],
                                                  ["N001", "再改", "2025-03-01", "KH"]])
    with pytest.raises(ImportFailed) as error:
        import_files([first, second])
    assert messages(error) == ["稿件-2.csv 第3行「稿件编号」：稿件编号「N001」与稿件.csv 第3行重复"]
    assert Item.get(Item.no == "N001").title == "标题1"
    assert Item.get_or_none(Item.no == "N009") is None


def test_a_duplicate_of_several_key_fields_across_chunks(small_chunks, tmp_path):
    f.item([f.unit("XQ", "新区")], no="A1")
    rows = [ADOPTIONS] + [["A1", "SZB", str(n), "2025-03-10", "全文"] for n in range(7)]
    rows.append(["a1", "szb", "2", "2025-03-11", "简讯"])
    with pytest.raises(ImportFailed) as error:
        import_files([write_csv(tmp_path / "采用.csv", rows)])
    assert messages(error) == ["采用.csv 第9行「稿件编号」：与第4行重复（稿件编号、刊物代码、期号都相同）"]
    assert Adoption.select().count() == 0


def test_a_bad_row_in_a_late_chunk_writes_nothing_of_the_earlier_ones(small_chunks, tmp_path):
    rows = items(range(9)) + [["N100", "坏日期", "2025-13-01", "KH"], ["N101", "坏单位", "2025-03-01", "ZZ"]]
    before, logged = revision.current(), AuditLog.select().count()
    with pytest.raises(ImportFailed) as error:
        import_files([write_csv(tmp_path / "稿件.csv", rows)])
    assert messages(error) == [
        "稿件.csv 第11行「报送日期」：「2025-13-01」不是有效的日期，应为 2025-03-08 的形式",
        "稿件.csv 第12行「报送单位」：单位代码「ZZ」不存在（数据库和本次导入的文件中都没有）"]
    assert Item.select().count() == 0 and ItemUnit.select().count() == 0
    assert AuditLog.select().count() == logged and revision.current() == before


def test_rows_may_name_rows_of_a_file_given_after_them(small_chunks, tmp_path):
    """The tables are read kind before kind: adoptions after the items they name, whatever the
    order of the files, so every reference is to a row already written."""
    adoptions = write_csv(tmp_path / "采用.csv", [ADOPTIONS] + [[f"N{n:03d}", "SZB", "1", "2025-03-10", "全文"]
                                                             for n in range(7)])
    units = write_csv(tmp_path / "单位.csv", [["单位代码", "单位名称", "单位类型"], ["XQ", "新区", "县区"]])
    more = write_csv(tmp_path / "稿件.csv", items(range(7)) + [["N050", "新区稿", "2025-03-01", "XQ"]])
    report = import_files([adoptions, more, units])
    assert report.counts == {"units": {"created": 1, "updated": 0, "unchanged": 0},
                             "items": {"created": 8, "updated": 0, "unchanged": 0},
                             "adoptions": {"created": 7, "updated": 0, "unchanged": 0}}
    assert Adoption.select().count() == 7
    assert validate_files([adoptions, more, units]) == []


def test_the_preview_counts_and_lists_the_rows_of_every_chunk(small_chunks, tmp_path, monkeypatch):
    monkeypatch.setattr(preview, "LISTED", 4)
    import_files([write_csv(tmp_path / "稿件.csv", items(range(6)))])
    path = write_csv(tmp_path / "稿件.csv", items(range(4)) + items(range(4, 6), title="改")[1:]
                     + items(range(6, 12))[1:])
    report = import_files([path], dry_run=True)
    assert report.counts["items"] == {"created": 6, "updated": 2, "unchanged": 4}
    assert [row.row for row in report.new_rows["items"]] == [8, 9, 10, 11]
    assert [(row.row, row.changes) for row in report.changes["items"]] == [
        (6, (("标题", "标题4", "改4"),)), (7, (("标题", "标题5", "改5"),))]
    assert report.months == ["2025-03"]
    assert Item.select().count() == 6
    assert import_files([path]).counts == report.counts


def test_adoptions_dated_before_their_items_of_an_earlier_chunk_are_warned_of(small_chunks, tmp_path):
    rows = [ITEMS] + [[f"N{n:03d}", "标题", "2025-03-20", "KH"] for n in range(7)]
    paths = [write_csv(tmp_path / "稿件.csv", rows),
             write_csv(tmp_path / "采用.csv", [ADOPTIONS, ["N000", "SZB", "1", "2025-03-10", "全文"]])]
    for dry_run in (True, False):
        report = import_files(paths, dry_run=dry_run)
        assert [str(w) for w in report.warnings] == [
            "采用.csv 第2行「采用日期」：采用日期 2025-03-10 早于稿件「N000」的报送日期 2025-03-20，请核对日期"]


def test_an_import_holds_one_chunk_of_rows_at_a_time(small_chunks, tmp_path, monkeypatch):
    """What flat memory rests on: each write sees at most a chunk of rows, and the keys of the
    rows written before are not kept (the ids written stand for them)."""
    from kaohe.core.exchange import importer
    held = []
    apply = importer._apply

    def watched(plan, batch):
        held.append((len(batch.records["items"]), len(batch.first), len(batch.seen["items"])))
        apply(plan, batch)
    monkeypatch.setattr(importer, "_apply", watched)
    import_files([write_csv(tmp_path / "稿件.csv", items(range(10)))])
    assert held == [(3, 3, 3), (3, 3, 3), (3, 3, 3), (1, 1, 1)]
