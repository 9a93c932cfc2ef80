"""Issue #13's documents in English: the monthly notification, the award documents and the further
reports (quarterly and urgent-report notifications, target completion, counts by publication, the
solicitation share, a reporter's page), printed and downloaded from the panel in English mode, are
English but for the data they name (units, people, publications, titles, the scheme's own title).
Figures counted by hand on the small city of tests/reports_support.py (see tests/test_reports.py
and tests/test_reports_more.py for the same figures in Chinese)."""

import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest

from kaohe.core.exchange.reports.common import issuer_of
from kaohe.core.runs.results import publish
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import (
    Instruction,
    Item,
    ItemAuthor,
    Publication,
    Reporter,
    ScoreRun,
    Solicitation,
    Unit,
    UrgentFollowUp,
    UrgentReport,
)
from kaohe.core.storage.schemes import create_scheme
from tests import factories as f
from tests.reports_support import SCRIPT_TITLE, city, panel, recalc_months, scheme  # noqa: F401 (fixtures)

ISSUER = "清江市政府系统"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Texts(HTMLParser):
    """The text a reader sees on a page and the attributes a browser shows, scripts and styles
    left out (as tests/test_english.py reads a page)."""

    SHOWN = {"title", "aria-label", "placeholder", "label", "value", "alt"}

    def __init__(self):
        super().__init__()
        self.pieces, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.pieces.extend(v for k, v in attrs if k in self.SHOWN and v)

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(data.strip())


def chinese_left(page, allowed):
    """The pieces of `page` that still hold Chinese once the allowed words are taken out."""
    reader = Texts()
    reader.feed(page)
    return chinese_in(reader.pieces, allowed)


# 开化县 is late with a 重大 event in February (−20, a veto) with one follow-up, 常山县 on time;
# 江山市 concealed a 特别重大 event in May (−40, a veto for it and its reporter 李四). A
# solicitation due 31 March to 开化县 and 常山县: only 常山县 answers (I9, adopted in April).
# 开化县's targets: 3 submissions, 2 adoptions.
@pytest.fixture
def more(city):
    asked = f.solicitation([city["KH"], city["CS"]], "2025-03-31", no="YG01", title="防汛约稿")
    i9 = f.item(city["CS"], "2025-03-30", no="I9", title="常山县防汛情况", solicitation=asked)
    f.adoption(i9, Publication.get(Publication.code == "SB"), "2025-04-05", "full")
    late = f.urgent(city["KH"], "II", "2025-02-01 08:00", "2025-02-01 11:00", no="JJ01", title="山体滑坡")
    f.urgent(city["CS"], "IV", "2025-02-03 08:00", "2025-02-03 09:00", no="JJ02", title="交通事故")
    f.urgent(city["JS"], "I", "2025-05-05 08:00", status="concealed", reporter_=city["R2"], no="JJ03",
             title="化工厂爆炸")
    UrgentFollowUp.create(report=late, reported_at=f.moment("2025-02-01 15:00"), content="已转移群众")
    f.target(city["KH"], 3, 2)
    return city


def data_words(scheme):
    """The Chinese an English document may show: the names and titles of the data, the scheme's
    own name and title and the issuer taken from it, the people who published and instructed."""
    allowed = {u.name for u in Unit.select()} | {r.name for r in Reporter.select()}
    allowed |= {p.name for p in Publication.select()} | {i.title for i in Item.select()}
    allowed |= {s.title for s in Solicitation.select()} | {r.title for r in UrgentReport.select()}
    allowed |= {i.leader for i in Instruction.select()} | {r.published_by for r in ScoreRun.select()}
    allowed |= {scheme.name, scheme.title, issuer_of(scheme)}
    return sorted(allowed - {"", None}, key=len, reverse=True)


def book_of(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.data))


