"""The admin panel: `create_app(test_config=None)` builds the Flask app over the core models."""

import os
import secrets
from pathlib import Path

from flask import Flask, g, redirect, render_template, request, url_for
from peewee import OperationalError
from werkzeug.exceptions import HTTPException

from kaohe.core.storage import db as dbmod

from .i18n import DEFAULT_LOCALE


def default_config():
    """The settings every instance starts from; the instance file and tests override them."""
    return {
        "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
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
        "KAOHE_LOGIN_MAX_FAILURES_PER_USERNAME": 50,
        "KAOHE_LOGIN_WINDOW_SECONDS": 15 * 60,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "FLASK_ADMIN_SWATCH": "default",
        # Recalculation jobs (core/runs/jobs.py): a rule set's time, the wait of a request for
        # its job, the jobs one account may start in the rate window, and the trial runs kept.
        "KAOHE_RULESET_SECONDS": 600,
        "KAOHE_RECALC_WAIT_SECONDS": 20,
        "KAOHE_RECALC_PER_ACCOUNT": 10,
        "KAOHE_RECALC_RATE_SECONDS": 10 * 60,
        "KAOHE_TRIAL_RUNS_KEPT": 20,
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

    from . import api, auth, headers, i18n, panel
    i18n.init_app(app)
    auth.init_app(app)
    panel.init_app(app)
    api.init_app(app)
    headers.init_app(app)
    _init_errors(app)
    # Browsers ask every page's host for /favicon.ico, the printable documents' too.
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: redirect(url_for("static", filename="favicon.svg"), 301))
    return app


BUSY_MESSAGE = "正在保存计算结果，请稍候再试：数据库正被另一次写入占用，本次操作未保存"
TOO_LARGE = "提交的内容过大：一次最多 %(size)s，未保存；请分批提交"


def _init_errors(app):
    """Answers for what no view handles: a busy database, a too large body, the API's routing."""
    from flask_babel import gettext as _

    from kaohe.admin.api.base import error_reply, for_api

    @app.errorhandler(OperationalError)
    def database_busy(error):
        if not dbmod.is_busy(error):
            raise error
        if dbmod.db.in_transaction():
            dbmod.db.rollback()
        seconds = dbmod.busy_seconds()
        if for_api():
            response = error_reply(503, BUSY_MESSAGE)
        else:
            response = app.make_response((render_template(
                "kaohe/error.html", code=503, message=_(BUSY_MESSAGE)), 503))
        response.headers["Retry-After"] = str(min(seconds, 30))
        return response

    @app.errorhandler(413)
    def too_large(error):
        """A body over MAX_CONTENT_LENGTH (set by the import page, admin/exchange.py) anywhere
        but the import page, which says it in its own words."""
        from kaohe.admin.exchange import _limit_text
        if for_api():
            return error_reply(413, _(TOO_LARGE, size=_limit_text()))  # in the client's language
        return render_template("kaohe/error.html", code=413,
                               message=_(TOO_LARGE, size=_limit_text())), 413

    # The API answers every error in JSON, also those raised before a route is found (an odd
    # method such as TRACE, a path no route matches); the panel keeps its own pages.
    from kaohe.admin.api.base import http_error_reply
    panel_handlers = {code: dict(by_class) for code, by_class in app.error_handler_spec.get(None, {}).items()}

    def answer(error):
        if for_api():
            return http_error_reply(error)
        handler = _panel_handler(panel_handlers, error)
        return handler(error) if handler is not None else error

    for code in (400, 403, 404, 405, 414, 431, 501):
        app.register_error_handler(code, answer)
    app.register_error_handler(HTTPException, answer)


def _panel_handler(handlers, error):
    for cls in type(error).__mro__:
        handler = handlers.get(error.code, {}).get(cls)
        if handler is not None:
            return handler
    return None


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
