"""The water plugin's page in Kaohe's panel: the weekly quota table, escaped, for staff only."""

import pytest
from kaohe_water.scheme import create_water_scheme
from water_data import item, items_per_week, unit

from kaohe.admin import create_app
from kaohe.admin.auth import create_user

PASSWORD = "water-pass-1"


# The panel as an office runs it (entry points on, so the installed plugin adds its page), over
# two units: 城区水利站 sends 2, 1, 0, 0 items in March's four full weeks; 河道管理所 sends 2 a week.
@pytest.fixture
def panel(database, registry, tmp_path, today):
    w01 = unit("W01", "<b>城区</b>水利站")
    w02 = unit("W02", "河道管理所")
    for day in ("2025-03-03", "2025-03-04", "2025-03-12"):
        item(w01, day)
    items_per_week(w02, ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"])
    create_water_scheme(registry, "水利局2025", 2025)
    for role in ("clerk", "reporter"):
        create_user(role, PASSWORD, role, unit=w01 if role == "reporter" else None)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "KAOHE_PLUGINS_DIR": str(tmp_path / "no-plugins")})
    return app.test_client()


def login(client, role):
    response = client.post("/login", data={"username": role, "password": PASSWORD})
    assert response.status_code in (302, 303)


def cells(body):
    """The text of the quota table's body cells, row by row."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.inside, self.cell = [], False, None

        def handle_starttag(self, tag, attrs):
            if tag == "tbody":
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag == "td":
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "tbody":
                self.inside = False
            elif tag == "td" and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    reader = Reader()
    reader.feed(body)
    return reader.rows


def test_the_weekly_quota_page_shows_units_by_weeks(panel):
    login(panel, "clerk")
    menu = panel.get("/").data.decode()
    assert "每周报送任务" in menu and "/water_quota/" in menu
    response = panel.get("/water_quota/?scheme=水利局2025&period=2025-03")
    body = response.data.decode()
    assert response.status_code == 200
    assert "第10周 3/3—3/9" in body and "第13周 3/24—3/30" in body
    assert cells(body) == [
        ["W01", "<b>城区</b>水利站", "2/2", "1/2", "0/2", "0/2", "5", "-0.50"],
        ["W02", "河道管理所", "2/2", "2/2", "2/2", "2/2", "0", "0.00"],
    ]
    assert "&lt;b&gt;城区&lt;/b&gt;水利站" in body and "<b>城区</b>" not in body


def test_a_period_outside_the_scheme_year_is_explained(panel):
    login(panel, "clerk")
    body = panel.get("/water_quota/?scheme=水利局2025&period=2024-03").data.decode()
    assert "期间 2024-03 不在考核方案「水利局2025」的年度 2025 内" in body


def test_the_page_is_for_staff_only(panel):
    assert panel.get("/water_quota/").status_code in (302, 303)
    login(panel, "reporter")
    assert panel.get("/water_quota/").status_code == 403
