"""The Flask-Admin instance: the menu of the panel, its pages, and the pages plugins add."""

from pathlib import Path

from flask import abort, render_template
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as L
from flask_login import current_user

from kaohe.core.storage.models import (
    Adjustment,
    Adoption,
    Instruction,
    Item,
    Publication,
    Reporter,
    Solicitation,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentFollowUp,
    UrgentReport,
    User,
)

from .exchange import ExportView, ImportView
from .follow_ups import UrgentFollowUpView
from .report_tables import ReportTablesView
from .reports import ReportsView
from .views import data, items
from .views.audit import AuditView
from .views.base import RoleMixin
from .views.common import register_filters
from .views.dashboard import DashboardView
from .views.plugins import PluginsView
from .views.results import ResultsView
from .views.schemes import SchemesView

DATA = L("数据")
SCORING = L("考核")
SYSTEM = L("系统")


def _guarded(view):
    """A plugin's view, shown only to the roles in its `roles` attribute (when it has one)."""
    if isinstance(view, RoleMixin):
        return view
    roles = getattr(view, "roles", None)
    own_check = view.is_accessible

    def is_accessible():
        if not current_user.is_authenticated:
            return False
        return (roles is None or current_user.role in roles) and own_check()

    def inaccessible_callback(name, **kwargs):
        abort(403)

    view.is_accessible = is_accessible
    view.inaccessible_callback = inaccessible_callback
    return view


def _original_templates(app):
    """Flask-Admin's own templates also under `flask_admin_bootstrap4/`, for the few of them that
    admin/templates/admin/ overrides (without inline handlers) to take the rest from."""
    import flask_admin
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
    folder = Path(flask_admin.__file__).parent / "templates" / "bootstrap4"
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PrefixLoader(
        {"flask_admin_bootstrap4": FileSystemLoader(str(folder))})])


def init_app(app):
    from .headers import csp_nonce
    _original_templates(app)
    admin = Admin(name=L("考核计分"), url="/",
                  theme=Bootstrap4Theme(base_template="kaohe/base.html", fluid=True),
                  index_view=DashboardView(name=L("总览"), url="/", endpoint="admin"),
                  csp_nonce_generator=csp_nonce)
    admin.init_app(app)
    app.extensions["kaohe_admin"] = admin

    views = [
        items.ItemView(Item, name=L("稿件"), category=DATA, endpoint="items"),
        items.AdoptionView(Adoption, name=L("采用"), category=DATA, endpoint="adoptions"),
        items.InstructionView(Instruction, name=L("领导批示"), category=DATA, endpoint="instructions"),
        data.UrgentReportView(UrgentReport, name=L("紧急信息"), category=DATA, endpoint="urgent"),
        UrgentFollowUpView(UrgentFollowUp, name=L("紧急信息续报"), category=DATA,
                           endpoint="urgent_follow_ups"),
        data.SolicitationView(Solicitation, name=L("约稿"), category=DATA, endpoint="solicitations"),
        data.UnitView(Unit, name=L("报送单位"), category=DATA, endpoint="units"),
        data.ReporterView(Reporter, name=L("信息员"), category=DATA, endpoint="reporters"),
        data.PublicationView(Publication, name=L("刊物"), category=DATA, endpoint="publications"),
        data.UnitFactView(UnitFact, name=L("单位事实"), category=DATA, endpoint="facts"),
        data.TargetView(Target, name=L("目标任务"), category=DATA, endpoint="targets"),
        data.AdjustmentView(Adjustment, name=L("加减分"), category=DATA, endpoint="adjustments"),
        data.UnitKindView(UnitKind, name=L("单位类型"), category=DATA, endpoint="unit_kinds"),
        ImportView(name=L("导入数据"), category=DATA, endpoint="data_import", url="/import"),
        ExportView(name=L("导出数据"), category=DATA, endpoint="data_export", url="/export"),
        SchemesView(name=L("考核方案"), category=SCORING, endpoint="schemes", url="/schemes"),
        ResultsView(name=L("计算与排名"), category=SCORING, endpoint="results", url="/results"),
        ReportsView(name=L("通报与评先"), category=SCORING, endpoint="reports", url="/reports"),
        ReportTablesView(name=L("更多报表"), category=SCORING, endpoint="report_tables",
                         url="/report-tables"),
        data.UserView(User, name=L("用户"), category=SYSTEM, endpoint="users"),
        AuditView(name=L("审计日志"), category=SYSTEM, endpoint="audit", url="/audit"),
        PluginsView(name=L("规则集与插件"), category=SYSTEM, endpoint="plugins", url="/plugins"),
    ]
    for view in views:
        admin.add_view(view)

    registry = app.extensions["kaohe_registry"]
    for added in registry.hook.kaohe_admin_views(app=app):
        for view in added or []:
            admin.add_view(_guarded(view))
    register_filters(app)

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("kaohe/error.html", code=403,
                               message=L("您的账号没有查看或修改此内容的权限。")), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("kaohe/error.html", code=404,
                               message=L("找不到这个页面或记录。")), 404
