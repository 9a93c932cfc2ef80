"""Issue 13: a notification agrees with itself, says when results are out of date and why the
December running total differs from the year; award wording only on published year runs; the
comparison of runs. Figures computed by hand on the small city of tests/test_reports.py."""

from decimal import Decimal

import pytest

from kaohe.core.exchange import reports
from kaohe.core.runs import snapshot
from kaohe.core.runs.awarding import award_wording, shows_awards, veto_text
from kaohe.core.runs.comparison import comparison_candidates, period_warning
from kaohe.core.runs.results import publish
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Item, Publication, RunSnapshot, UnitCount, UnitResult
from kaohe.core.storage.schemes import create_scheme, set_param
from tests import factories as f
from tests.reports_support import city, panel, recalc_months, rows_by_code, scheme  # noqa: F401

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


# ---------------------------------------------------------------- what a run keeps

def test_a_stored_run_keeps_its_counts_revision_and_instructions(registry, scheme, city):
    march = recalculate(registry, scheme, "2025-03").run
    kept = {row.unit.code: (row.county, row.adopted_earlier)
            for row in UnitCount.select().where(UnitCount.run == march)}
    # County publications in March: 市发改委's I5 once. Submitted before March, first adopted in
    # March: 开化县's I2 (forwarded in February, which is no adoption; brief by the city 2 March).
    assert kept == {"KH": (0, 1), "CS": (0, 0), "JS": (0, 0), "FG": (1, 0)}
    snap = RunSnapshot.get(RunSnapshot.run == march)
    assert [(i["item_no"], i["leader"], i["units"]) for i in snap.instructions] == [
        ("I3", "省长", ["开化县", "常山县"])]
    assert snap.data_counter is not None
    assert not snapshot.freshness(march).stale


def test_a_published_month_keeps_its_counts_beside_its_points(registry, scheme, city):
    runs = recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    for run in runs:
        publish(run, "王科长")
    before = reports.monthly_notification(scheme, "2025-03")
    assert before["stale"] == "" and before["all_official"]

    # One adoption imported after publishing: 江山市's January item, in full by the province.
    f.adoption(Item.get(Item.no == "I6"), Publication.get(Publication.code == "SB"), "2025-03-30",
               "full")
    after = reports.monthly_notification(scheme, "2025-03")
    js = rows_by_code(after)["JS"]
    # The published March run saw no adoption of 江山市: counts and points still agree (0, 0/1).
    assert (js["points"], js["total"], js["adoptions_total"], js["adopted_ytd"], js["submitted_ytd"]) \
        == (Decimal("0.00"), Decimal("0.00"), 0, 0, 1)
    assert rows_by_code(after) == rows_by_code(before)
    assert "江山市" in after["pools"][0]["no_adoption"]
    ids = "、".join(str(r.id) for r in runs)
    assert after["stale"] == (f"第{ids}次计算之后数据有改动：以下结果可能已经过时，"
                              f"重新计算后才反映现在的数据和分值。")
    page = reports.notification_html(after)
    assert 'id="stale-notice"' in page and "结果可能已过时" in page

    # Recalculated (not yet published), March shows the adoption: 20 points, 1 of 1 adopted.
    recalculate(registry, scheme, "2025-03")
    publish(recalculate(registry, scheme, "2025-03").run, "王科长")
    js = rows_by_code(reports.monthly_notification(scheme, "2025-03"))["JS"]
    assert (js["points"], js["adoptions"]["provincial"], js["adopted_ytd"], js["adoption_rate_text"]) \
        == (Decimal("20.00"), 1, 1, "100.0%")


def test_changed_parameters_make_a_run_out_of_date(registry, scheme):
    run = recalculate(registry, scheme, "2025-03").run
    set_param(registry, scheme, "provincial.adoption.provincial.full", "25",
              reason="新办法")
    found = snapshot.freshness(run)
    assert (found.parameters_changed, found.data_changed) == (True, False)
    assert found.message == (f"第{run.id}次计算之后分值参数已改为第2版，以下结果可能已经过时；"
                             f"重新计算后才反映现在的数据和分值。")


def test_a_run_stored_before_counts_were_kept_is_read_from_the_data_and_said_so(registry, scheme):
    runs = recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    UnitCount.delete().where(UnitCount.run == runs[2]).execute()
    RunSnapshot.delete().where(RunSnapshot.run == runs[2]).execute()
    data = reports.monthly_notification(scheme, "2025-03")
    assert data["caveats"] == [f"第{runs[2].id}次计算保存时未记录通报所需的计数，这些计数按现在的数据统计"]
    assert rows_by_code(data)["KH"]["adopted_ytd"] == 3


# ---------------------------------------------------------------- whole-year rules

@pytest.fixture
def bonus_scheme(registry, city):
    f.fact(city["KH"], "provincial_county_rank", 3)
    return create_scheme(registry, "县区加分", 2025, ["provincial", "county_bonus"],
                         title="清江市2025年度县区政务信息考核")


