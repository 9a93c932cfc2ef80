"""The panel in real headless Chromium: log in, change a point value, preview, save, recalculate, see it.

Screenshots of the tuning page (with its preview) and of the ranking go to `screenshots/` at the
repository's root. Skipped when Debian's `chromium` and `chromium-driver` are not installed.
"""

import shutil
import threading
from pathlib import Path

import pytest

from tests.admin_support import PASSWORD, app, world  # noqa: F401 (fixtures)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")


# The panel served on 127.0.0.1 at a free port by werkzeug in a thread, over the test database.
@pytest.fixture
def server(app):
    from werkzeug.serving import make_server
    app.config["WTF_CSRF_ENABLED"] = True  # the browser submits the real tokens
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync", "--window-size=1400,1600",
                     f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def _full_page(driver, path):
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(height + 80, 900), 8000))
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / path))


def _wait_for_text(driver, text, seconds=15):
    """Wait until the page that a click started loading shows `text` (a click does not wait)."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, seconds).until(lambda d: text in d.page_source,
                                         message=f"{text!r} did not appear on {driver.current_url}")


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
    _wait_for_text(browser, "总览")

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
    _full_page(browser, "tuning.png")

    browser.find_element(By.ID, "reason").send_keys("省级全文采用提高到30分")
    browser.find_element(By.ID, "save-button").click()
    _wait_for_text(browser, "已保存为第2版参数")
    assert "省级全文采用提高到30分" in browser.page_source

    browser.get(f"{server}/results/?scheme={scheme.id}")
    browser.find_element(By.ID, "recalc-button").click()
    _wait_for_text(browser, "计算完成")
    assert _points(browser, "常山县") == "55"
    assert _points(browser, "开化县") == "30"
    _full_page(browser, "ranking.png")

    browser.find_element(By.LINK_TEXT, "常山县").click()
    _wait_for_text(browser, "常山县：55分")
    assert "计30分" in browser.page_source
    _full_page(browser, "explanation.png")
