"""Accounts of the panel: Flask-Login sessions, the login page, password hashing and roles."""

import datetime
import functools
import hashlib
import hmac
import math
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import say
from kaohe.core.storage import audit
from kaohe.core.storage.db import db, write_or_skip
from kaohe.core.storage.models import ROLES, EndedSession, LoginFailure, User

ALL_ROLES = frozenset(ROLES)
SCORE_READERS = frozenset({"admin", "clerk", "viewer", "reporter"})

bp = Blueprint("kaohe_auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

# A hash to compare against when the user does not exist, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("kaohe-no-such-user")


class Account(UserMixin):
    """The logged-in user as Flask-Login sees it, over one `User` row."""

    def __init__(self, user):
        self.user = user
        # The session names the account and the password it was opened with (see load_user).
        self.id = f"{user.id}:{password_stamp(user)}"
        self.username = user.username
        self.role = user.role
        self.unit_id = user.unit_id

    @property
    def unit(self):
        return self.user.unit if self.unit_id else None

    @property
    def is_active(self):
        return bool(self.user.active)

    def has_role(self, *roles):
        return self.role in roles

    @property
    def is_reporter(self):
        return self.role == "reporter"

    @property
    def role_label(self):
        return _(ROLES.get(self.role, self.role))


def hash_password(password):
    return generate_password_hash(password)


def check_password(user, password):
    return check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")


def create_user(username, password, role, unit=None, actor="kaohe"):
    """Create an account (recorded in the audit log as done by `actor`); the password is stored
    hashed. Raises ValueError in Chinese."""
    username = (username or "").strip()
    if not username:
        raise ValueError("用户名不能为空")
    if role not in ROLES:
        raise ValueError(f"未知的角色「{role}」，应为：{'、'.join(ROLES)}")
    if role == "reporter" and unit is None:
        raise ValueError("单位信息员账号必须指定所属单位（--unit 单位代码）")
    if len(password or "") < 8:
        raise ValueError("密码至少8位")
    if User.get_or_none(User.username == username):
        raise ValueError(f"用户「{username}」已存在")
    with db.atomic():
        user = User.create(username=username, password_hash=hash_password(password), role=role,
                           unit=unit)
        audit.record(actor, "account.create", "user", user.id,
                     summary=say("创建账号「{username}」", username=username),
                     new=audit.account_fields(user))
    return user


def password_stamp(user):
    """A short keyed digest of the account's password hash: a changed password changes it."""
    key = current_app.config["SECRET_KEY"].encode() if isinstance(
        current_app.config["SECRET_KEY"], str) else current_app.config["SECRET_KEY"]
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:20]


@login_manager.user_loader
def load_user(user_id):
    """The account of a session, unless the session was ended.

    A session ends when it logs out (its id is kept in EndedSession until the cookie would have
    expired anyway) and when the account's password changes, wherever it is changed (the panel,
    `kaohe passwd`, the database): the session holds the stamp of the password it logged in with.
    """
    number, _sep, stamp = str(user_id).partition(":")
    try:
        user = User.get_or_none(User.id == int(number))
    except (TypeError, ValueError, OverflowError):
        return None
    if user is None or not user.active or not hmac.compare_digest(stamp, password_stamp(user)):
        return None
    sid = session.get("kaohe_sid")
    if not sid or EndedSession.select().where(EndedSession.session == sid).exists():
        return None
    return Account(user)


# What a session keeps when it is replaced at login and logout: the language, and the pending
# import check (admin/exchange.py checks that it belongs to the account confirming it).
KEPT_ACROSS_LOGIN = ("lang", "kaohe_import")


def start_session(user):
    """Log `user` in with a new session id (a fresh one, so an old cookie is not continued)."""
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)
    session["kaohe_sid"] = new_session_id()
    login_user(Account(user))


def new_session_id():
    return secrets.token_hex(16)


def session_values(user, sid=None):
    """What the session of a logged-in `user` holds (for tests that build a session by hand)."""
    return {"_user_id": f"{user.id}:{password_stamp(user)}", "_fresh": True,
            "kaohe_sid": sid or new_session_id()}


def end_session():
    """Log out and record the session as ended, so its cookie, replayed, opens nothing."""
    sid = session.get("kaohe_sid")
    if sid and current_user.is_authenticated:
        cutoff = now() - current_app.permanent_session_lifetime
        with db.atomic():
            EndedSession.delete().where(EndedSession.ended_at < cutoff).execute()
            EndedSession.insert(session=sid, user=int(current_user.user.id), ended_at=now()) \
                .on_conflict_ignore().execute()
    logout_user()
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)


