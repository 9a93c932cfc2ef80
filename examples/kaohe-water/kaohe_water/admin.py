"""The water plugin's page in the panel: each unit's submissions per full week against the quota."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from kaohe.plugins import KaoheError, list_schemes

from .scheme import default_period, scheme_quota_table

# A blueprint without routes, registered only so that Flask finds this package's templates.
templates = Blueprint("kaohe_water", __name__, template_folder="templates")


def register_templates(app):
    if "kaohe_water" not in app.blueprints:
        app.register_blueprint(templates)


class WeeklyQuotaView(BaseView):
    """每周报送任务: units × full weeks, submitted vs quota, for one scheme and period."""

    roles = frozenset({"admin", "clerk", "viewer"})

    def is_accessible(self):
        return current_user.is_authenticated and getattr(current_user, "role", None) in self.roles

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            try:
                return redirect(url_for("kaohe_auth.login", next=request.full_path))
            except Exception:  # a panel without that login page: plain refusal
                abort(401)
        abort(403)

    @expose("/")
    def index(self):
        schemes = list_schemes()
        chosen = request.args.get("scheme") or (schemes[0].name if schemes else "")
        scheme = next((s for s in schemes if s.name == chosen), None)
        period_text = (request.args.get("period") or "").strip()
        error = ""
        period = table = None
        if scheme is None and chosen:
            error = f"没有名为「{chosen}」的考核方案"
        elif scheme is not None:
            period_text = period_text or default_period(scheme)
            try:
                period, table = scheme_quota_table(scheme, period_text)
            except KaoheError as problem:
                error = str(problem)
        return self.render("kaohe_water/quota.html", schemes=schemes, scheme=scheme,
                           period_text=period_text, period=period, table=table, error=error)
