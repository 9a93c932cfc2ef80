"""The panel with broken department plugins: it starts, names them on its plugins page, and
every other page still works."""

import shutil
from pathlib import Path

import pytest

from kaohe.admin import create_app
from kaohe.admin.auth import create_user

FIXTURES = Path(__file__).parent / "plugins_fixtures"


# A plugins folder with a plugin that does not import, one whose kaohe_admin_views raises, a
# misspelled hook, and a sound plugin; the panel is built over it with entry points off.
@pytest.fixture
def client(database, tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    for name in ("syntax_error", "loud_hooks", "misspelled", "tidy"):
        shutil.copy(FIXTURES / f"{name}.py", folder / f"{name}.py")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "KAOHE_PLUGINS_DIR": str(folder), "KAOHE_ENTRY_POINTS": False})
    create_user("root", "password-123", "admin")
    client = app.test_client()
    client.post("/login", data={"username": "root", "password": "password-123"})
    return client


def test_the_plugins_page_names_each_broken_plugin_and_what_was_wrong(client):
    body = client.get("/plugins/").data.decode()
    for text in ("插件「syntax_error」", "SyntaxError: invalid syntax（syntax_error.py 第3行）",
                 "插件「loud_hooks」的钩子 kaohe_admin_views 出错：RuntimeError: 页面注册失败",
                 "插件「misspelled」实现了未知的钩子 kaohe_rulesetz（是否应为 kaohe_rulesets？）",
                 "tidy", "测试规则集"):
        assert text in body, text


@pytest.mark.parametrize("page", ["/", "/schemes/", "/results/", "/items/", "/units/"])
def test_the_other_pages_still_render(client, page):
    assert client.get(page).status_code == 200
