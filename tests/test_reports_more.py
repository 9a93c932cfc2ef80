"""Issue 13's missing reports, with figures counted by hand on the small city of tests/test_reports.py:
the quarterly and urgent-report notifications, target completion, counts by publication, the share of
adoptions that answered a solicitation, a reporter's own page; in the panel, the command and the API."""

import io
import json
from decimal import Decimal

import openpyxl
import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange.reports.catalog import build_report
from kaohe.core.exchange.reports.period_reports import completion
from kaohe.core.exchange.reports.tabular import MissingPeriod, table_html, table_xlsx
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Publication, ScoreRun, UrgentFollowUp
from tests import factories as f
from tests.reports_support import city, panel, scheme  # noqa: F401 (fixtures)


def rows(data, index=0):
    return data["sections"][index]["rows"]


# A solicitation due 31 March to 开化县 and 常山县: 常山县 answers with I9 (30 March, adopted in
# April in full by the province), 开化县 does not. Two urgent reports in February: 开化县's
# 重大 event first reported after 3 hours (limit 2: late, −20, a veto), with one follow-up;
# 常山县's 一般 event after 1 hour (limit 4: on time). Targets: 开化县 3 submissions, 2 adoptions.
@pytest.fixture
def more(city):
    asked = f.solicitation([city["KH"], city["CS"]], "2025-03-31", no="YG01", title="防汛约稿")
    i9 = f.item(city["CS"], "2025-03-30", no="I9", title="常山县防汛情况", solicitation=asked)
    f.adoption(i9, Publication.get(Publication.code == "SB"), "2025-04-05", "full")
    late = f.urgent(city["KH"], "II", "2025-02-01 08:00", "2025-02-01 11:00", no="JJ01",
                    title="山体滑坡")
    f.urgent(city["CS"], "IV", "2025-02-03 08:00", "2025-02-03 09:00", no="JJ02", title="交通事故")
    UrgentFollowUp.create(report=late, reported_at=f.moment("2025-02-01 15:00"), content="已转移群众")
    f.target(city["KH"], 3, 2)
    return city


def test_target_completion_as_whole_percentages():
    assert [completion(83, 50), completion(1, 3), completion(5, 0), completion(1, 8)] == \
        ["166%", "33%", "—", "13%"]


def test_quarterly_notification(registry, scheme, more):
    with pytest.raises(MissingPeriod) as refused:
        build_report("quarterly", scheme, "2025-Q1")
    assert str(refused.value).startswith("考核方案「市政府系统」2025年第1季度尚未计算，无法生成报表")
    with pytest.raises(KaoheError, match="季度通报的期间应为 2025-Q1 这样的期间"):
        build_report("quarterly", scheme, "2025-03")
    run = recalculate(registry, scheme, "2025-Q1").run
    data = build_report("quarterly", scheme, "2025-Q1")
    assert data["title"] == "清江市政府系统2025年第1季度政务信息工作通报"
    assert data["run"] == {"id": run.id, "period": "2025-Q1", "official": False}
    # Q1: 开化县 I1, I2, I3, I7 (I1, I2, I3 adopted by 31 March; 20 + 2 + 1 + 37.5 − 20 late);
    # 常山县 I3, I4, I9 (I3 adopted; 37.5); 江山市 I6; 市发改委 I5 (adopted, 0 points).
    assert rows(data) == [
        ["县(市、区)", 1, "开化县", 4, 3, "75.0%", Decimal("40.50")],
        ["县(市、区)", 2, "常山县", 3, 1, "33.3%", Decimal("37.50")],
        ["县(市、区)", 3, "江山市", 1, 0, "0.0%", Decimal("0.00")],
        ["市直部门", 1, "市发改委", 1, 1, "100.0%", Decimal("0.00")]]
    assert rows(data, 1) == []
    assert rows(data, 2) == [["YG01", "防汛约稿", "2025-03-31", "开化县"]]
    recalculate(registry, scheme, "2025-Q2")
    q2 = build_report("quarterly", scheme, "2025-Q2")
    assert [r[2] for r in rows(q2, 1)] == ["常山县", "开化县", "江山市", "市发改委"]
    assert q2["sections"][1]["heading"] == "本季度未报送信息的单位（4家）"


def test_urgent_report_notification(registry, scheme, more):
    recalculate(registry, scheme, "2025-Q1")
    data = build_report("urgent", scheme, "2025-Q1")
    assert data["title"] == "清江市政府系统紧急重大信息报送情况通报（2025年第1季度）"
    # unit, incidents, on time, 迟报 漏报 瞒报 误报 轻报 谎报, deduction
    assert rows(data) == [["常山县", 1, 1, 0, 0, 0, 0, 0, 0, Decimal("0.00")],
                          ["开化县", 1, 0, 1, 0, 0, 0, 0, 0, Decimal("-20.00")]]
    assert rows(data, 1) == [
        ["JJ01", "开化县", "山体滑坡", "重大", "2025-02-01 08:00", "2025-02-01 11:00", "3小时00分",
         "迟报，一票否决", Decimal("-20.00"), 1],
        ["JJ02", "常山县", "交通事故", "一般", "2025-02-03 08:00", "2025-02-03 09:00", "1小时00分",
         "按时报送", Decimal("0.00"), 0]]