def rows_of(sheet):
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def texts_of(book):
    """Every text an xlsx shows: sheet names, cells, footers."""
    found = []
    for sheet in book.worksheets:
        found += [sheet.title, sheet.oddFooter.center.text or ""]
        found += [str(v) for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    return found


def chinese_in(texts, allowed):
    left = []
    for text in texts:
        rest = text
        for word in allowed:
            rest = rest.replace(word, " ")
        if HAN.search(rest):
            left.append(text)
    return sorted(set(left))


def headers_of(page, heading):
    """The header cells of the table after the `heading` (an h2's text)."""
    part = page.split(heading, 1)[1]
    return re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", part.split("</thead>", 1)[0])


def assert_printable(book):
    """The print setup the Chinese workbook has: A4, fit to the width, repeated header rows
    (where a sheet has one table), a named font with its Chinese fallback, an English footer."""
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddFooter.center.text == "Page &P of &N"
        assert sheet["A1"].font.name == "Noto Sans CJK SC" and sheet["A2"].font.name == "Noto Serif CJK SC"
        assert sheet["A2"].font.charset == 134  # GB2312: Excel falls back to 宋体 for the data


@pytest.fixture
def english(panel):
    panel.login("clerk")
    panel.get("/lang/en")
    return panel


# ---------------------------------------------------------------- the monthly notification

def test_the_monthly_notification_in_english(registry, scheme, english):
    runs = recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    ids = [r.id for r in runs]
    url = f"/reports/notification?scheme={scheme.id}&month=2025-03"
    page = english.get(url).data.decode()
    assert f"<h1>{ISSUER}: Monthly notification of information work, March 2025 (no. 3)</h1>" in page
    assert '<html lang="en">' in page and '"Times New Roman", "Liberation Serif", "宋体"' in page
    assert 'content: "Page " counter(page) " of " counter(pages);' in page
    assert '<p class="stamp"><span>Not published</span></p>' in page
    assert ("Scheme: 清江市2025年度市政府系统政务信息考核. Period: 2025-03 (year to date from January 2025)"
            in page)
    assert (f"Runs used: 2025-01, run {ids[0]} (Not published); 2025-02, run {ids[1]} (Not published); "
            f"2025-03, run {ids[2]} (Not published)") in page
    assert ("Note: the results of 2025-01, 2025-02, 2025-03 are not published yet; the figures here are "
            "not official results and are for checking only.") in page
    assert "<h2>1. Counties (3 units)</h2>" in page and "<h2>2. City departments (1 unit)</h2>" in page
    assert headers_of(page, "1. Counties (3 units)") == [
        "Rank", "Unit", "Submitted<br>(items)", "Adoptions this month", "Points this month", "Points YTD",
        "Adopted/submitted YTD<br>(items)", "Adoption rate YTD", "National/ministry", "Provincial/department",
        "City", "County", "Total"]
    # 开化县 in March: I3 and I7 submitted; 国办 combined, 清江信息 brief and full; 38.5 points,
    # 60.5 for the year; I1, I2, I3 of I1, I2, I3, I7 adopted by the end of March.
    row = re.search(r"<td>开化县</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="n">(.*?)</td>', row) == [
        "2", "1", "0", "2", "0", "3", "38.50", "60.50", "3/4", "75.0%"]
    assert ("<p><strong>Units with no adoption this year up to the end of 2025-03 (1 unit): </strong>江山市</p>"
            in page)
    assert "<p><strong>Units with no adoption this year up to the end of 2025-03 (0 units): </strong>None</p>" \
        in page
    assert "<h2>Leader instructions, 2025-03 (1 instruction)</h2>" in page
    assert ('<td class="c">2025-03-20</td>\n      <td class="c">Provincial</td>\n      <td>省长</td>\n'
            '      <td>I3</td>\n      <td>&lt;script&gt;alert(1)&lt;/script&gt;河长制经验</td>\n'
            '      <td>开化县, 常山县</td>') in page
    assert "Notes: adoptions are counted by adoption date, once for each publication;" in page
    assert 'id="print-button">Print</button>' in page and ">Download xlsx</a>" in page
    assert chinese_left(page, data_words(scheme)) == []

    response = english.get(f"/reports/notification.xlsx?scheme={scheme.id}&month=2025-03")
    assert "市政府系统-notification-2025-03.xlsx" in response.headers["Content-Disposition"].replace(
        "%E5%B8%82%E6%94%BF%E5%BA%9C%E7%B3%BB%E7%BB%9F", "市政府系统")
    book = book_of(response)
    assert book.sheetnames == ["Counties", "City departments", "Instructions", "Runs used"]
    values = rows_of(book["Counties"])
    assert values[0][0] == f"{ISSUER}: Monthly notification of information work, March 2025 (no. 3) — Counties"
    assert values[1][0].startswith("Scheme: 清江市2025年度市政府系统政务信息考核. Runs used: 2025-01, run ")
    assert values[3] == ["Rank", "Unit", "Submitted this month (items)", "Adoptions this month: National/ministry",
                         "Adoptions this month: Provincial/department", "Adoptions this month: City",
                         "Adoptions this month: County", "Adoptions this month: total", "Points this month",
                         "Points YTD", "Adopted/submitted YTD (items)", "Adoption rate YTD", "Tie-break"]
    assert values[4] == [1, "开化县", 2, 1, 0, 2, 0, 3, 38.5, 60.5, "3/4", "75.0%", None]
    assert values[8][0] == "Units with no adoption this year up to the end of 2025-03 (1 unit): 江山市"
    assert book["Counties"].print_title_rows == "$4:$4"
    assert rows_of(book["Instructions"])[1:] == [
        ["Instructed on", "Leader level", "Leader", "Item no.", "Item title", "Reporting unit"],
        ["2025-03-20", "Provincial", "省长", "I3", SCRIPT_TITLE, "开化县, 常山县"]]
    assert rows_of(book["Runs used"])[2] == ["Month", "Run no.", "Computed at", "Status", "Scheme"]
    assert rows_of(book["Runs used"])[3][:2] + rows_of(book["Runs used"])[3][3:] == \
        ["2025-01", ids[0], "Not published", "市政府系统"]
    assert_printable(book)
    assert chinese_in(texts_of(book), data_words(scheme)) == []


def test_an_out_of_date_notification_says_why_in_english(registry, scheme, english, city):
    runs = recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    f.adoption(Item.get(Item.no == "I6"), Publication.get(Publication.code == "SB"), "2025-03-30", "full")
    page = english.get(f"/reports/notification?scheme={scheme.id}&month=2025-03").data.decode()
    ids = ", ".join(str(r.id) for r in runs)
    assert (f'<p class="stale" id="stale-notice">Results may be out of date: Data changed after run(s) {ids}: '
            "the results below may be out of date; recalculate to reflect today&#39;s data and parameters.</p>"
            ) in page


@pytest.fixture
def bonus_scheme(registry, city):
    f.fact(city["KH"], "provincial_county_rank", 3)
    return create_scheme(registry, "县区加分", 2025, ["provincial", "county_bonus"],
                         title="清江市2025年度县区政务信息考核")


def test_december_says_the_whole_year_rules_in_english(registry, bonus_scheme, english):
    # 开化县 by month: 65.5; the year run adds the top-50 county bonus, 50 (tests/test_reports_consistent.py).
    recalc_months(registry, bonus_scheme, *[f"2025-{m:02d}" for m in range(1, 13)])
    year = recalculate(registry, bonus_scheme, "2025").run
    page = english.get(f"/reports/notification?scheme={bonus_scheme.id}&month=2025-12").data.decode()
    page = page.replace("&#39;", "'")
    assert ("<p class=\"small\"><strong>Year to date: </strong>December's points for the year "
            "to date are the sum of the month runs; the results of 1 unit differ from the whole-year run "
            f"(run {year.id}): rules scored only in the whole-year run are not in the month results") in page
    # The year run's explanation, said through the sentence the run kept with it.
    assert ('<p class="small">开化县: 65.5 points to December (rank 1 in the pool), 115.5 points in the '
            "whole-year run (rank 1), a difference of 50 points: County bonus 「2025: Provincial county "
            "ranking: No. 3, within the top 50; 50 points added」, scored only in the whole-year run</p>") in page
    assert chinese_left(page, data_words(bonus_scheme)) == []


# ---------------------------------------------------------------- the award documents

def test_the_award_documents_in_english(registry, scheme, more, english):
    run = recalculate(registry, scheme, "2025").run
    publish(run, "王科长")
    page = english.get(f"/reports/awards?scheme={scheme.id}").data.decode()
    assert f"<h1>{ISSUER}: Advanced units and Advanced individuals in information work, 2025</h1>" in page
    assert re.search(rf"Based on run {run.id} of 2025, published \d{{4}}-\d\d-\d\d \d\d:\d\d by 王科长\. "
                     r"Generated \d{4}-\d\d-\d\d \d\d:\d\d</p>", page)
    assert "<h2>1. Advanced units</h2>" in page and "<h3>(1) Counties (1 unit)</h3>" in page
    # 常山县 57.5 leads the counties: 开化县 (45.5) is vetoed for its late 重大 report.
    assert '<td class="c">1</td><td>常山县</td><td class="n">57.50</td>' in page
    assert "<h2>2. Advanced individuals (1 reporter)</h2>" in page
    assert "<h2>3. Units and individuals not eligible for awards</h2>" in page
    assert ('<td class="nowrap">Counties</td><td class="nowrap">江山市</td><td class="n">-40.00</td>'
            "<td>Vetoed, not eligible for awards: Urgent report 「化工厂爆炸」 (I (extraordinary)): Concealed</td>"
            ) in page
    assert "<td>Total not positive, not eligible for awards</td>" in page
    assert headers_of(page, "(b) Individuals") == ["Name", "Unit", "Points", "Reason"]
    assert chinese_left(page, data_words(scheme)) == []

    response = english.get(f"/reports/awards.xlsx?scheme={scheme.id}")
    assert "-awards-2025.xlsx" in response.headers["Content-Disposition"]
    book = book_of(response)
    assert book.sheetnames == ["Advanced units", "Advanced individuals", "Not eligible"]
    units = rows_of(book["Advanced units"])
    assert units[0][0] == f"{ISSUER}: Advanced units in information work, 2025"
    assert units[2:5] == [["Counties (1 unit)", None, None, None], ["Rank", "Unit code", "Unit", "Points"],
                          [1, "CS", "常山县", 57.5]]
    excluded = rows_of(book["Not eligible"])
    assert excluded[0][0] == "Units and individuals not eligible for awards"
    assert ["Counties", "JS", "江山市", -40, "Vetoed, not eligible for awards: Urgent report 「化工厂爆炸」 "
            "(I (extraordinary)): Concealed"] in excluded
    assert ["Reporter code", "Name", "Unit", "Points", "Reason"] in excluded
    assert_printable(book)
    assert chinese_in(texts_of(book), data_words(scheme)) == []


# ---------------------------------------------------------------- the further reports

def report_in_english(english, scheme, kind, period, reporter=""):
    args = f"scheme={scheme.id}&kind={kind}&period={period}&reporter={reporter}"
    page = english.get(f"/report-tables/view?{args}").data.decode()
    response = english.get(f"/report-tables/file.xlsx?{args}")
    assert chinese_left(page, data_words(scheme)) == []
    book = book_of(response)
    assert chinese_in(texts_of(book), data_words(scheme)) == []
    assert_printable(book)
    return page.replace("&#39;", "'"), book, response.headers["Content-Disposition"]


def test_the_quarterly_notification_in_english(registry, scheme, more, english):
    run = recalculate(registry, scheme, "2025-Q1").run
    page, book, disposition = report_in_english(english, scheme, "quarterly", "2025-Q1")
    assert f"<h1>{ISSUER}: Quarterly notification of information work, Q1 2025</h1>" in page
    assert "Scheme: 清江市2025年度市政府系统政务信息考核. Period: Q1 2025" in page
    assert f"Based on run {run.id} of Q1 2025 (Not published). Generated " in page
    assert headers_of(page, "1. Submissions and adoptions by unit this quarter") == [
        "Pool", "Rank in pool", "Unit", "Submitted (items)", "Adopted (items)", "Adoption rate", "Points"]
    # Q1: 开化县 I1, I2, I3, I7 (three adopted by 31 March); 20 + 2 + 1 + 37.5 − 20 (late) = 40.5.
    assert ('<tr><td>Counties</td><td class="n">1</td><td>开化县</td><td class="n">4</td><td class="n">3</td>'
            '<td>75.0%</td><td class="n">40.50</td></tr>') in page
    assert "<h2>2. Units that submitted nothing this quarter (0 units)</h2>\n<p>None</p>" in page
    assert "<h2>3. Solicitations not answered on time (1 solicitation)</h2>" in page
    assert "<tr><td>YG01</td><td>防汛约稿</td><td>2025-03-31</td><td>开化县</td></tr>" in page
    assert book.sheetnames == ["Submissions and adoptions by", "Units that submitted nothing",
                               "Solicitations not answered"]  # at most 28 characters, whole words
    first = rows_of(book.worksheets[0])
    assert first[0][0] == f"{ISSUER}: Quarterly notification of information work, Q1 2025"
    assert first[1][0] == (f"Scheme: 清江市2025年度市政府系统政务信息考核. Period: Q1 2025. Based on run {run.id} "
                           "of Q1 2025 (Not published)")
    assert first[5] == ["Counties", 1, "开化县", 4, 3, "75.0%", 40.5]
    assert "Quarterly notification of information work, Q1 2025-2025-Q1.xlsx" in disposition


def test_the_urgent_report_notification_in_english(registry, scheme, more, english):
    recalculate(registry, scheme, "2025-Q1")
    page, book, _disposition = report_in_english(english, scheme, "urgent", "2025-Q1")
    assert f"<h1>{ISSUER}: Notification of urgent and major information reports, Q1 2025</h1>" in page
    assert headers_of(page, "1. Urgent reports by unit") == [
        "Unit", "Incidents", "On time", "Late", "Missed", "Concealed", "Misreported", "Understated", "False",
        "Deduction"]
    assert "<h2>2. Urgent reports in detail (2 incidents)</h2>" in page
    # 开化县's 重大 event first reported after 3 hours (limit 2): late, −20, a veto; one follow-up.
    assert ("<tr><td>JJ01</td><td>开化县</td><td>山体滑坡</td><td>II (major)</td><td>2025-02-01 08:00</td>"
            '<td>2025-02-01 11:00</td><td>3 h 00 min</td><td>Late; vetoed</td><td class="n">-20.00</td>'
            '<td class="n">1</td></tr>') in page
    assert "<td>1 h 00 min</td><td>On time</td>" in page
    assert book.sheetnames == ["Urgent reports by unit", "Urgent reports in detail"]
    detail = rows_of(book["Urgent reports in detail"])
    assert detail[3][0] == "Urgent reports in detail (2 incidents)"
    assert ["JJ01", "开化县", "山体滑坡", "II (major)", "2025-02-01 08:00", "2025-02-01 11:00", "3 h 00 min",
            "Late; vetoed", -20, 1] in detail


def test_target_completion_in_english(registry, scheme, more, english):
    recalculate(registry, scheme, "2025")
    page, book, _disposition = report_in_english(english, scheme, "targets", "2025")
    assert f"<h1>{ISSUER}: Completion of information work targets, 2025</h1>" in page
    assert headers_of(page, "1. Targets met by unit") == [
        "Pool", "Unit", "Submission target (items)", "Submitted (items)", "Submission target met",
        "Adoption target (items)", "Adopted (items)", "Adoption target met"]
    # 开化县: 4 submitted of 3 (133%), 4 adopted of 2 (200%); 常山县 has no target.
    assert ('<tr><td>Counties</td><td>开化县</td><td class="n">3</td><td class="n">4</td><td>133%</td>'
            '<td class="n">2</td><td class="n">4</td><td>200%</td></tr>') in page
    assert "<td>常山县</td><td>Not set</td>" in page
    assert "Completion = done ÷ target, rounded half up to a whole percentage." in page
    assert rows_of(book["Targets met by unit"])[5:7] == [
        ["Counties", "常山县", "Not set", 3, "—", "Not set", 2, "—"],
        ["Counties", "开化县", 3, 4, "133%", 2, 4, "200%"]]


def test_counts_by_publication_in_english(scheme, more, english):
    page, book, _disposition = report_in_english(english, scheme, "publications", "2025-03")
    assert f"<h1>{ISSUER}: Adoptions by publication, 2025-03</h1>" in page
    assert "Based on today's data (not on a run). Generated " in page
    assert headers_of(page, "1. Adoptions by publication") == [
        "Level", "Publication code", "Publication name", "Full text", "Combined", "Brief", "Forwarded",
        "Adoptions in total", "Adopted items"]
    # March: 国办 combined I3; 清江信息 brief I2 and full I3; 开化信息 full I5.
    assert ('<tr><td>City</td><td>SX</td><td>清江信息</td><td class="n">1</td><td class="n">0</td>'
            '<td class="n">1</td><td class="n">0</td><td class="n">2</td><td class="n">2</td></tr>') in page
    assert rows_of(book["Adoptions by publication"])[-2] == ["Total", None, None, 2, 1, 1, 0, 4, 3]


def test_the_solicitation_share_in_english(scheme, more, english):
    page, book, _disposition = report_in_english(english, scheme, "solicitations", "2025")
    assert f"<h1>{ISSUER}: Share of adoptions answering solicitations, 2025</h1>" in page
    assert headers_of(page, "1. Share of each unit's adopted items that answered a solicitation") == [
        "Unit", "Adopted items", "Of which answering a solicitation (items)", "Share"]
    # The year's adopted items: 开化县 I1, I2, I3, I7; 常山县 I3, I9 (I9 answered YG01); 市发改委 I5.
    assert ('<tr><td>Total (each item once)</td><td class="n">6</td><td class="n">1</td><td>16.7%</td></tr>'
            in page)
    assert rows_of(book.worksheets[0])[3:5] == [
        ["Unit", "Adopted items", "Of which answering a solicitation (items)", "Share"], ["市发改委", 1, 0, "0.0%"]]


def test_a_reporters_page_in_english(registry, scheme, more, english):
    recalculate(registry, scheme, "2025")
    page, book, _disposition = report_in_english(english, scheme, "reporter", "2025", "R1")
    assert "<h1>Reporter 张三 (R1): information submitted, 2025</h1>" in page
    assert headers_of(page, "1. Points and rank") == [
        "Name", "Unit", "Submitted (items)", "Adopted (items)", "Adoption rate", "Personal points",
        "Rank/reporters"]
    assert "<h2>2. Own items (1 item)</h2>" in page
    assert ('<tr><td>I1</td><td>开化县一月动态</td><td>2025-01-05</td><td>《省政务信息》 Full text</td>'
            '<td class="n">20.00</td><td class="n">1</td></tr>') in page
    assert book.sheetnames == ["Points and rank", "Own items (1 item)"]
    assert ["I1", "开化县一月动态", "2025-01-05", "《省政务信息》 Full text", 20, 1] in rows_of(
        book["Own items (1 item)"])


def test_an_instructed_item_and_an_unadopted_one_on_a_reporters_page(registry, scheme, city, english):
    # 张三 also writes I3 (the joint item: 国办 combined, 清江信息 full, instructed by the province)
    # and I4 (常山县's, never adopted).
    zhang = Reporter.get(Reporter.code == "R1")
    for no in ("I3", "I4"):
        ItemAuthor.create(item=Item.get(Item.no == no), reporter=zhang)
    recalculate(registry, scheme, "2025")
    page, _book, _disposition = report_in_english(english, scheme, "reporter", "2025", "R1")
    assert "<td>《国办信息》 Combined; 《清江信息》 Full text; instructed by Provincial leaders</td>" in page
    assert "<td>常山县未采用稿件</td><td>2025-03-15</td><td>Not adopted</td>" in page


def test_chinese_stays_the_default_for_the_documents(registry, scheme, panel):
    recalc_months(registry, scheme, "2025-01", "2025-02", "2025-03")
    panel.login("viewer")
    page = panel.get(f"/reports/notification?scheme={scheme.id}&month=2025-03").data.decode()
    assert "<h1>清江市政府系统政务信息工作通报（2025年第3期）</h1>" in page and '<html lang="zh-CN">' in page
    assert '"Times New Roman"' not in page
    assert "名次" in chinese_left(page, data_words(scheme))  # the check above finds the Chinese left
    book = book_of(panel.get(f"/reports/notification.xlsx?scheme={scheme.id}&month=2025-03"))
    assert book.sheetnames == ["县(市、区)", "市直部门", "领导批示", "计算依据"]
    assert book["县(市、区)"].oddFooter.center.text == "第 &P 页 共 &N 页"
    assert rows_of(book["县(市、区)"])[4][:3] == [1, "开化县", 2]
    assert Decimal("60.5") == Decimal(str(rows_of(book["县(市、区)"])[4][9]))