def test_december_names_the_whole_year_rules_the_months_leave_out(registry, bonus_scheme):
    recalc_months(registry, bonus_scheme, *MONTHS)
    year = recalculate(registry, bonus_scheme, "2025").run
    data = reports.monthly_notification(bonus_scheme, "2025-12", registry=registry)
    # 开化县 by month: 20 + 2 + 1 + 37.5 + 5 = 65.5; the year adds the top-50 county bonus: 115.5.
    assert rows_by_code(data)["KH"]["total"] == Decimal("65.50")
    assert UnitResult.get((UnitResult.run == year) & (UnitResult.unit == 1)).points == Decimal("115.50")
    note = data["whole_year"]
    assert note["year_run"] == {"id": year.id, "official": False}
    assert [(u["name"], u["total"], u["year_points"], u["difference"]) for u in note["units"]] == [
        ("开化县", Decimal("65.50"), Decimal("115.50"), Decimal("50.00"))]
    assert note["units"][0]["sentence"] == (
        "开化县：12月累计65.5分（组内第1名），全年计算115.5分（组内第1名），差50分："
        "县区加分「2025年全省县域排名第3位，进入前50位，加50分」，只在全年计算时计入")
    assert note["sentence"].startswith(f"12月的年度累计得分是各月计算之和，与全年计算（第{year.id}次）的结果有1家单位不同")
    assert "开化县：12月累计65.5分" in reports.notification_html(data)
    import io
    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(reports.notification_xlsx(data)))["县(市、区)"]
    assert note["units"][0]["sentence"] in [row[0] for row in sheet.iter_rows(values_only=True)]
    # Before December the running total is partial: the general sentence only.
    march = reports.monthly_notification(bonus_scheme, "2025-03")["whole_year"]
    assert (march["units"], march["sentence"]) == ([], reports.whole_year.GENERAL)


# ---------------------------------------------------------------- award wording

def test_award_wording_only_on_a_published_year_run(registry, scheme, city):
    f.urgent(city["JS"], "I", "2025-03-05 08:00", status="concealed", title="化工厂爆炸")
    march = recalculate(registry, scheme, "2025-03").run
    year = recalculate(registry, scheme, "2025").run
    kh = lambda run: UnitResult.get((UnitResult.run == run) & (UnitResult.unit == city["KH"]))  # noqa: E731
    js = lambda run: UnitResult.get((UnitResult.run == run) & (UnitResult.unit == city["JS"]))  # noqa: E731
    assert kh(march).award_note == "县(市、区)先进单位第1名"  # what the engine stores
    assert (shows_awards(march), award_wording(march, kh(march))) == (False, "")
    assert award_wording(march, js(march)) == "一票否决：紧急信息「化工厂爆炸」（特别重大）瞒报"
    assert award_wording(year, kh(year)) == ""
    publish(year, "王科长")
    year = type(year).get_by_id(year.id)
    assert award_wording(year, kh(year)) == "县(市、区)先进单位第1名"
    assert award_wording(year, js(year)) == "一票否决，不参加评先：紧急信息「化工厂爆炸」（特别重大）瞒报"
    assert veto_text("A，一票否决；B，一票否决") == "A；B"


def test_ranking_page_and_api_show_no_award_wording_on_a_month(panel, registry, scheme, city):
    march = recalculate(registry, scheme, "2025-03").run
    panel.login("viewer")
    page = panel.get(f"/results/run/{march.id}/").data.decode()
    assert "先进单位第" not in page
    year = recalculate(registry, scheme, "2025").run
    publish(year, "王科长")
    page = panel.get(f"/results/run/{year.id}/").data.decode()
    assert "县(市、区)先进单位第1名" in page


# ---------------------------------------------------------------- the out-of-date banner

def test_ranking_explanation_and_dashboard_show_the_out_of_date_banner(panel, registry, scheme, city):
    year = recalculate(registry, scheme, "2025").run
    panel.login("clerk")
    pages = [f"/results/run/{year.id}/", f"/results/run/{year.id}/unit/{city['KH'].id}",
             f"/?scheme={scheme.id}"]
    assert ['id="stale-banner"' in panel.get(p).data.decode() for p in pages] == [False] * 3
    f.item(city["KH"], "2025-05-05", no="I9", title="五月稿件")
    bodies = [panel.get(p).data.decode() for p in pages]
    assert ['id="stale-banner"' in body for body in bodies] == [True] * 3
    assert f"第{year.id}次计算之后数据有改动" in bodies[0]
    assert 'id="stale-recalc"' in bodies[0]  # the remedy is a button
    panel.get("/lang/en")
    english = panel.get(pages[0]).data.decode()
    assert (f"<strong>Results may be out of date</strong>: Since run {year.id}, the data changed: the "
            "results below may be out of date; recalculate to reflect today&#39;s data and points.") in english


# ---------------------------------------------------------------- missing months: a button

def test_missing_months_are_offered_as_a_button_not_commands(panel, scheme):
    panel.login("clerk")
    response = panel.get(f"/reports/notification?scheme={scheme.id}&month=2025-02")
    page = panel.get(response.headers["Location"]).data.decode()
    assert "2025年1月、2025年2月尚未计算，无法生成通报。" in page
    assert "kaohe recalc" not in page
    assert 'id="recalc-missing-button"' in page and "计算缺少的月份" in page


# ---------------------------------------------------------------- comparing runs

def test_comparison_defaults_to_the_same_period_and_warns_across_periods(panel, registry, scheme):
    first_march = recalculate(registry, scheme, "2025-03").run
    year = recalculate(registry, scheme, "2025").run
    march = recalculate(registry, scheme, "2025-03").run
    assert [r.id for r in comparison_candidates(march)] == [first_march.id, year.id]
    assert period_warning(march, first_march) == ""
    assert period_warning(year, march) == (
        f"注意：两次计算的期间不同——第{year.id}次是2025年，第{march.id}次是2025年3月。"
        "分数和名次的差别主要来自期间长短，而不是数据或分值的改动；要看改动的影响，请比较同一期间的两次计算。")
    panel.login("clerk")
    page = panel.get(f"/results/run/{march.id}/").data.decode()
    select = page[page.index('id="compare-with"'):]
    assert select.index(f'value="{first_march.id}"') < select.index(f'value="{year.id}"')
    diff = panel.get(f"/results/diff?a={year.id}&b={march.id}").data.decode()
    assert 'id="period-warning"' in diff and "<th>考核组别</th>" in diff
    assert "<td>县(市、区)</td>" in diff
