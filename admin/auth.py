"""Accounts of the panel: Flask-Login sessions, the login page, password hashing and roles."""

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from core.models import ROLES, User

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


def create_user(username, password, role, unit=None):
    """Create an account; the password is stored hashed. Raises ValueError in Chinese."""
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
    return User.create(username=username, password_hash=hash_password(password), role=role,
                       unit=unit)


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


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.username == form.username.data.strip())
        if check_password(user, form.password.data) and user is not None and user.active:
            login_user(Account(user))
            return redirect(_safe_next(request.args.get("next")))
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
