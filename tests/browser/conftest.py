"""The browser tests' fixtures: the panel served on a free port, and headless Chromium."""

import threading

import pytest

from tests.browser.support import CHROMEDRIVER, CHROMIUM


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


# One Chromium per test process (starting it costs seconds); each test gets it with no cookies.
@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync", "--window-size=1400,1600",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for CSP reports
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium):
    """The session's Chromium, its cookies cleared; no page a test visits may break the panel's
    content policy (an inline script blocked is a button that does nothing): checked after each test."""
    from tests.browser.support import csp_reports
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})  # every site's, not the page's
    chromium.set_window_size(1400, 1600)
    csp_reports(chromium)  # what an earlier test left in the console
    yield chromium
    blocked = csp_reports(chromium)
    chromium.get("about:blank")
    assert blocked == [], blocked
