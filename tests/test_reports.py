"""The monthly notification and the award documents: figures checked by hand and by separate SQL."""

import io
from decimal import Decimal

import openpyxl
import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange import reports
from kaohe.core.runs.results import publish
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import Item, Publication, ScoreRun
from kaohe.core.storage.schemes import get_scheme
from kaohe.demo import build_demo
from kaohe.plugins.manager import build_registry
from tests import factories as f
from tests.reports_support import SCRIPT_TITLE, city, panel, recalc_months, rows_by_code, scheme  # noqa: F401 (fixtures and helpers)





# ---------------------------------------------------------------- a small city, counted by hand







def test_notification_figures_match_hand_counts(registry, scheme):
    runs = recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    data = reports.monthly_notification(scheme, "2025-03", registry=registry)

    assert data["title"] == "清江市政府系统政务信息工作通报（2025年第3期）"
    assert [key for key, _label in data["level_columns"]] == ["national", "provincial", "city",
                                                              "county"]
    assert [(p["pool"], [r["code"] for r in p["rows"]]) for p in data["pools"]] == [
        ("county", ["KH", "CS", "JS"]), ("department", ["FG"])]
    rows = rows_by_code(data)
    picked = {code: (r["rank"], r["submitted"], r["adoptions"], r["adoptions_total"], r["points"],
                     r["total"], r["adopted_ytd"], r["submitted_ytd"], r["adoption_rate_text"])
              for code, r in rows.items()}
    assert picked == {
        # March: I3, I7 submitted; 国办 combined + 2 city adoptions; 1 + (20 + 5 + 50) / 2;
        # the year: 20 + 2 + 38.5; I1, I2, I3 adopted by March's end of I1, I2, I3, I7.
        "KH": (1, 2, {"national": 1, "provincial": 0, "city": 2, "county": 0}, 3,
               Decimal("38.50"), Decimal("60.50"), 3, 4, "75.0%"),
        "CS": (2, 2, {"national": 1, "provincial": 0, "city": 1, "county": 0}, 2,
               Decimal("37.50"), Decimal("37.50"), 1, 2, "50.0%"),
        "JS": (3, 0, {"national": 0, "provincial": 0, "city": 0, "county": 0}, 0,
               Decimal("0.00"), Decimal("0.00"), 0, 1, "0.0%"),
        "FG": (1, 1, {"national": 0, "provincial": 0, "city": 0, "county": 1}, 1,
               Decimal("0.00"), Decimal("0.00"), 1, 1, "100.0%"),
    }
    assert {p["pool"]: p["no_adoption"] for p in data["pools"]} == {"county": ["江山市"],
                                                                    "department": []}
    assert data["instructions"] == [{
        "date": f.day("2025-03-20"), "level": "provincial", "level_label": "省级", "leader": "省长",
        "item_no": "I3", "item_title": SCRIPT_TITLE, "units": ["开化县", "常山县"]}]
    assert [(r["period"], r["run_id"], r["status"]) for r in data["runs"]] == [
        ("2025-01", runs[0].id, "未发布"), ("2025-02", runs[1].id, "未发布"),
        ("2025-03", runs[2].id, "未发布")]
    assert data["all_official"] is False
    assert data["notice"] == ("注意：2025年1月、2025年2月、2025年3月的计算结果尚未正式发布，"
                              "本通报相关数字不是正式结果，仅供核对")