def test_target_completion_report(registry, scheme, more):
    recalculate(registry, scheme, "2025")
    data = build_report("targets", scheme, "2025")
    # 开化县 submitted I1, I2, I3, I7 (4 of 3: 133%) and had all four adopted in the year (4 of 2);
    # 常山县 (I3, I4, I9; 57.5 points, ranked first) has no target.
    assert rows(data)[:2] == [["县(市、区)", "常山县", "未下达", 3, "—", "未下达", 2, "—"],
                              ["县(市、区)", "开化县", 3, 4, "133%", 2, 4, "200%"]]


def test_counts_by_publication(scheme, more):
    data = build_report("publications", scheme, "2025-03")
    assert data["run"] is None and data["basis"] == "依据：现在的数据（不依据某次计算）"
    # March: 国办 combined I3; 清江信息 brief I2 and full I3; 开化信息 full I5.
    assert rows(data) == [
        ["国家级", "GB", "国办信息", 0, 1, 0, 0, 1, 1],
        ["市级", "SX", "清江信息", 1, 0, 1, 0, 2, 2],
        ["县级", "XX", "开化信息", 1, 0, 0, 0, 1, 1],
        ["合计", "", "", 2, 1, 1, 0, 4, 3]]
    assert data["sections"][0]["columns"][3:7] == ["全文", "综合", "简讯", "上报"]


def test_share_of_adoptions_that_answered_a_solicitation(scheme, more):
    data = build_report("solicitations", scheme, "2025")
    # The year's adopted items: 开化县 I1, I2, I3, I7; 常山县 I3, I9 (I9 answered YG01); 市发改委 I5.
    assert rows(data) == [["市发改委", 1, 0, "0.0%"], ["常山县", 2, 1, "50.0%"],
                          ["开化县", 4, 0, "0.0%"], ["合计（每篇稿件计一次）", 6, 1, "16.7%"]]


def test_a_reporters_own_page(registry, scheme, more):
    recalculate(registry, scheme, "2025")
    data = build_report("reporter", scheme, "2025", reporter="R1")
    assert data["title"] == "信息员张三（R1）2025年政务信息报送情况"
    # 李四 wrote only 江山市's unadopted I6: 张三 is the one reporter with a result.
    assert rows(data) == [["张三", "开化县", 1, 1, "100.0%", Decimal("20.00"), "1/1"]]
    assert rows(data, 1) == [["I1", "开化县一月动态", "2025-01-05", "《省政务信息》全文",
                              Decimal("20.00"), 1]]
    with pytest.raises(KaoheError, match="找不到信息员编号「R9」"):
        build_report("reporter", scheme, "2025", reporter="R9")
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(data)))
    assert book.sheetnames == ["本人得分与名次", "本人稿件（1篇）"]
    sheet = book["本人稿件（1篇）"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == data["title"] and ["I1", "开化县一月动态", "2025-01-05", "《省政务信息》全文",
                                              20, 1] in values
    assert sheet.print_title_rows and int(sheet.page_setup.paperSize) == 9
    assert sheet["A1"].font.name == "Noto Sans CJK SC" and sheet["A5"].font.name == "Noto Serif CJK SC"
    page = table_html(data)
    assert "<h1>信息员张三（R1）2025年政务信息报送情况</h1>" in page and "未发布" in page


def test_report_command(kaohe, scheme, more, tmp_path, registry):
    recalculate(registry, scheme, "2025")
    code, out, err = kaohe("report", "targets", "市政府系统", "--period", "2025", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["sections"][0]["rows"][1] == ["县(市、区)", "开化县", 3, 4, "133%", 2, 4, "200%"]
    target = tmp_path / "张三.xlsx"
    code, out, err = kaohe("report", "reporter", "市政府系统", "--reporter", "R1", "-o", str(target))
    assert code == 0 and target.exists(), err
    assert "已生成信息员张三（R1）2025年政务信息报送情况" in out
    code, out, err = kaohe("report", "weekly", "市政府系统")
    assert code != 0 and "没有名为「weekly」的报表" in out + err


def test_reports_in_the_panel_by_role(panel, registry, scheme, more):
    recalculate(registry, scheme, "2025")
    panel.login("viewer")
    page = panel.get(f"/report-tables/view?scheme={scheme.id}&kind=targets&period=2025")
    assert page.status_code == 200 and "133%" in page.data.decode()
    download = panel.get(f"/report-tables/file.xlsx?scheme={scheme.id}&kind=targets&period=2025")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    # A unit reporter (开化县) reads the pages of its own unit's reporters only.
    panel.get("/logout")
    panel.login("reporter")
    own = f"/report-tables/view?scheme={scheme.id}&kind=reporter&period=2025&reporter=R1"
    other = f"/report-tables/view?scheme={scheme.id}&kind=reporter&period=2025&reporter=R2"
    targets = f"/report-tables/view?scheme={scheme.id}&kind=targets&period=2025"
    assert [panel.get(u).status_code for u in (own, other, targets)] == [200, 403, 403]


def test_missing_period_offered_as_a_button_in_the_panel(panel, scheme, more):
    panel.login("clerk")
    response = panel.get(f"/report-tables/view?scheme={scheme.id}&kind=quarterly&period=2025-Q1")
    assert response.status_code == 302
    page = panel.get(response.headers["Location"]).data.decode()
    assert "2025年第1季度尚未计算，无法生成报表。" in page and 'id="report-recalc-button"' in page
    response = panel.post("/report-tables/recalc", data={"scheme": scheme.id, "kind": "quarterly",
                                                         "period": "2025-Q1"})
    assert response.status_code == 302 and "/report-tables/view" in response.headers["Location"]
    assert [(r.period, r.created_by) for r in ScoreRun.select()] == [("2025-Q1", "clerk")]
