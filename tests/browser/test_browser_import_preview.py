"""A clerk's month in real headless Chromium: an ods file with a title block, the preview of what it
changes, the confirmation, and the 重新计算 button that follows.

Screenshots: `screenshots/import-preview.png` (new rows, old and new values, warnings) and
`screenshots/import-done.png` (the recalculation step). Skipped without chromium and its driver.
"""

from pathlib import Path

from kaohe.core.storage.models import Item, ScoreRun
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import full_page, needs_chromium, wait_for_text

pytestmark = needs_chromium

# Saved by LibreOffice (tests/fixtures/office/make_files.py): a merged title row above each header.
MAY_ODS = Path(__file__).resolve().parents[1] / "fixtures" / "office" / "五月数据.ods"


def test_a_clerk_reads_the_preview_imports_and_recalculates(server, browser, world):
    from selenium.webdriver.common.by import By
    path = MAY_ODS
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys("clerk")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for_text(browser, "总览")

    browser.get(server + "/import/")
    browser.find_element(By.ID, "files").send_keys(str(path))
    browser.find_element(By.ID, "check-button").click()
    wait_for_text(browser, "检查通过")
    changes = [[td.text for td in row.find_elements(By.TAG_NAME, "td")][-3:]
               for row in browser.find_elements(By.CSS_SELECTOR, 'table.changes-table[data-kind="items"] tr.change')]
    assert changes == [["标题", "<script>alert(1)</script>常山县经验", "常山县经验（修订稿）"], ["类别", "动态", "经验"]]
    new = browser.find_elements(By.CSS_SELECTOR, 'table.new-table[data-kind="items"] tr.new-row td')
    assert [td.text for td in new][:5] == ["五月数据.ods › 稿件 第4行", "N-1", "常山县五月新稿", "2025-05-06", "C01"]
    warnings = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#import-warnings tr.import-warning")]
    assert warnings == ["五月数据.ods › 采用 3 采用日期 采用日期 2025-05-01 早于稿件「N-1」的报送日期 2025-05-06，请核对日期"]
    full_page(browser, "import-preview.png")

    browser.find_element(By.ID, "confirm-button").click()
    wait_for_text(browser, "导入完成")
    assert Item.get(Item.no == "N-1").title == "常山县五月新稿"
    assert browser.find_element(By.ID, "recalc-period").get_attribute("value") == "2025-05"  # latest first
    assert [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#recalc-period option")] == [
        "2025-05", "2025-03", "2025"]
    full_page(browser, "import-done.png")
    runs = ScoreRun.select().count()
    browser.find_element(By.CSS_SELECTOR, "#recalc-form button#recalc-button").click()
    wait_for_text(browser, "计算完成")
    assert ScoreRun.select().count() == runs + 1
    assert ScoreRun.select().order_by(ScoreRun.id.desc()).get().period == "2025-05"
