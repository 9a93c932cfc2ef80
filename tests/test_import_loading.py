"""The fast paths of a large import give what the slow ones gave: rows loaded, errors named, audit entries."""

import csv
import datetime
import json
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from kaohe.core.exchange.importer import import_files
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import ImportFailed, loader_of, schema_of
from kaohe.core.storage import audit, changes
from kaohe.core.storage.models import AuditLog, Item

# Cell values as offices type them, good and bad, tried in every column of every kind.
ODD_CELLS = [
    "", "  ", " KH ", "abc def", "a、b", "a、a", "A;B", "2025-13-01", "2025年3月8日", "20250308",
    "2025-03-08 14:30", "2025-03-08T14:30:00+00:00", "１２３", "ＸＱ００４", "是", "否", "yes", "-1", "1.5",
    "2.555", "120篇", "2025年", "2025-Q1", "2025-H3", "经验类", "省级", "Ⅲ级", "县区", "地市", "x" * 600,
    "含\x01控制字符", 45724, 45724.0, 3, 0, 1, 2.5, True, False, Decimal("7.50"),
    datetime.date(2025, 3, 8), datetime.datetime(2025, 3, 8, 14, 30, 0, 400_000), None,
]


def _outcome(load, data):
    """What loading gives: ("ok", the values with their types) or ("error", messages, valid data)."""
    try:
        loaded = load(dict(data))
    except ValidationError as error:
        valid = error.valid_data or {}
        return ("error", error.messages, sorted((k, type(v).__name__, repr(v)) for k, v in valid.items()))
    return ("ok", sorted((k, type(v).__name__, repr(v)) for k, v in loaded.items()))


def _rows(kind):
    names = [name for name, _ in kind.columns]
    example = {name: value for name, value in zip(names, kind.example) if value not in ("", None)}
    yield example
    for name in names:
        yield {k: v for k, v in example.items() if k != name}
        for value in ODD_CELLS:
            yield {**example, name: value}
    yield {**example, "no_such_field": "x"}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_row_loader_gives_what_the_schema_gives_for_every_cell(name):
    kind = KINDS[name]
    load, schema = loader_of(kind), schema_of(kind)
    tried = 0
    for data in _rows(kind):
        # twice: the second time the converters answer from what they remember
        assert _outcome(load, data) == _outcome(schema.load, data), data
        assert _outcome(load, data) == _outcome(schema.load, data), data
        tried += 1
    assert tried == 2 + len(kind.columns) * (1 + len(ODD_CELLS))


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_loader_of_stripped_cells_gives_what_the_schema_gives_for_the_cells_as_written(name):
    """A file's rows reach the loader stripped, blank cells left out (reading.py), so it skips
    drop_blanks: what it gives must be what the schema gives for the filled cells as written."""
    kind = KINDS[name]
    load, schema = loader_of(kind, cleaned=True), schema_of(kind)
    for data in _rows(kind):
        filled = {k: v for k, v in data.items() if v is not None and not (isinstance(v, str) and not v.strip())}
        cleaned = schema.drop_blanks(dict(filled))
        assert _outcome(load, cleaned) == _outcome(schema.load, filled), data
        assert _outcome(load, cleaned) == _outcome(schema.load, filled), data


def test_plain_is_the_trip_through_json():
    def trip(value):
        return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=audit._default))
    values = [None, 1, True, "开化县", 1.5, Decimal("1.20"), datetime.date(2025, 3, 1),
              datetime.datetime(2025, 3, 1, 5, 6, 7), {"b": [1, (2, "x")], "a": {"z": None, "c": Decimal(2)}},
              {1: 2}, {"x": {1, 2}}, ["a", 2.0, float("inf")], {"k": object}]
    for value in values:
        assert json.dumps(audit.plain(value)) == json.dumps(trip(value)), value


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    return path


UNITS = [["单位代码", "单位名称", "单位类型"], ["KH", "开化县", "县区"], ["CS", "常山县", "县区"]]
ITEMS_HEADER = ["稿件编号", "标题", "报送日期", "报送单位", "类别", "负反馈"]


