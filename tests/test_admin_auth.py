"""Accounts: hashed passwords, create-user from standard input, bootstrap once, secret key, CSRF."""

import os
import stat

from click.testing import CliRunner

from kaohe.cli import cli
from kaohe.core.storage.models import Unit, User
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def test_create_user_reads_the_password_from_stdin_and_hashes_it(database):
    result = CliRunner().invoke(cli, ["create-user", "wang", "--role", "clerk"],
                                input="a-long-secret\n")
    assert result.exit_code == 0, result.output
    user = User.get(User.username == "wang")
    assert user.role == "clerk"
    assert "a-long-secret" not in user.password_hash and user.password_hash.startswith("scrypt:")


def test_create_user_for_a_reporter_needs_a_known_unit(database):
    from tests import factories as f
    f.unit("C01", "常山县")
    runner = CliRunner()
    result = runner.invoke(cli, ["create-user", "li", "--role", "reporter", "--unit", "C01"],
                           input="another-secret\n")
    assert result.exit_code == 0, result.output
    assert User.get(User.username == "li").unit.code == "C01"
    result = runner.invoke(cli, ["create-user", "zhao", "--role", "reporter", "--unit", "NOPE"],
                           input="another-secret\n")
    assert result.exit_code != 0
    assert User.get_or_none(User.username == "zhao") is None


def test_bootstrap_creates_one_admin_with_a_random_password_printed_once(database):
    runner = CliRunner()
    first = runner.invoke(cli, ["bootstrap"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    index = next(i for i, line in enumerate(lines) if "初始密码" in line)
    password = lines[index + 1].strip()
    assert len(password) >= 12
    admin = User.get(User.username == "admin")
    from werkzeug.security import check_password_hash
    assert check_password_hash(admin.password_hash, password)
    assert Unit.select().count() > 0  # the demo was built and scored
    second = runner.invoke(cli, ["bootstrap"])
    assert second.exit_code == 0
    assert password not in second.output and "初始密码" not in second.output
    assert User.select().count() == 1


def test_secret_key_is_generated_per_instance_and_kept(database, monkeypatch, tmp_path):
    from kaohe.admin import create_app
    monkeypatch.delenv("KAOHE_SECRET_KEY", raising=False)
    config = {"TESTING": True, "KAOHE_ENTRY_POINTS": False}
    first = create_app(dict(config))
    path = tmp_path / "instance" / "secret_key"
    assert path.exists() and len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert create_app(dict(config)).config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_every_form_needs_its_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"username": "admin", "password": "correct-horse-1"})
    assert response.status_code == 400
    page = client.get("/login").data.decode()
    assert 'name="csrf_token"' in page


def test_model_forms_carry_a_csrf_token(app, client, auth, world):
    auth.login("clerk")
    app.config["WTF_CSRF_ENABLED"] = True
    body = client.get("/units/new/").data.decode()
    assert 'name="csrf_token"' in body
    assert client.post("/units/new/", data={"code": "X1", "name": "无令牌", "kind": "county"}).status_code == 400
    assert Unit.get_or_none(Unit.code == "X1") is None


def test_no_asset_comes_from_a_cdn(client, auth, world):
    auth.login("admin")
    for page in ("/", "/items/", "/items/new/", f"/schemes/{world['scheme'].id}/tune", "/login"):
        body = client.get(page).data.decode()
        for marker in ("https://", "http://cdn", "//cdn", "googleapis", "jsdelivr", "unpkg"):
            assert marker not in body, (page, marker)


def test_the_english_catalog_translates_every_message():
    """Every message of the panel (Chinese is the source language) has an English translation."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from kaohe.admin.i18n import VOCABULARY_WORDS
    folder = Path(__file__).resolve().parents[1] / "admin" / "translations"
    with open(folder / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    with open(folder / "en" / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    assert {m.id for m in compiled if m.id} == {m.id for m in catalog if m.id}
    for word in VOCABULARY_WORDS:
        assert str(word) in {m.id for m in catalog}
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    keywords = dict(DEFAULT_KEYWORDS, L=None, lazy_gettext=None)
    found = {message for _file, _line, message, _comments, _context in extract_from_dir(
        folder.parent, method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords=keywords)}
    found = {m if isinstance(m, str) else m[0] for m in found}
    missing = sorted(found - {m.id if isinstance(m.id, str) else m.id[0] for m in catalog})
    assert missing == [], "run pybabel extract/update (see babel.cfg) and translate: %s" % missing
