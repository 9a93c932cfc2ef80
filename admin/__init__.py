"""The admin panel: `create_app(test_config=None)` builds the Flask app over the core models."""

import os
import secrets
from pathlib import Path

from flask import Flask, g

from kaohe.core.storage import db as dbmod


def default_config():
    """The settings every instance starts from; the instance file and tests override them."""
    return {
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "KAOHE_SECURE_COOKIES": os.environ.get("KAOHE_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        "KAOHE_LOGIN_MAX_FAILURES": 5,
        "KAOHE_LOGIN_MAX_FAILURES_PER_CLIENT": 20,
        "KAOHE_LOGIN_WINDOW_SECONDS": 15 * 60,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "FLASK_ADMIN_SWATCH": "default",
        "KAOHE_PLUGINS_DIR": None,
        "KAOHE_ENTRY_POINTS": True,
    }


def instance_secret_key(instance):
    """The secret key of this installation: KAOHE_SECRET_KEY, else a file made once (mode 0600)."""
    from_env = os.environ.get("KAOHE_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance) / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def create_app(test_config=None):
    """Build the panel: defaults, then `instance/config.py`, then `test_config`."""
    instance = dbmod.instance_path()
    app = Flask(__name__, instance_path=str(instance.resolve()), instance_relative_config=True)
    app.config.from_mapping(default_config())
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if app.config["KAOHE_SECURE_COOKIES"]:
        # Behind HTTPS only: the browser then never sends the session over plain HTTP.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    url = app.config.get("DATABASE_URL")
    if url or dbmod.db.obj is None:
        dbmod.configure(url)
    _prepare_schema()
    _init_database(app)

    from kaohe.plugins.manager import build_registry
    app.extensions["kaohe_registry"] = build_registry(
        plugins_dir=app.config.get("KAOHE_PLUGINS_DIR"),
        entry_points=app.config.get("KAOHE_ENTRY_POINTS", True))

    from . import api, auth, i18n, panel
    i18n.init_app(app)
    auth.init_app(app)
    panel.init_app(app)
    api.init_app(app)
    return app


def _prepare_schema():
    """Refuse a database older or newer than the code, whichever server runs the app.

    An empty database gets its tables and a current one any table added since (`ensure_schema`);
    an outdated one raises SchemaError with what to do (“请先运行 kaohe migrate”).
    """
    from kaohe.core.storage.migrations import ensure_schema
    was_closed = dbmod.db.is_closed()
    try:
        ensure_schema()
    finally:
        if was_closed and not dbmod.db.is_closed():
            dbmod.db.close()


def _init_database(app):
    @app.before_request
    def open_database():
        dbmod.db.connect(reuse_if_open=True)
        g.kaohe_db_opened = True

    @app.teardown_appcontext
    def close_database(exc):
        if g.pop("kaohe_db_opened", False) and not dbmod.db.is_closed():
            dbmod.db.close()