def test_published_runs_are_used_over_later_ones(registry, scheme, city):
    january, february, _march = recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    publish(january, "王科长")
    # A later January item adopted in January: the new, unpublished January run has more points,
    # but the notification keeps to the published one until it is replaced.
    late = f.item(city["JS"], "2025-01-25", no="I8", title="江山市补录稿件")
    f.adoption(late, f.publication("SB2", "provincial", "省政务信息增刊"), "2025-01-28", "full")
    newer = recalculate(registry, scheme, "2025-01").run
    assert newer.id > january.id
    data = reports.monthly_notification(scheme, "2025-02", registry=registry)
    assert [(r["run_id"], r["status"]) for r in data["runs"]] == [(january.id, "正式发布"),
                                                                  (february.id, "未发布")]
    assert data["notice"] == "注意：2025年2月的计算结果尚未正式发布，本通报相关数字不是正式结果，仅供核对"
    rows = rows_by_code(data)
    assert (rows["JS"]["total"], rows["KH"]["total"]) == (Decimal("0.00"), Decimal("22.00"))
    # The counts come from the same runs as the points (issue 13): the published January run
    # saw no adoption of 江山市, so it is still named beside its 0 points, with the banner saying
    # data changed after the January and February runs; 常山县 and 市发改委 have theirs in March.
    assert [p["no_adoption"] for p in data["pools"]] == [["常山县", "江山市"], ["市发改委"]]
    assert data["stale"] == (f"第{january.id}、{february.id}次计算之后数据有改动：以下结果可能已经过时，"
                             f"重新计算后才反映现在的数据和分值。")
    publish(february, "王科长")
    assert reports.monthly_notification(scheme, "2025-02")["notice"] == \
        "本通报所用各月计算结果均已正式发布"


def test_missing_months_are_named_and_can_be_computed(registry, scheme):
    recalc_months(registry, scheme, "2025-02")
    with pytest.raises(KaoheError) as refused:
        reports.monthly_notification(scheme, "2025-03", registry=registry)
    assert str(refused.value) == (
        "考核方案「市政府系统」2025年1月、2025年3月尚未计算，无法生成通报。请先计算这些月份"
        "（kaohe recalc 市政府系统 --period 2025-01；kaohe recalc 市政府系统 --period 2025-03），"
        "或选择自动补算（命令行加 --recalc-missing）")
    assert ScoreRun.select().count() == 1
    data = reports.monthly_notification(scheme, "2025-03", recalc_missing=True, registry=registry)
    stored = [(r.period, r.note) for r in ScoreRun.select().order_by(ScoreRun.id)]
    assert stored == [("2025-02", ""), ("2025-01", "生成2025年3月通报时补算"),
                      ("2025-03", "生成2025年3月通报时补算")]
    assert rows_by_code(data)["KH"]["total"] == Decimal("60.50")


@pytest.mark.parametrize("month, message", [
    ("2025", "通报按月生成：期间应为 2025-03 这样的月份，而不是「2025」"),
    ("2024-12", "2024年12月不在考核方案「市政府系统」的年度 2025 内"),
])
def test_the_month_must_be_a_month_of_the_scheme_year(scheme, month, message):
    with pytest.raises(KaoheError, match=message):
        reports.monthly_notification(scheme, month)


