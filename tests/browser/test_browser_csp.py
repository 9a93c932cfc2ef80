"""The panel works in Chromium under its CSP (no inline script): a row added on the item page, a
bulk action and a row's delete asked about, a publish confirmed, and no CSP report."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import ScoreRun
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import csp_reports, needs_chromium

pytestmark = needs_chromium


def test_the_panels_scripts_run_under_its_policy(server, browser, world, registry):
    run = recalculate(registry, world["scheme"], "2025-03", author="test").run
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 30).until(lambda d: "/login" not in d.current_url)

    # the item page: "添加 采用" adds an empty adoption row (Flask-Admin's form.js, via kaohe.js)
    browser.get(f"{server}/items/edit/?id={world['item_b'].id}")
    rows = len(browser.find_elements(By.CSS_SELECTOR, "#adoptions .inline-field-list > .inline-field"))
    browser.find_element(By.ID, "adoptions-button").click()
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#adoptions .inline-field-list > .inline-field")) == rows + 1)

    # the list: a bulk action with nothing chosen says so
    browser.get(server + "/publications/")
    browser.find_element(By.CSS_SELECTOR, "a.dropdown-toggle[aria-haspopup]").click()
    browser.find_element(By.CSS_SELECTOR, "[data-kaohe-action='delete']").click()
    WebDriverWait(browser, 10).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    assert "/publications/" in browser.current_url
    # the delete button of a row asks first; dismissed, nothing is deleted
    browser.find_element(By.CSS_SELECTOR, "button[data-kaohe-confirm]").click()
    WebDriverWait(browser, 10).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.dismiss()
    assert len(browser.find_elements(By.CSS_SELECTOR, "button[data-kaohe-confirm]")) == 2

    # publishing asks, and goes ahead once accepted
    browser.get(f"{server}/results/run/{run.id}/")
    browser.find_element(By.CSS_SELECTOR, "form[data-kaohe-confirm] button").click()
    WebDriverWait(browser, 10).until(lambda d: d.switch_to.alert)
    browser.switch_to.alert.accept()
    WebDriverWait(browser, 30).until(lambda d: ScoreRun.get_by_id(run.id).published)
    assert csp_reports(browser) == []
