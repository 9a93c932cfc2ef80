"""The panel in real headless Chromium: log in, change a point value, preview, save, recalculate, see it.

Screenshots of the tuning page (with its preview) and of the ranking go to `screenshots/` at the
repository's root. Skipped when Debian's `chromium` and `chromium-driver` are not installed.
"""

from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import full_page, needs_chromium, wait_for_text

pytestmark = needs_chromium


def _points(driver, name):
    from selenium.webdriver.common.by import By
    for row in driver.find_elements(By.CSS_SELECTOR, "table.kaohe-ranking tbody tr"):
        if row.find_element(By.CSS_SELECTOR, "a.unit-link").text == name:
            return row.find_element(By.CSS_SELECTOR, "td.points").text
    raise AssertionError(f"{name} is not in the ranking")


def test_change_preview_save_recalculate_in_chromium(server, browser, world):
    from selenium.webdriver.common.by import By
    scheme = world["scheme"]
    browser.get(server + "/")
    assert "/login" in browser.current_url
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for_text(browser, "总览")

    browser.get(f"{server}/schemes/{scheme.id}/tune")
    cell = browser.find_element(By.NAME, "p.provincial.adoption.provincial.full")
    assert cell.get_attribute("value") == "20"
    cell.clear()
    cell.send_keys("30")
    browser.find_element(By.ID, "preview-button").click()
    preview = browser.find_element(By.ID, "preview")
    row = preview.find_element(By.CSS_SELECTOR, 'tr[data-unit="C01"]')
    assert row.find_element(By.CSS_SELECTOR, "td.before").text == "45"
    assert row.find_element(By.CSS_SELECTOR, "td.after").text == "55"
    assert "moved" in row.get_attribute("class")
    full_page(browser, "tuning.png")

    browser.find_element(By.ID, "reason").send_keys("省级全文采用提高到30分")
    browser.find_element(By.ID, "save-button").click()
    wait_for_text(browser, "已保存为第2版参数")
    assert "省级全文采用提高到30分" in browser.page_source

    browser.get(f"{server}/results/?scheme={scheme.id}")
    browser.find_element(By.ID, "recalc-button").click()
    wait_for_text(browser, "计算完成")
    assert _points(browser, "常山县") == "55"
    assert _points(browser, "开化县") == "30"
    full_page(browser, "ranking.png")

    browser.find_element(By.LINK_TEXT, "常山县").click()
    wait_for_text(browser, "常山县：55分")
    assert "计30分" in browser.page_source
    full_page(browser, "explanation.png")
