"""What the browser tests share: where Chromium is, where screenshots go, and waiting for a page."""

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# `pytestmark = needs_chromium` in each browser test module.
needs_chromium = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")


def csp_reports(driver):
    """The console's Content-Security-Policy reports since the last reading (reading clears them),
    and the panel's own files that failed to load (a stylesheet, a script, the tab's icon)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"]
            or ("Failed to load resource" in entry["message"]
                and ("/static/" in entry["message"] or "favicon" in entry["message"]))]


def full_page(driver, path):
    """A screenshot of the whole page (not only the window) to screenshots/`path`."""
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(height + 80, 900), 8000))
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / path))


def wait_for_text(driver, text, seconds=15):
    """Wait until the page that a click started loading shows `text` (a click does not wait)."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, seconds).until(lambda d: text in d.page_source,
                                         message=f"{text!r} did not appear on {driver.current_url}")