def roles_required(*roles):
    """A view decorator: log in first, then only these roles (403 otherwise)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


class LoginForm(FlaskForm):
    username = StringField(lazy_gettext("用户名"), validators=[DataRequired(lazy_gettext("请填写用户名"))])
    password = PasswordField(lazy_gettext("密码"), validators=[DataRequired(lazy_gettext("请填写密码"))])


def safe_next(target):
    """`target` when it is a path of this site, else the overview.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
    `/\t/evil.example` would lead to `//evil.example`: a target holding any control character,
    space or backslash is refused, as is one naming a scheme or a host.
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return url_for("admin.index")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7f or ch == "\\" for ch in target):
        return url_for("admin.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("admin.index")
    return target


# ---------------------------------------------------------------- throttling failed logins
#
# Guessing is stopped without letting a stranger lock anyone out (OWASP's "device cookies"):
# a browser that has logged in to an account before holds a signed device cookie for it, and its
# attempts count only against that cookie. Attempts without one count against the pair
# (username, address), against the address (many usernames tried from one place) and against the
# username from anywhere; those locks never stop a browser holding its device cookie, so neither
# an attacker guessing `admin` nor one colleague behind the office's NAT locks the others out.

DEVICE_COOKIE = "kaohe_device"
DEVICE_SALT = "kaohe-login-device"
DEVICE_DAYS = 90
DEVICE_PREFIX = "device:"  # LoginFailure.client of an attempt made with a device cookie


def _window():
    return datetime.timedelta(seconds=current_app.config["KAOHE_LOGIN_WINDOW_SECONDS"])


def _wait_after(failures, limit, window, at):
    """Minutes until fewer than `limit` of these failures (oldest first) are inside the window."""
    if len(failures) < limit:
        return 0
    lifted = failures[len(failures) - limit] + window
    return max(1, math.ceil((lifted - at).total_seconds() / 60))


def _devices():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def device_of(username):
    """The id of this browser's device cookie when it is valid for `username`, else None."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value or len(value) > 500:
        return None
    try:
        name, device = _devices().loads(value, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return device if name == username and isinstance(device, str) else None


def _client_of(username):
    """What a failure is counted against: the device cookie when there is one, else the address."""
    device = device_of(username)
    if device is not None:
        return DEVICE_PREFIX + device[:32], True
    return (request.remote_addr or "")[:64], False


def login_wait(username, client, trusted=False):
    """Minutes this attempt must wait before trying again (0: it may try now).

    With a device cookie (`trusted`, `client` its id): KAOHE_LOGIN_MAX_FAILURES failures of that
    cookie within the window. Without: as many of the pair (username, address),
    KAOHE_LOGIN_MAX_FAILURES_PER_CLIENT of the address and KAOHE_LOGIN_MAX_FAILURES_PER_USERNAME of
    the username from any address.
    """
    config = current_app.config
    window, at = _window(), now()
    recent = LoginFailure.select(LoginFailure.at).where(LoginFailure.at > at - window)

    def times(query):
        return [row.at for row in query.order_by(LoginFailure.at, LoginFailure.id)]

    per_try = config["KAOHE_LOGIN_MAX_FAILURES"]
    if trusted:
        return _wait_after(times(recent.where(LoginFailure.client == client)), per_try, window, at)
    pair = times(recent.where((LoginFailure.username == username) & (LoginFailure.client == client)))
    by_client = times(recent.where(LoginFailure.client == client))
    by_name = times(recent.where((LoginFailure.username == username)
                                 & ~LoginFailure.client.startswith(DEVICE_PREFIX)))
    return max(_wait_after(pair, per_try, window, at),
               _wait_after(by_client, config["KAOHE_LOGIN_MAX_FAILURES_PER_CLIENT"], window, at),
               _wait_after(by_name, config["KAOHE_LOGIN_MAX_FAILURES_PER_USERNAME"], window, at))


def record_failure(username, client):
    """Store one failed login and forget those older than the window."""
    at = now()
    with db.atomic():
        LoginFailure.delete().where(LoginFailure.at <= at - _window()).execute()
        LoginFailure.create(at=at, username=username, client=client)


def forget_failures(username):
    """Forget a username's failures after it logged in; skipped while another writer holds the
    database (they expire with the window), so that a login never waits for a run being stored."""
    query = LoginFailure.select().where(LoginFailure.username == username)
    if query.exists():
        write_or_skip(lambda: LoginFailure.delete().where(LoginFailure.username == username).execute())


def _remember_device(response, username):
    value = _devices().dumps([username, secrets.token_hex(16)])
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True,
                        samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        path="/login")
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()[:64]
        client, trusted = _client_of(username)
        wait = login_wait(username, client, trusted)
        if wait:
            # No password is checked and nothing is recorded while locked, so the lock ends on time.
            flash(_("登录失败次数过多，已暂停登录，请%(minutes)d分钟后再试", minutes=wait), "error")
            return render_template("kaohe/login.html", form=form), 429
        user = User.get_or_none(User.username == username)
        if check_password(user, form.password.data) and user is not None and user.active:
            forget_failures(username)
            start_session(user)
            response = redirect(safe_next(request.args.get("next")))
            return response if trusted else _remember_device(response, username)
        record_failure(username, client)
        flash(_("用户名或密码不正确"), "error")
    return render_template("kaohe/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    flash(_("已退出登录"), "info")
    return redirect(url_for("kaohe_auth.login"))


def init_app(app):
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "kaohe_auth.login"
    login_manager.login_message = lazy_gettext("请先登录")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)

    @app.before_request
    def require_login():
        """Every page but the login page, the language switch, the tab icon and static files needs a login."""
        endpoint = request.endpoint or ""
        if endpoint in ("kaohe_auth.login", "kaohe_i18n.switch", "static", "favicon") \
                or endpoint.endswith(".static"):
            return None
        if endpoint.startswith("kaohe_api.") or request.path == "/api/v1" \
                or request.path.startswith("/api/v1/"):
            # The JSON API checks its own bearer tokens and never the session; a path or method
            # no route takes is answered there in JSON, not with the login page.
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
