"""The end of a clerk's month in headless Chromium: the notification asks for the months not yet
computed, one button computes them, the notification shows the month's and the year's figures, and
it prints (Chromium's own print to PDF) on one A4 page with every unit on it.

Screenshot: `screenshots/notification.png`; the printed pages: `screenshots/notification-print.pdf`.
Skipped without chromium and its driver.
"""

import base64
import shutil
import subprocess

import pytest

from kaohe.core.storage.models import ScoreRun
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import SCREENSHOTS, csp_reports, full_page, needs_chromium, wait_for_text

pytestmark = needs_chromium


def test_a_clerk_computes_the_missing_months_reads_and_prints_the_notification(server, browser,
                                                                               world):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys("clerk")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for_text(browser, "总览")

    browser.get(f"{server}/reports/?scheme={world['scheme'].id}")
    Select(browser.find_element(By.ID, "month")).select_by_value("2025-04")
    browser.find_element(By.CSS_SELECTOR, "#notification-form button[type=submit]").click()
    # No month is computed yet: the remedy is a button, never a command.
    wait_for_text(browser, "尚未计算，无法生成通报")
    assert "kaohe recalc" not in browser.page_source
    runs = ScoreRun.select().count()
    browser.find_element(By.ID, "recalc-missing-button").click()
    wait_for_text(browser, "通报", seconds=30)
    assert ScoreRun.select().count() == runs + 4  # January to April

    # The hand-computed figures of build_world: in April the joint national full adoption gives
    # 常山县 and 开化县 25 each; by April 常山县 has 20 + 25 = 45, 开化县 5 + 25 = 30.
    rows = {}
    for row in browser.find_elements(By.CSS_SELECTOR, "table tbody tr"):
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        for name in ("常山县", "开化县"):
            if name in cells:
                rows[name] = cells
    # rank, unit, submitted in April, adoptions by level (national … county, all), April's points,
    # the year's so far, adopted/submitted in the year, adoption rate
    assert rows["常山县"] == ["1", "常山县", "1", "1", "0", "0", "0", "1", "25.00", "45.00", "2/2",
                             "100.0%"]
    assert rows["开化县"] == ["2", "开化县", "1", "1", "0", "0", "0", "1", "25.00", "30.00", "2/2",
                             "100.0%"]
    assert "未发布" in browser.page_source  # trial runs, said so
    # the print button runs under the panel's content policy (its script carries the nonce)
    browser.find_element(By.ID, "print-button")
    assert csp_reports(browser) == []
    full_page(browser, "notification.png")

    printed = browser.execute_cdp_cmd("Page.printToPDF", {
        "preferCSSPageSize": True, "printBackground": False})
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = SCREENSHOTS / "notification-print.pdf"
    pdf.write_bytes(base64.b64decode(printed["data"]))
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) reads the printed pages")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) == 1, f"{len(pages)} pages"
    assert "常山县" in pages[0] and "开化县" in pages[0] and "市发改委" in pages[0]
    assert "下载 xlsx" not in text and "返回" not in text  # the toolbar does not print