def test_a_file_with_mistakes_is_named_row_by_row_as_before(database, tmp_path):
    items = [ITEMS_HEADER,
             ["2025-0001", "开化县推进河长制", "2025-03-01", "KH", "经验", "否"],
             ["2025-0002", "", "2025-13-01", "KH", "动态", "否"],
             ["2025-0003", "常山县胡柚", "2025-03-02", "XX", "新闻", "也许"],
             ["2025-0001", "重复的编号", "2025-03-03", "CS", "动态", "否"],
             ["2025 0004", "编号里有空格", "2025-03-04", "KH、KH", "动态", "否", "多出的一格"]]
    paths = [_write(tmp_path / "单位.csv", UNITS), _write(tmp_path / "稿件.csv", items)]
    with pytest.raises(ImportFailed) as failed:
        import_files(paths)
    assert [str(error) for error in failed.value.errors] == [
        "稿件.csv 第3行「标题」：必须填写",
        "稿件.csv 第3行「报送日期」：「2025-13-01」不是有效的日期，应为 2025-03-08 的形式",
        "稿件.csv 第4行「类别」：未知的类别「新闻」，应为 动态/经验/问题/建议/调研/综合/预警",
        "稿件.csv 第4行「负反馈」：「也许」应为 是 或 否",
        "稿件.csv 第4行「报送单位」：单位代码「XX」不存在（数据库和本次导入的文件中都没有）",
        "稿件.csv 第5行「稿件编号」：稿件编号「2025-0001」与第2行重复",
        "稿件.csv 第6行「第7列」：此列有数据但没有列名",
        "稿件.csv 第6行「稿件编号」：代码中不能含有空格或分隔符「空格」",
        "稿件.csv 第6行「报送单位」：「KH」重复出现",
    ]
    assert Item.select().count() == 0 and AuditLog.select().count() == 0


def test_an_import_of_many_rows_is_on_record_row_by_row_in_one_chain(database, tmp_path, monkeypatch):
    monkeypatch.setattr(audit, "record_many", _in_batches_of_two(audit.record_many))
    items = [ITEMS_HEADER] + [[f"N{n}", f"标题{n}", "2025-03-01", "KH；CS" if n == 2 else "KH", "动态", "否"]
                              for n in range(1, 6)]
    paths = [_write(tmp_path / "单位.csv", UNITS), _write(tmp_path / "稿件.csv", items)]
    with changes.acting("clerk", "import test"):
        report = import_files(paths)
    entries = list(AuditLog.select().order_by(AuditLog.id))
    ids = {item.no: str(item.id) for item in Item.select()}
    assert [(e.action, e.object_id, e.summary, e.units, e.item, e.actor, e.batch) for e in entries] == (
        [("unit.create", e.object_id, f"导入新增单位「{code}」", f"|{code}|", "", "clerk", report.batch)
         for e, code in zip(entries, ("KH", "CS"))]
        + [("item.create", ids[f"N{n}"], f"导入新增稿件「N{n}」", "|KH|CS|" if n == 2 else "|KH|", f"N{n}",
            "clerk", report.batch) for n in range(1, 6)])
    assert entries[3].new == {"category": "news", "negative": False, "no": "N2", "reporters": [],
                              "solicitation": None, "submitted_on": "2025-03-01", "tags": [],
                              "title": "标题2", "units": ["KH", "CS"]}
    assert all(e.source.startswith("import: 单位.csv、稿件.csv") for e in entries)
    assert audit.verify_chain() is None
    # changed again: one entry with the changed fields' old and new values
    items[3][1] = "标题3（修改）"
    _write(tmp_path / "稿件.csv", items)
    import_files(paths)
    last = AuditLog.select().order_by(AuditLog.id.desc()).get()
    assert (last.action, last.object_id, last.old, last.new) == (
        "item.update", ids["N3"], {"title": "标题3"}, {"title": "标题3（修改）"})
    assert AuditLog.select().count() == 8 and audit.verify_chain() is None


def _in_batches_of_two(record_many):
    def record(entries, batch=1000):
        return record_many(entries, batch=2)
    return record
