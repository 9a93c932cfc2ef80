"""Accounts of the panel: Flask-Login sessions, the login page, password hashing and roles."""

import datetime
import functools
import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from kaohe.core.domain.periods import now
from kaohe.core.storage import audit
from kaohe.core.storage.db import db
from kaohe.core.storage.models import ROLES, LoginFailure, User

ALL_ROLES = frozenset(ROLES)
STAFF = frozenset({"admin", "clerk"})
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
        self.id = str(user.id)
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
        audit.record(actor, "account.create", "user", user.id, summary=f"创建账号「{username}」",
                     new=audit.account_fields(user))
    return user


@login_manager.user_loader
def load_user(user_id):
    try:
        user = User.get_or_none(User.id == int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active:
        return None
    return Account(user)


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


def _safe_next(target):
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.index")


# ---------------------------------------------------------------- throttling failed logins

def _window():
    return datetime.timedelta(seconds=current_app.config["KAOHE_LOGIN_WINDOW_SECONDS"])


def _wait_after(failures, limit, window, at):
    """Minutes until fewer than `limit` of these failures (oldest first) are inside the window."""
    if len(failures) < limit:
        return 0
    lifted = failures[len(failures) - limit] + window
    return max(1, math.ceil((lifted - at).total_seconds() / 60))


def login_wait(username, client):
    """Minutes this username or client must wait before trying again (0: it may try now).

    A username is locked after KAOHE_LOGIN_MAX_FAILURES failures within the window, a client
    address after KAOHE_LOGIN_MAX_FAILURES_PER_CLIENT (higher: an office shares one address).
    """
    config = current_app.config
    window, at = _window(), now()
    recent = LoginFailure.select(LoginFailure.at).where(LoginFailure.at > at - window)
    by_name = [row.at for row in recent.where(LoginFailure.username == username)
               .order_by(LoginFailure.at, LoginFailure.id)]
    by_client = [row.at for row in recent.where(LoginFailure.client == client)
                 .order_by(LoginFailure.at, LoginFailure.id)]
    return max(_wait_after(by_name, config["KAOHE_LOGIN_MAX_FAILURES"], window, at),
               _wait_after(by_client, config["KAOHE_LOGIN_MAX_FAILURES_PER_CLIENT"], window, at))


def record_failure(username, client):
    """Store one failed login and forget those older than the window."""
    at = now()
    with db.atomic():
        LoginFailure.delete().where(LoginFailure.at <= at - _window()).execute()
        LoginFailure.create(at=at, username=username, client=client)


def forget_failures(username):
    LoginFailure.delete().where(LoginFailure.username == username).execute()


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()[:64]
        client = (request.remote_addr or "")[:64]
        wait = login_wait(username, client)
        if wait:
            # No password is checked and nothing is recorded while locked, so the lock ends on time.
            flash(_("登录失败次数过多，已暂停登录，请%(minutes)d分钟后再试", minutes=wait), "error")
            return render_template("kaohe/login.html", form=form), 429
        user = User.get_or_none(User.username == username)
        if check_password(user, form.password.data) and user is not None and user.active:
            forget_failures(username)
            login_user(Account(user))
            return redirect(_safe_next(request.args.get("next")))
        record_failure(username, client)
        flash(_("用户名或密码不正确"), "error")
    return render_template("kaohe/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
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
        """Every page but the login page, the language switch and static files needs a login."""
        endpoint = request.endpoint or ""
        if endpoint in ("kaohe_auth.login", "kaohe_i18n.switch", "static") \
                or endpoint.endswith(".static"):
            return None
        if endpoint.startswith("kaohe_api."):
            return None  # the JSON API checks its own bearer tokens and never the session
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
