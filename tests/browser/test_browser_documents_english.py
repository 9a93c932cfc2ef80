"""The monthly notification printed in English by headless Chromium (Chromium's own print to PDF):
one A4 page where the Chinese one is one page (tests/browser/test_browser_month_end.py), with its
English title, headers and footer, and the units' Chinese names as they are.

The printed pages: `screenshots/notification-en-print.pdf`. Skipped without chromium and its driver.
"""

import base64
import shutil
import subprocess

import pytest

from kaohe.core.runs.store import recalculate
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import SCREENSHOTS, needs_chromium, wait_for_text

pytestmark = needs_chromium


def printed_pages(browser, name):
    printed = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                          "printBackground": False})
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = SCREENSHOTS / name
    pdf.write_bytes(base64.b64decode(printed["data"]))
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) reads the printed pages")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_the_english_notification_prints_on_one_page_as_the_chinese_one_does(server, browser, world,
                                                                               registry):
    from selenium.webdriver.common.by import By
    for month in ("2025-01", "2025-02", "2025-03", "2025-04"):
        recalculate(registry, world["scheme"], month, author="clerk")
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys("clerk")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for_text(browser, "总览")
    page = f"{server}/reports/notification?scheme={world['scheme'].id}&month=2025-04"
    browser.get(page)
    wait_for_text(browser, "通报")
    chinese = printed_pages(browser, "notification-zh-print.pdf")
    browser.get(server + "/lang/en")
    browser.get(page)
    wait_for_text(browser, "Monthly notification")
    english = printed_pages(browser, "notification-en-print.pdf")
    assert (len(chinese), len(english)) == (1, 1)
    text = " ".join(english[0].split())
    assert "Monthly notification of information work, April 2025 (no. 4)" in text
    for words in ("Rank", "Submitted", "National/ministry", "Points YTD", "Adoption rate YTD",
                  "Leader instructions, 2025-04 (0 instructions)", "Page 1 of 1", "常山县", "开化县", "市发改委"):
        assert words in text, words
    assert "Download xlsx" not in text  # the toolbar does not print
