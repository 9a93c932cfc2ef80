"""A clerk imports in real headless Chromium: a bad file shows its error table, the fixed one imports.

The screenshot of the error table goes to `screenshots/import-errors.png`. Skipped, like
test_browser.py, when Debian's `chromium` and `chromium-driver` are not installed.
"""

import csv

from kaohe.core.storage.models import Item
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import full_page, needs_chromium, wait_for_text

HEADERS = ["稿件编号", "标题", "报送日期", "报送单位", "作者"]

pytestmark = needs_chromium


def _write(folder, rows):
    folder.mkdir(exist_ok=True)
    path = folder / "稿件.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADERS] + rows)
    return path


def test_a_clerk_sees_the_bad_rows_fixes_them_and_imports(server, browser, world, tmp_path):
    from selenium.webdriver.common.by import By
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys("clerk")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for_text(browser, "总览")

    bad = _write(tmp_path / "bad", [
        ["N-1", "常山县推进数字乡村建设", "2025-05-06", "C01", "R01"],
        ["N-2", "开化县生态产品价值实现", "2025-05-32", "C02", "R02"],
        ["N-3", "两县联合调研报告", "2025-05-08", "C01、C09", ""],
        ["N-4", "<script>alert(1)</script>", "2025-05-09", "C02", "R99"],
    ])
    browser.get(server + "/import/")
    browser.find_element(By.ID, "files").send_keys(str(bad))
    browser.find_element(By.ID, "check-button").click()
    wait_for_text(browser, "检查未通过")
    rows = browser.find_elements(By.CSS_SELECTOR, "#error-table tbody tr")
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    assert [cell[:3] for cell in cells] == [["稿件.csv", "3", "报送日期"], ["稿件.csv", "4", "报送单位"],
                                            ["稿件.csv", "5", "作者"]]
    assert all(cell[3] for cell in cells)
    assert browser.find_elements(By.ID, "confirm-button") == []
    full_page(browser, "import-errors.png")
    assert Item.get_or_none(Item.no == "N-1") is None

    good = _write(tmp_path / "good", [
        ["N-1", "常山县推进数字乡村建设", "2025-05-06", "C01", "R01"],
        ["N-2", "开化县生态产品价值实现", "2025-05-30", "C02", "R02"],
        ["N-3", "两县联合调研报告", "2025-05-08", "C01、C02", ""],
        ["N-4", "<script>alert(1)</script>", "2025-05-09", "C02", "R02"],
    ])
    browser.find_element(By.ID, "files").send_keys(str(good))
    browser.find_element(By.ID, "check-button").click()
    wait_for_text(browser, "检查通过")
    created = browser.find_element(By.CSS_SELECTOR, 'tr[data-kind="items"] td.created').text
    assert created == "4"
    browser.find_element(By.ID, "confirm-button").click()
    wait_for_text(browser, "导入完成")
    assert Item.get(Item.no == "N-4").title == "<script>alert(1)</script>"
    assert Item.select().where(Item.no.startswith("N-")).count() == 4
