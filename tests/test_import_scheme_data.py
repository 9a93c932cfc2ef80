"""The data real schemes need around their rules: adjustments, targets by period and scheme, item
tags, urgent reports tied to items (轻报/谎报), read back as a period's rows."""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.core.domain.periods import parse_period
from kaohe.core.exchange.exporter import export_data
from kaohe.core.exchange.importer import import_files, import_records
from kaohe.core.exchange.reading import ImportFailed
from kaohe.core.reads.data import PeriodData
from kaohe.core.storage.models import Adjustment, Item, Target, Unit, UrgentReport
from tests import factories as f

CASES = Path(__file__).resolve().parent / "data" / "schemes"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "data").is_dir())
D = Decimal


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def errors_of(paths):
    with pytest.raises(ImportFailed) as failed:
        import_files(paths)
    return [str(error) for error in failed.value.errors]


def data_rows(folder):
    """{file stem: number of data rows} of a case's data/ folder."""
    counts = {}
    for path in sorted((folder / "data").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            counts[path.stem] = sum(1 for row in csv.reader(handle) if any(row)) - 1
    return counts


LABELS = {"units": "单位", "reporters": "信息员", "publications": "刊物", "solicitations": "约稿",
          "items": "稿件", "adoptions": "采用", "instructions": "批示", "urgent": "紧急信息",
          "targets": "目标任务", "adjustments": "加减分"}


def test_the_cases_are_the_shared_five():
    assert CASE_NAMES == ["01-zhonglou-shenpiju", "02-shijiazhuang-bangongshi",
                          "07-lianyungang-zhengwu", "12-meizhou-tufa", "18-chongqing-liangyi"]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_every_case_folder_imports_whole_with_kaohe_import_and_again_unchanged(kaohe, case):
    folder = CASES / case
    code, out, err = kaohe("import", folder / "data")
    assert (code, err) == (0, "")
    expected = [f"{LABELS[stem]}：新增 {count} 条，更新 0 条"
                for stem, count in data_rows(folder).items()]
    counts = [line for line in out.strip().splitlines() if not line.startswith("导入批次")]  # then the batch
    assert sorted(counts) == sorted(expected)
    code, out, _ = kaohe("import", folder / "data")
    assert code == 0
    counts = [line for line in out.strip().splitlines() if not line.startswith("导入批次")]
    assert sorted(counts) == sorted(
        f"{LABELS[stem]}：新增 0 条，更新 0 条，未变 {count} 条"
        for stem, count in data_rows(folder).items())


def test_an_empty_folder_is_refused_in_chinese(kaohe, tmp_path):
    (tmp_path / "空").mkdir()
    code, _, err = kaohe("import", tmp_path / "空")
    assert code != 0 and f"文件夹「{tmp_path / '空'}」中没有 csv 或 xlsx 数据文件" in err


def test_the_chongqing_adjustments_and_targets_land_as_written(kaohe):
    code, _, _ = kaohe("import", CASES / "18-chongqing-liangyi" / "data")
    assert code == 0
    first = Adjustment.select().order_by(Adjustment.id).first()
    assert (first.unit.code, first.date, first.points, first.yuan, first.kind, first.reason,
            first.reference, first.reporter.code, first.item) == (
        "WZ", datetime.date(2025, 1, 10), D("-10.00"), None, "迟报",
        "未按时上报2024年度农户万元增收工作总结信息", "计分标准第(三)项：未按时上报", "RWZ", None)
    # 期间 2025 is the whole year, stored as the year's target; no 考核方案: every scheme
    assert sorted((t.unit.code, t.year, t.period, t.scheme, t.submit_target, t.adopt_target)
                  for t in Target.select())[:2] == [("CK", 2025, "", "", 2, 0), ("FJ", 2025, "", "", 4, 0)]


def test_tags_and_the_urgent_reports_item_and_new_statuses(kaohe):
    code, _, _ = kaohe("import", CASES / "12-meizhou-tufa" / "data")
    assert code == 0
    assert Item.get(Item.no == "MJ01").tags == ["图片"]
    assert Item.get(Item.no == "MJ02").tags == []
    assert Item.get(Item.no == "GA01").tags == ["现场图像", "视频"]
    jj06 = UrgentReport.get(UrgentReport.no == "JJ06")
    assert (jj06.status, jj06.item.no) == ("understated", "MX02")
    assert UrgentReport.get(UrgentReport.no == "JJ19").status == "false"
    assert UrgentReport.get(UrgentReport.no == "JJ09").item is None


def test_quarterly_targets_and_a_schemes_own_target(database, registry, tmp_path):
    kh = f.unit("KH")
    from kaohe.core.storage.schemes import create_scheme
    create_scheme(registry, "测试方案", 2025, ["provincial"])
    write_csv(tmp_path / "目标任务.csv", [
        ["单位代码", "年度", "期间", "报送任务", "采用任务", "考核方案"],
        ["KH", "2025", "", "40", "10", ""],
        ["KH", "", "2025-Q1", "10", "", ""],
        ["KH", "2025", "2025-q2", "12", "3", ""],
        ["KH", "2025", "2025-Q1", "15", "", "测试方案"],
        ["KH", "2025", "2025-03", "5", "", ""],
    ])
    report = import_files([tmp_path / "目标任务.csv"])
    assert report.counts["targets"] == {"created": 5, "updated": 0, "unchanged": 0}
    assert sorted((t.period, t.scheme, t.submit_target) for t in Target.select()) == [
        ("", "", 40), ("2025-03", "", 5), ("2025-Q1", "", 10), ("2025-Q1", "测试方案", 15),
        ("2025-Q2", "", 12)]
    from kaohe.core.storage.models import Scheme
    data = PeriodData(Scheme.get().id, parse_period("2025-Q1"), 2025)
    assert data.targets == {kh.id: (kh.id, 40, 10, "2025")}
    assert data.targets_by_period == {
        (kh.id, "2025"): (kh.id, 40, 10, "2025"),
        (kh.id, "2025-03"): (kh.id, 5, 0, "2025-03"),
        (kh.id, "2025-Q1"): (kh.id, 15, 0, "2025-Q1"),  # the scheme's own, not every scheme's 10
        (kh.id, "2025-Q2"): (kh.id, 12, 3, "2025-Q2"),
    }


def test_bad_targets_are_named_by_row_and_column(database, registry, tmp_path):
    f.unit("KH")
    path = write_csv(tmp_path / "目标任务.csv", [
        ["单位代码", "年度", "期间", "报送任务", "考核方案"],
        ["KH", "2025", "2026-Q1", "10", ""],
        ["KH", "", "", "10", ""],
        ["KH", "2025", "2025-Q5", "10", ""],
        ["KH", "2025", "2025-Q1", "10", "没有的方案"],
        ["KH", "2025", "2025-Q2", "10", ""],
        ["KH", "2025", "2025-Q2", "11", ""],
    ])
    assert errors_of([path]) == [
        "目标任务.csv 第2行「期间」：期间「2026-Q1」不在2025年度内",
        "目标任务.csv 第3行「年度」：必须填写（或在期间中写明年度）",
        "目标任务.csv 第4行「期间」：「2025-Q5」不是有效的期间，应为 2025、2025-H1、2025-Q1 或 2025-03 的形式",
        "目标任务.csv 第5行「考核方案」：方案名称「没有的方案」不存在",
        "目标任务.csv 第7行「单位代码」：与第6行重复（单位代码、年度、期间、考核方案都相同）",
    ]
    assert Target.select().count() == 0


def test_bad_adjustments_are_named_and_nothing_lands(database, tmp_path):
    f.unit("KH")
    path = write_csv(tmp_path / "加减分.csv", [
        ["单位代码", "日期", "分值", "金额", "类别", "事由", "信息员", "稿件编号"],
        ["KH", "2025-03-02", "", "", "差错", "没有分值", "", ""],
        ["KH", "2025-03-02", "-0.125", "", "差错", "三位小数", "", ""],
        ["KH", "", "-1", "", "迟报", "没有日期", "", ""],
        ["KH", "2025-03-02", "-1", "", "迟报", "", "", ""],
        ["KH", "2025-03-02", "两分", "", "", "不是数", "", ""],
        ["KH", "2025-03-03", "-1", "", "", "稿件不存在", "R9", "X9"],
        ["KH", "2025-03-04", "1.5", "200", "表扬", "好", "", ""],
    ])
    assert errors_of([path]) == [
        "加减分.csv 第2行「分值」：分值和金额至少填写一项",
        "加减分.csv 第3行「分值」：「-0.125」最多保留两位小数",
        "加减分.csv 第4行「日期」：必须填写",
        "加减分.csv 第5行「事由」：必须填写",
        "加减分.csv 第6行「分值」：「两分」不是数值",
        "加减分.csv 第7行「信息员」：信息员编号「R9」不存在（数据库和本次导入的文件中都没有）",
        "加减分.csv 第7行「稿件编号」：稿件编号「X9」不存在（数据库和本次导入的文件中都没有）",
    ]
    assert Adjustment.select().count() == 0


def test_adjustments_export_in_the_import_format_and_come_back_unchanged(database, tmp_path):
    kh = f.unit("KH")
    r1 = f.reporter("R1", kh)
    item = f.item([kh], no="2025-0001")
    import_records("adjustments", [
        {"unit": "KH", "date": "2025-05-20", "points": "-2", "kind": "差错", "reason": "数据有误",
         "reference": "被上级部门通报的，每次扣2分", "reporter": "R1", "item": "2025-0001"},
        {"unit": "KH", "date": "2025-06-01", "yuan": "300", "reason": "领导表扬"},
    ])
    text = export_data(["加减分"], "csv").decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows == [
        ["单位代码", "日期", "分值", "金额", "类别", "事由", "依据", "信息员", "稿件编号"],
        ["KH", "2025-05-20", "-2.00", "", "差错", "数据有误", "被上级部门通报的，每次扣2分", "R1", "2025-0001"],
        ["KH", "2025-06-01", "", "300.00", "", "领导表扬", "", "", ""],
    ]
    path = tmp_path / "加减分.csv"
    path.write_text(text, encoding="utf-8")
    assert import_files([path]).counts["adjustments"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert (r1.id, item.id) == (Adjustment.get().reporter_id, Adjustment.get().item_id)


def test_a_periods_rows_carry_adjustments_tags_and_the_reports_item(database, registry):
    from kaohe.core.storage.schemes import create_scheme
    kh, cs, other = f.unit("KH"), f.unit("CS"), f.unit("QT")
    scheme = create_scheme(registry, "两县", 2025, ["provincial"], units=["KH", "CS"])
    tagged = f.item([kh], submitted_on="2025-03-01", no="T1")
    Item.update(tags=["图片", "视频"]).where(Item.id == tagged.id).execute()
    f.adoption(tagged, f.publication("SZB", "provincial"), adopted_on="2025-03-05")
    report = f.urgent(kh, "III", "2025-03-02 09:00", "2025-03-02 10:00", status="understated")
    UrgentReport.update(item=tagged).where(UrgentReport.id == report.id).execute()
    import_records("adjustments", [
        {"unit": "KH", "date": "2025-03-31", "points": "-1", "kind": "迟报", "reason": "周报迟交"},
        {"unit": "CS", "date": "2025-03-01", "points": "0.5", "yuan": "100", "reason": "表扬"},
        {"unit": "KH", "date": "2025-04-01", "points": "-2", "reason": "下月的"},
        {"unit": "QT", "date": "2025-03-10", "points": "-3", "reason": "不在方案中"},
    ])
    data = PeriodData(scheme.id, parse_period("2025-03"), 2025)
    assert data.items[tagged.id].tags == ("图片", "视频")
    assert [(r.no, r.status, r.item) for r in data.urgent_reports] == [(report.no, "understated", tagged.id)]
    assert [(a.unit, a.date, a.points, a.yuan, a.kind, a.reason) for a in data.adjustments] == [
        (cs.id, datetime.date(2025, 3, 1), D("0.50"), D("100.00"), "", "表扬"),
        (kh.id, datetime.date(2025, 3, 31), D("-1.00"), D("0.00"), "迟报", "周报迟交"),
    ]
    assert other.id not in {a.unit for a in data.adjustments}
    before = data.fingerprint()
    Adjustment.update(points=D("-1.5")).where(Adjustment.reason == "周报迟交").execute()
    again = PeriodData(scheme.id, parse_period("2025-03"), 2025)
    again.adjustments
    again.items
    again.urgent_reports
    assert again.fingerprint() != before
    assert Unit.select().count() == 3


def test_an_office_defines_its_own_unit_kind_and_pool(database, registry, tmp_path):
    """A province ranks its cities: 地市 is the office's own kind (and so the pool)."""
    kinds = write_csv(tmp_path / "单位类型.csv", [["类型代码", "类型名称"], ["地市", "设区市"]])
    units = write_csv(tmp_path / "单位.csv", [
        ["单位代码", "单位名称", "单位类型", "考核组别"],
        ["HZ", "杭州市", "地市", ""], ["NB", "宁波市", "地市", ""], ["KH", "开化县", "县区", "山区县"]])
    report = import_files([kinds, units])
    assert report.counts["unit_kinds"]["created"] == 1 and report.counts["units"]["created"] == 3
    assert sorted((u.code, u.kind, u.pool) for u in Unit.select()) == [
        ("HZ", "地市", "地市"), ("KH", "county", "山区县"), ("NB", "地市", "地市")]
    # later files name the kind the database now holds; an unknown word lists the office's kinds
    more = write_csv(tmp_path / "单位-2.csv", [["单位代码", "单位名称", "单位类型"],
                                              ["WZ", "温州市", "地市"], ["JX", "嘉兴市", "地级市"]])
    assert errors_of([more]) == [
        "单位-2.csv 第3行「单位类型」：未知的单位类型「地级市」，应为 县区/部门/乡镇/直报点/系统单位/处室/地市"]
    refused = write_csv(tmp_path / "单位类型-2.csv", [["类型代码", "类型名称"], ["县区", "县"]])
    assert errors_of([refused]) == ["单位类型-2.csv 第2行「类型代码」：「县区」是内置的单位类型，无需再定义"]


def test_an_office_pool_gets_the_default_award_quota(database, registry):
    from kaohe.core.runs.store import recalculate
    from kaohe.core.storage.schemes import create_scheme
    import_records("unit_kinds", [{"code": "地市", "name": "设区市"}])
    import_records("units", [{"code": c, "name": c, "kind": "地市"} for c in ("HZ", "NB", "WZ", "JX")])
    pub = f.publication("SZB", "provincial")
    for n, code in enumerate(("HZ", "NB", "WZ")):
        for k in range(3 - n):  # HZ 3 items, NB 2, WZ 1: 60, 40, 20 points (provincial full 20)
            f.adoption(f.item([Unit.get(Unit.code == code)], no=f"{code}{k}"), pub)
    scheme = create_scheme(registry, "全省地市", 2025, ["provincial"])
    run = recalculate(registry, scheme, "2025").run
    from kaohe.core.storage.models import UnitResult
    rows = {r.unit.code: (r.pool, r.points, r.rank, r.award_rank)
            for r in UnitResult.select().where(UnitResult.run == run)}
    # no quota named for 地市: the default 3; JX has no points and no award
    assert rows == {"HZ": ("地市", D("60.00"), 1, 1), "NB": ("地市", D("40.00"), 2, 2),
                    "WZ": ("地市", D("20.00"), 3, 3), "JX": ("地市", D("0.00"), 4, None)}
