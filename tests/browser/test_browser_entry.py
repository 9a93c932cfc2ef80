"""Entering an adoption by hand in headless Chromium: typing a date, searching the item chooser, saving.

The screenshot goes to `screenshots/adoption-form.png`. Skipped without chromium and chromedriver.
"""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from kaohe.core.storage.models import Adoption
from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)
from tests.browser.support import SCREENSHOTS, needs_chromium

pytestmark = needs_chromium


def _choose(browser, field, typed, shown):
    """Open a chooser, type, wait for the row the server finds, pick it, and see it chosen."""
    browser.find_element(By.CSS_SELECTOR, f"#s2id_{field} a.select2-choice").click()
    search = browser.find_element(By.CSS_SELECTOR, "#select2-drop input.select2-input")
    search.send_keys(typed)
    WebDriverWait(browser, 30).until(lambda d: shown in d.find_element(
        By.CSS_SELECTOR, "#select2-drop .select2-results").text)
    search.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: d.find_element(
        By.CSS_SELECTOR, f"#s2id_{field} .select2-chosen").text == shown)
    WebDriverWait(browser, 30).until(lambda d: not any(
        drop.is_displayed() for drop in d.find_elements(By.CSS_SELECTOR, ".select2-drop")))


def test_type_a_date_and_choose_an_item_by_searching(server, browser, world):
    browser.get(server + "/adoptions/new/")
    browser.find_element(By.NAME, "username").send_keys("clerk")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 30).until(lambda d: "/login" not in d.current_url)  # logged in first
    browser.get(server + "/adoptions/new/")
    # the item chooser: type part of the title, pick the one result
    # the chooser speaks Chinese: a search that finds nothing says so
    browser.find_element(By.CSS_SELECTOR, "#s2id_item a.select2-choice").click()
    browser.find_element(By.CSS_SELECTOR, "#select2-drop input.select2-input").send_keys("没有这篇")
    WebDriverWait(browser, 30).until(lambda d: d.find_element(
        By.CSS_SELECTOR, "#select2-drop .select2-results").text == "没有找到")
    browser.find_element(By.CSS_SELECTOR, "#select2-drop input.select2-input").send_keys(Keys.ESCAPE)
    WebDriverWait(browser, 30).until(lambda d: not any(
        drop.is_displayed() for drop in d.find_elements(By.CSS_SELECTOR, ".select2-drop")))
    _choose(browser, "item", "开化县", "B-1 开化县动态")
    _choose(browser, "publication", "国办", "P02 《国办信息》（国家级）")
    browser.find_element(By.ID, "issue").send_keys("E2E-12")  # no issue the factories number
    # typing the date into the browser's own date input, in the order the browser's language
    # shows it: this Chromium has its en-US locale only (month/day/year); a Chinese one shows
    # 年/月/日 and is typed 2025 → 12 22 (the picker is the browser's, in its language)
    date = browser.find_element(By.ID, "adopted_on")
    assert date.get_attribute("type") == "date"
    date.send_keys("12", "22", "2025")
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "adoption-form.png"))
    assert date.get_attribute("value") == "2025-12-22"
    browser.find_element(By.CSS_SELECTOR, "form.admin-form input[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "/adoptions/new/" not in d.current_url)
    adoption = Adoption.get(Adoption.issue == "E2E-12")
    assert (adoption.item.no, adoption.publication.code, adoption.adopted_on.isoformat()) == \
        ("B-1", "P02", "2025-12-22")