def test_notification_xlsx_holds_the_figures_and_neutralises_formulas(registry, scheme, city):
    city["JS"].name = "=HYPERLINK(\"http://x\")"
    city["JS"].save()
    recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    data = reports.monthly_notification(scheme, "2025-03")
    book = openpyxl.load_workbook(io.BytesIO(reports.notification_xlsx(data)))
    assert book.sheetnames == ["县(市、区)", "市直部门", "领导批示", "计算依据"]
    sheet = book["县(市、区)"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "清江市政府系统政务信息工作通报（2025年第3期）——县(市、区)"
    header = values[3]
    assert header[:3] == ["名次", "单位", "本月报送（篇）"]
    assert header[3:8] == ["本月采用·国家级（含部委）（篇次）", "本月采用·省级（含省直厅局）（篇次）",
                           "本月采用·市级（篇次）", "本月采用·县级（篇次）", "本月采用合计（篇次）"]
    assert values[4][:12] == [1, "开化县", 2, 1, 0, 2, 0, 3, 38.5, 60.5, "3/4", "75.0%"]
    assert values[6][:2] == [3, "'=HYPERLINK(\"http://x\")"]
    assert values[8][0] == "本年度截至2025年3月末尚无采用的单位（1家）：=HYPERLINK(\"http://x\")"
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.print_title_rows == "$4:$4"
    assert [list(r) for r in book["领导批示"].iter_rows(min_row=3, values_only=True)] == [
        ["2025年3月20日", "省级", "省长", "I3", SCRIPT_TITLE, "开化县、常山县"]]


def test_notification_html_is_printable_and_escaped(registry, scheme):
    recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    page = reports.notification_html(reports.monthly_notification(scheme, "2025-03"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;河长制经验" in page
    assert "<script>" not in page
    assert "@page" in page and "size: A4" in page
    assert 'content: "第 " counter(page) " 页 共 " counter(pages) " 页"' in page
    assert "thead { display: table-header-group; }" in page
    assert '"SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", serif' in page
    assert "http" not in page  # no asset from anywhere
    assert "<h1>清江市政府系统政务信息工作通报（2025年第3期）</h1>" in page
    assert "2025年1月第1次计算（未发布）" in page
    assert "<td>开化县</td>" in page and '<td class="n">60.50</td>' in page
    assert "尚无采用的单位（1家）：</strong>江山市" in page


# ---------------------------------------------------------------- the award documents

def test_award_documents_only_from_a_published_year_run(registry, scheme, city):
    # 江山市 concealed a 特别重大 event: −40 and a veto for the unit and its reporter.
    f.urgent(city["JS"], "I", "2025-05-05 08:00", status="concealed", reporter_=city["R2"],
             title="化工厂爆炸")
    run = recalculate(registry, scheme, "2025").run
    with pytest.raises(KaoheError) as refused:
        reports.award_documents(scheme)
    assert str(refused.value) == (
        f"考核方案「市政府系统」2025年度结果尚未发布，不能生成评先文件；"
        f"请核对后发布第 {run.id} 次计算（kaohe publish 市政府系统 {run.id}）")
    with pytest.raises(KaoheError, match="没有 2024 年度的结果"):
        reports.award_documents(scheme, 2024)

    publish(run, "王科长")
    data = reports.award_documents(scheme, 2025)
    assert data["title"] == "清江市政府系统2025年度政务信息工作先进单位和先进个人名单"
    assert data["run"]["id"] == run.id and data["run"]["published_by"] == "王科长"
    # The year: 开化县 20 + 2 + 1 + 37.5 + 5 (April combined) = 65.5; 常山县 37.5.
    assert [(p["pool"], [(r["award_rank"], r["name"], r["points"]) for r in p["rows"]])
            for p in data["pools"]] == [
        ("county", [(1, "开化县", Decimal("65.50")), (2, "常山县", Decimal("37.50"))]),
        ("department", [])]
    assert [(r["award_rank"], r["name"], r["unit"], r["points"]) for r in data["reporters"]] == [
        (1, "张三", "开化县", Decimal("20.00"))]
    # The veto is said once (issue 13: the documents said 「一票否决」 twice per name).
    veto = "一票否决，不参加评先：紧急信息「化工厂爆炸」（特别重大）瞒报"
    assert [(r["name"], r["points"], r["reason"]) for r in data["excluded_units"]] == [
        ("江山市", Decimal("-40.00"), veto), ("市发改委", Decimal("0.00"), "总分不为正，不参加评先")]
    assert [(r["name"], r["unit"], r["reason"]) for r in data["excluded_reporters"]] == [
        ("李四", "江山市", veto)]

    page = reports.awards_html(data)
    assert "<h1>清江市政府系统2025年度政务信息工作先进单位和先进个人名单</h1>" in page
    assert f"<td>{veto}</td>" in page and "@page" in page and "http" not in page
    book = openpyxl.load_workbook(io.BytesIO(reports.awards_xlsx(data)))
    assert book.sheetnames == ["先进单位", "先进个人", "不参加评先"]
    cells = [list(r) for r in book["先进单位"].iter_rows(values_only=True)]
    assert [1, "KH", "开化县", 65.5] in cells and [2, "CS", "常山县", 37.5] in cells
    excluded = [list(r) for r in book["不参加评先"].iter_rows(values_only=True)]
    assert ["县(市、区)", "JS", "江山市", -40, veto] in excluded
    assert ["R2", "李四", "江山市", 0, veto] in excluded


# ---------------------------------------------------------------- the commands


def test_notify_and_award_docs_commands(kaohe, scheme, tmp_path):
    code, _out, err = kaohe("notify", "市政府系统", "--month", "2025-03")
    assert code == 1 and "2025年1月、2025年2月、2025年3月尚未计算" in err

    target = tmp_path / "通报.xlsx"
    code, out, _err = kaohe("notify", "市政府系统", "--month", "2025-03", "--recalc-missing",
                            "--output", str(target))
    assert code == 0
    assert out.splitlines()[0] == f"已生成清江市政府系统政务信息工作通报（2025年第3期）：{target}"
    assert "2025年3月第3次计算（未发布）" in out
    sheet = openpyxl.load_workbook(target)["县(市、区)"]
    assert [c.value for c in sheet[5]][:10] == [1, "开化县", 2, 1, 0, 2, 0, 3, 38.5, 60.5]

    page = tmp_path / "通报.html"
    code, out, _err = kaohe("notify", "市政府系统", "--month", "2025-03", "-o", str(page))
    assert code == 0 and "&lt;script&gt;" in page.read_text(encoding="utf-8")
    assert ScoreRun.select().count() == 3  # the stored runs were read, not computed again

    docs = tmp_path / "评先.html"
    kaohe("recalc", "市政府系统")
    code, _out, err = kaohe("award-docs", "市政府系统", "--output", str(docs))
    assert code == 1 and "2025年度结果尚未发布，不能生成评先文件" in err and not docs.exists()
    kaohe("publish", "市政府系统", "4")
    code, out, _err = kaohe("award-docs", "市政府系统", "--year", "2025", "--format", "html",
                            "--output", str(docs))
    assert code == 0 and "（第 4 次计算，正式发布）" in out
    assert "<td>开化县</td><td class=\"n\">65.50</td>" in docs.read_text(encoding="utf-8")
    code, _out, err = kaohe("award-docs", "市政府系统", "--output", str(tmp_path / "x.pdf"))
    assert code == 1 and "无法从文件名「" in err


# ---------------------------------------------------------------- the demo city

# The demo city (about 90 units, 9000 items) built once for the module, January to March of
# 市政府系统 recalculated; the tests only read it, each after pointing the database at its file.
@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    create_tables()
    registry = build_registry(plugins_dir=tmp_path_factory.mktemp("no-plugins"),
                              entry_points=False)
    build_demo(registry)
    city_scheme = get_scheme("市政府系统")
    for month in ("2025-01", "2025-02", "2025-03"):
        recalculate(registry, city_scheme, month)
    database.close()
    return url


@pytest.fixture
def demo(demo_url):
    database = dbmod.configure(demo_url)
    database.connect(reuse_if_open=True)
    yield get_scheme("市政府系统")
    database.close()


def sql(query, *params):
    return dbmod.db.execute_sql(query, params).fetchall()


def test_demo_month_figures_match_separate_sql_counts(demo):
    data = reports.monthly_notification(demo, "2025-03")
    rows = rows_by_code(data)
    runs = [r["run_id"] for r in data["runs"]]
    assert len(runs) == 3 and data["runs"][-1]["period"] == "2025-03"
    member_count = sql("SELECT COUNT(*) FROM scheme_unit WHERE scheme_id = ?", demo.id)[0][0]
    assert len(rows) == member_count
    levels = {"national": ("national", "ministry"), "provincial": ("provincial", "provincial_dept"),
              "city": ("city",), "county": ("county",)}
    # A few units of every pool: the first two and the last by rank.
    chosen = [r for pool in data["pools"] for r in pool["rows"][:2] + pool["rows"][-1:]]
    for row in chosen:
        (uid,), = sql("SELECT id FROM unit WHERE code = ?", row["code"])
        (submitted,), = sql(
            "SELECT COUNT(*) FROM item_unit iu JOIN item i ON i.id = iu.item_id "
            "WHERE iu.unit_id = ? AND i.submitted_on BETWEEN '2025-03-01' AND '2025-03-31'", uid)
        assert row["submitted"] == submitted, row["name"]
        for key, names in levels.items():
            (count,), = sql(
                "SELECT COUNT(*) FROM adoption a JOIN item_unit iu ON iu.item_id = a.item_id "
                "JOIN publication p ON p.id = a.publication_id WHERE iu.unit_id = ? "
                "AND a.form <> 'forwarded' AND a.adopted_on BETWEEN '2025-03-01' AND '2025-03-31' "
                f"AND p.level IN ({', '.join('?' * len(names))})", uid, *names)
            assert row["adoptions"][key] == count, (row["name"], key)
        (month_cents,), = sql("SELECT COALESCE(SUM(points), 0) FROM score_line "
                              "WHERE run_id = ? AND unit_id = ?", runs[-1], uid)
        assert row["points"] == Decimal(month_cents) / 100, row["name"]
        (year_cents,), = sql("SELECT COALESCE(SUM(points), 0) FROM score_line "
                             "WHERE run_id IN (?, ?, ?) AND unit_id = ?", *runs, uid)
        assert row["total"] == Decimal(year_cents) / 100, row["name"]
        (ytd_submitted, ytd_adopted), = sql(
            "SELECT COUNT(*), SUM(EXISTS (SELECT 1 FROM adoption a WHERE a.item_id = i.id "
            "AND a.form <> 'forwarded' AND a.adopted_on <= '2025-03-31')) "
            "FROM item_unit iu JOIN item i ON i.id = iu.item_id "
            "WHERE iu.unit_id = ? AND i.submitted_on BETWEEN '2025-01-01' AND '2025-03-31'", uid)
        assert (row["submitted_ytd"], row["adopted_ytd"]) == (ytd_submitted, ytd_adopted or 0)
    for pool in data["pools"]:
        totals = [r["total"] for r in pool["rows"]]
        assert totals == sorted(totals, reverse=True)
        assert [r["rank"] for r in pool["rows"]] == list(range(1, len(totals) + 1))


def test_demo_no_adoption_and_instructions_match_separate_queries(demo):
    data = reports.monthly_notification(demo, "2025-03")
    without = sql(
        "SELECT u.pool, u.name FROM unit u JOIN scheme_unit su ON su.unit_id = u.id "
        "WHERE su.scheme_id = ? AND NOT EXISTS (SELECT 1 FROM item_unit iu "
        "JOIN adoption a ON a.item_id = iu.item_id WHERE iu.unit_id = u.id "
        "AND a.form <> 'forwarded' AND a.adopted_on BETWEEN '2025-01-01' AND '2025-03-31') "
        "ORDER BY u.code", demo.id)
    expected = {}
    for pool, name in without:
        expected.setdefault(pool, []).append(name)
    assert {p["pool"]: p["no_adoption"] for p in data["pools"] if p["no_adoption"]} == expected
    assert expected  # the demo city has units still waiting for their first adoption

    instructed = sql(
        "SELECT ins.instructed_on, ins.leader, i.no FROM instruction ins JOIN item i "
        "ON i.id = ins.item_id WHERE ins.instructed_on BETWEEN '2025-03-01' AND '2025-03-31' "
        "AND ins.item_id IN (SELECT iu.item_id FROM item_unit iu JOIN scheme_unit su "
        "ON su.unit_id = iu.unit_id WHERE su.scheme_id = ?) ORDER BY ins.instructed_on, ins.id",
        demo.id)
    assert instructed
    assert [(i["date"].isoformat(), i["leader"], i["item_no"]) for i in data["instructions"]] == \
        [(str(d), leader, no) for d, leader, no in instructed]


def test_demo_environment_scheme_without_runs_is_refused(demo):
    environment = get_scheme("环保系统")
    with pytest.raises(KaoheError) as refused:
        reports.monthly_notification(environment, "2025-02")
    assert str(refused.value) == (
        "考核方案「环保系统」2025年1月、2025年2月尚未计算，无法生成通报。请先计算这些月份"
        "（kaohe recalc 环保系统 --period 2025-01；kaohe recalc 环保系统 --period 2025-02），"
        "或选择自动补算（命令行加 --recalc-missing）")


# ---------------------------------------------------------------- the panel's 通报与评先 page



@pytest.mark.parametrize("role, expected", [("admin", 200), ("clerk", 200), ("viewer", 200),
                                            ("reporter", 403)])
def test_panel_reports_page_by_role(panel, scheme, registry, role, expected):
    recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    panel.login(role)
    pages = [f"/reports/?scheme={scheme.id}",
             f"/reports/notification?scheme={scheme.id}&month=2025-03",
             f"/reports/notification.xlsx?scheme={scheme.id}&month=2025-03"]
    assert [panel.get(page).status_code for page in pages] == [expected] * 3


def test_panel_downloads_need_a_login(panel, scheme, registry):
    recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    response = panel.get(f"/reports/notification.xlsx?scheme={scheme.id}&month=2025-03")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_clerks_month_in_the_panel(panel, scheme, city):
    """Record the month's adoption, recalculate, print the notification and download it."""
    panel.login("clerk")
    page = panel.get(f"/reports/?scheme={scheme.id}&month=2025-03").data.decode()
    assert "尚未计算" in page and "通报与评先" in page

    # The month's adoption arrives: 江山市's January item adopted in full by the province.
    f.adoption(Item.get(Item.no == "I6"), Publication.get(Publication.code == "SB"), "2025-03-30",
               "full")
    response = panel.get(f"/reports/notification?scheme={scheme.id}&month=2025-03")
    assert response.status_code == 302
    page = panel.get(response.headers["Location"]).data.decode()
    assert "2025年1月、2025年2月、2025年3月尚未计算" in page
    assert 'id="recalc-missing-form"' in page

    response = panel.post("/reports/recalc-missing",
                          data={"scheme": scheme.id, "month": "2025-03"})
    assert response.status_code == 302
    page = panel.get(response.headers["Location"]).data.decode()
    assert "<h1>清江市政府系统政务信息工作通报（2025年第3期）</h1>" in page
    assert 'id="print-button"' in page and "window.print()" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>江山市</td>" in page and '<td class="n">20.00</td>' in page
    assert "2025年3月第3次计算（未发布）" in page
    assert [(r.period, r.created_by) for r in ScoreRun.select().order_by(ScoreRun.id)] == [
        ("2025-01", "clerk"), ("2025-02", "clerk"), ("2025-03", "clerk")]

    response = panel.get(f"/reports/notification.xlsx?scheme={scheme.id}&month=2025-03")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["县(市、区)"]
    assert [c.value for c in sheet[5]][:10] == [1, "开化县", 2, 1, 0, 2, 0, 3, 38.5, 60.5]
    assert [c.value for c in sheet[7]][:10] == [3, "江山市", 0, 0, 1, 0, 0, 1, 20, 20]


def test_panel_award_documents_need_a_published_year(panel, scheme, registry):
    run = recalculate(registry, scheme, "2025").run
    panel.login("viewer")
    page = panel.get(f"/reports/?scheme={scheme.id}").data.decode()
    assert "2025年度结果尚未发布，不能生成评先文件。" in page
    response = panel.get(f"/reports/awards.xlsx?scheme={scheme.id}")
    assert response.status_code == 302
    page = panel.get(response.headers["Location"]).data.decode()
    assert (f"考核方案「市政府系统」2025年度结果尚未发布，不能生成评先文件；"
            f"请核对后发布第 {run.id} 次计算（kaohe publish 市政府系统 {run.id}）") in page

    publish(run, "王科长")
    page = panel.get(f"/reports/awards?scheme={scheme.id}").data.decode()
    assert "<h1>清江市政府系统2025年度政务信息工作先进单位和先进个人名单</h1>" in page
    assert '<td>开化县</td><td class="n">65.50</td>' in page
    response = panel.get(f"/reports/awards.xlsx?scheme={scheme.id}")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames == [
        "先进单位", "先进个人", "不参加评先"]
