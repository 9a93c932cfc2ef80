"""The rule-row editor in headless Chromium, under the panel's CSP: a row of a chosen kind added,
its values typed, previewed, a second row added and removed (asked first), saved as a version.

The screenshot of the tuning page with the new row and its preview goes to screenshots/rule_editor.png.
"""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from kaohe.core.storage.schemes import current_version
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import csp_reports, full_page, needs_chromium, wait_for_text

pytestmark = needs_chromium
ROW = "p.scheme_rules.rules.0"



def _type(browser, name, text):
    field = browser.find_element(By.NAME, name)
    field.clear()
    field.send_keys(text)


def test_add_a_rule_row_preview_and_save_in_chromium(server, browser, world):
    scheme = world["scheme"]
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 30).until(lambda d: "/login" not in d.current_url)

    browser.get(f"{server}/schemes/{scheme.id}/tune")
    assert browser.find_elements(By.ID, "no-rules-scheme_rules")
    Select(browser.find_element(By.NAME, "new_rule_kind.scheme_rules")).select_by_visible_text(
        "稿件计分（分值表）")
    browser.find_element(By.ID, "add-rule-scheme_rules").click()
    wait_for_text(browser, "已新增第1条规则「稿件计分（分值表）」")
    assert browser.find_element(By.NAME, "enabled.scheme_rules").is_selected()
    _type(browser, f"{ROW}.name", "provincial_extra")
    _type(browser, f"{ROW}.label", "省级采用另加")
    _type(browser, f"{ROW}.params.table.0.levels", "省级")
    _type(browser, f"{ROW}.params.table.0.points", "7")

    # a second row, added and then removed once the question is accepted; the first keeps its values
    Select(browser.find_element(By.NAME, "new_rule_kind.scheme_rules")).select_by_visible_text("封顶/保底")
    browser.find_element(By.ID, "add-rule-scheme_rules").click()
    wait_for_text(browser, "已新增第2条规则「封顶/保底」")
    browser.find_element(By.CSS_SELECTOR, "#rule-scheme_rules-1 button.rule-remove").click()
    WebDriverWait(browser, 10).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    wait_for_text(browser, "已删除第2条规则「封顶/保底」")
    assert not browser.find_elements(By.ID, "rule-scheme_rules-1")
    assert browser.find_element(By.NAME, f"{ROW}.params.table.0.levels").get_attribute("value") == "省级"

    # 常山县 and 开化县 each have one provincial adoption (full, combined): +7 each
    from selenium.webdriver.support import expected_conditions
    button = browser.find_element(By.ID, "preview-button")
    button.click()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(button))  # the new page
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "preview"),
                                     message="the preview did not appear")
    preview = browser.find_element(By.ID, "preview")
    for code, before, after in (("C01", "45", "52"), ("C02", "30", "37"), ("D01", "0", "0")):
        row = preview.find_element(By.CSS_SELECTOR, f'tr[data-unit="{code}"]')
        assert (row.find_element(By.CSS_SELECTOR, "td.before").text,
                row.find_element(By.CSS_SELECTOR, "td.after").text) == (before, after)
    full_page(browser, "rule_editor.png")

    browser.find_element(By.ID, "reason").send_keys("省级采用每次另加7分")
    browser.find_element(By.ID, "save-button").click()
    wait_for_text(browser, "已保存为第2版参数", seconds=30)
    assert "新增第1条：稿件计分（分值表）「省级采用另加」（provincial_extra，分）" in browser.page_source
    entry = next(e for e in current_version(scheme).config["rulesets"] if e["name"] == "scheme_rules")
    assert entry["enabled"] and [r["name"] for r in entry["params"]["rules"]] == ["provincial_extra"]
    assert entry["params"]["rules"][0]["params"]["table"][0]["levels"] == ["provincial"]
    assert csp_reports(browser) == []
