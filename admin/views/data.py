"""The data pages of the office's records: units and the office's unit kinds, reporters, publications,
solicitations, urgent reports, facts, targets, adjustments (加减分), and the accounts (items, adoptions
and instructions are in items.py)."""

import datetime

from flask import g, request
from flask_admin.contrib.peewee import filters as pf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as L
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import ValidationError

from kaohe.admin.views.filters import (
    pool_options,
    unit_options,
    vocabulary_options,
    vocabulary_word,
    yes_no,
)
from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import (
    LEVELS,
    SECTORS,
    SEVERITIES,
    UNIT_KINDS,
    URGENT_DEADLINE_HOURS,
    URGENT_STATUSES,
)
from kaohe.core.exchange.schemas import AdjustmentSchema, TargetSchema, UnitKindSchema
from kaohe.core.storage import audit, changes
from kaohe.core.storage.models import (
    ROLES,
    Adjustment,
    Publication,
    Reporter,
    Solicitation,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentReport,
    User,
)
from kaohe.core.storage.policy import STAFF

from ..auth import hash_password
from . import choosers
from .base import KaoheModelView
from .common import fact_label
from .inputs import SearchThrough, chooser_field

# ---------------------------------------------------------------- who reports

def unit_kind_options():
    """(code, name) of every unit kind: the built-in ones, then the office's own."""
    return [(code, _(label)) for code, label in UNIT_KINDS.items()] + [
        (kind.code, kind.name) for kind in UnitKind.select().order_by(UnitKind.code)]


def unit_kind_name(code):
    """A unit kind's name for a list's cell; the kinds are read once per request, not per row."""
    if "kaohe_unit_kinds" not in g:
        g.kaohe_unit_kinds = dict(unit_kind_options())
    return g.kaohe_unit_kinds.get(code, code)


def checked(schema, values, labels):
    """`values` as the import reads them (one definition of what a row may hold), or a
    ValidationError naming each field by its label in the form."""
    from marshmallow import ValidationError as Invalid
    try:
        return schema().load(values)
    except Invalid as error:
        problems = []
        for name, messages in sorted(error.normalized_messages().items()):
            words = messages if isinstance(messages, list) else [str(messages)]
            problems.append(f"{labels.get(name, name)}：{'；'.join(map(str, words))}")
        raise ValidationError("；".join(problems)) from None



class UnitView(KaoheModelView):
    roles = STAFF
    column_list = ("code", "name", "kind", "pool", "sector", "parent")
    column_labels = {"code": L("单位代码"), "name": L("单位名称"), "kind": L("单位类型"),
                     "pool": L("考核组别"), "sector": L("口子"), "parent": L("上级单位")}
    column_searchable_list = ("code", "name")
    column_sortable_list = ("code", "name", "kind", "pool", "sector")
    column_default_sort = "code"
    column_formatters = {"kind": lambda v, c, m, n: unit_kind_name(m.kind),
                         "pool": lambda v, c, m, n: _(UNIT_KINDS[m.pool]) if m.pool in UNIT_KINDS else m.pool}
    column_filters = (
        pf.FilterEqual(Unit.pool, L("考核组别"), options=pool_options),
        pf.FilterEqual(Unit.kind, L("单位类型"), options=unit_kind_options),
        pf.FilterEqual(Unit.sector, L("口子"), options=lambda: [(s, _(s)) for s in SECTORS]),
    )
    form_columns = ("code", "name", "kind", "pool", "sector", "parent")
    form_ajax_refs = {"parent": choosers.units("parent")}
    form_args = {"pool": {"description": L("留空则与单位类型相同；同一组别的单位一起排名")}}

    def scaffold_form(self):
        from wtforms import SelectField, StringField
        from wtforms.validators import Length, Optional
        form_class = super().scaffold_form()
        # as the description says, 考核组别 may be left empty (then it is the unit kind)
        form_class.pool = StringField(L("考核组别"), validators=[Optional(), Length(max=64)],
                                      description=self.form_args["pool"]["description"])
        # the built-in kinds and those the office defined (单位类型 page), read on every form
        form_class.kind = SelectField(L("单位类型"), choices=unit_kind_options,
                                      description=L("内置类型之外的类型（如地市）先在“单位类型”中定义"))
        return form_class

    def on_model_change(self, form, model, is_created):
        if not (model.pool or "").strip():
            model.pool = model.kind
        if model.parent_id and model.parent_id == model.id:
            raise ValidationError(_("上级单位不能是本单位"))


class UnitKindView(KaoheModelView):
    """The unit kinds an office names beyond the built-in ones (地市, 直报点…)."""
    roles = STAFF
    column_list = ("code", "name")
    column_labels = {"code": L("类型代码"), "name": L("类型名称")}
    column_searchable_list = ("code", "name")
    column_default_sort = "code"
    form_columns = ("code", "name")
    form_args = {"code": {"description": L("报送单位的“单位类型”填写此代码，如 地市")}}

    def on_model_change(self, form, model, is_created):
        loaded = checked(UnitKindSchema, {"code": model.code, "name": model.name},
                         {"code": _("类型代码"), "name": _("类型名称")})
        model.code, model.name = loaded["code"], loaded["name"]


class ReporterView(KaoheModelView):
    roles = STAFF
    column_list = ("code", "name", "unit")
    column_labels = {"code": L("信息员编号"), "name": L("姓名"), "unit": L("所在单位")}
    column_searchable_list = ("code", "name", SearchThrough(
        Reporter.unit, L("单位代码或名称"), lambda: Unit.select(Unit.id), Unit.code, Unit.name))
    column_filters = (pf.FilterEqual(Reporter.unit, L("所在单位"), options=unit_options),)
    form_columns = ("code", "name", "unit")
    form_ajax_refs = {"unit": choosers.units("unit")}


class PublicationView(KaoheModelView):
    roles = STAFF
    column_list = ("code", "name", "level", "issuer")
    column_labels = {"code": L("刊物代码"), "name": L("刊物名称"), "level": L("级别"),
                     "issuer": L("主办单位")}
    column_searchable_list = ("code", "name", "issuer")
    column_formatters = {"level": vocabulary_word(LEVELS)}
    column_filters = (pf.FilterEqual(Publication.level, L("级别"), options=vocabulary_options(LEVELS)),)
    form_columns = ("code", "name", "level", "issuer")


# ---------------------------------------------------------------- the other data

class SolicitationView(KaoheModelView):
    roles = STAFF
    column_list = ("no", "title", "issued_on", "due_on", "units")
    column_labels = {"no": L("约稿编号"), "title": L("题目"), "issued_on": L("下发日期"),
                     "due_on": L("截止日期"), "units": L("约稿单位")}
    column_searchable_list = ("no", "title")
    column_formatters = {"units": lambda v, c, m, n: _("、").join(l.unit.name for l in m.unit_links)}
    column_filters = (pf.DateBetweenFilter(Solicitation.due_on, L("截止日期")),)
    form_columns = ("no", "title", "issued_on", "due_on")
    form_ajax_refs = {"units": choosers.units("units")}
    form_extra_fields = {"units": chooser_field(form_ajax_refs["units"], L("约稿单位"), multiple=True)}

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and request.method != "POST":
            form.units.data = [link.unit for link in obj.unit_links]
        return form

    def on_model_change(self, form, model, is_created):
        if model.due_on and model.issued_on and model.due_on < model.issued_on:
            raise ValidationError(_("截止日期不能早于下发日期"))

    def after_model_change(self, form, model, is_created):
        changes.set_solicitation_units(model, list(form.units.data or []))


def lateness(report):
    """How late the first report came, in words, or '' when it came in time or never."""
    if report.reported_at is None or report.occurred_at is None:
        return ""
    delay = report.reported_at - report.occurred_at
    allowed = datetime.timedelta(hours=URGENT_DEADLINE_HOURS.get(report.severity, 4))
    minutes = int(delay.total_seconds() // 60)
    if delay <= allowed:
        return _("用时%(h)d小时%(m)d分，按时", h=minutes // 60, m=minutes % 60)
    late = int((delay - allowed).total_seconds() // 60)
    return _("用时%(h)d小时%(m)d分，超过时限%(limit)d小时，迟报%(lh)d小时%(lm)d分",
             h=minutes // 60, m=minutes % 60, limit=allowed.seconds // 3600,
             lh=late // 60, lm=late % 60)


def _reported_with_lateness(view, context, model, name):
    if model.reported_at is None:
        return _("未报")
    text = lateness(model)
    css = "text-danger" if model.reported_at - model.occurred_at > datetime.timedelta(
        hours=URGENT_DEADLINE_HOURS.get(model.severity, 4)) else "text-success"
    return Markup('{}<br><small class="{}">{}</small>').format(
        model.reported_at.strftime("%Y-%m-%d %H:%M"), css, text)


class UrgentReportView(KaoheModelView):
    roles = STAFF
    column_list = ("no", "unit", "title", "severity", "occurred_at", "reported_at", "status",
                   "misreported", "reporter")
    column_labels = {"no": L("事件编号"), "unit": L("报送单位"), "title": L("事件"),
                     "severity": L("级别"), "occurred_at": L("发生时间"),
                     "reported_at": L("首报时间（及时限）"), "status": L("状态"),
                     "misreported": L("误报"), "reporter": L("责任信息员")}
    column_searchable_list = ("no", "title")
    column_default_sort = ("occurred_at", True)
    column_formatters = {"severity": vocabulary_word(SEVERITIES), "status": vocabulary_word(URGENT_STATUSES),
                         "misreported": yes_no, "reported_at": _reported_with_lateness,
                         "occurred_at": lambda v, c, m, n: m.occurred_at.strftime("%Y-%m-%d %H:%M")}
    column_details_list = column_list
    column_filters = (
        pf.FilterEqual(UrgentReport.unit, L("报送单位"), options=unit_options),
        pf.DateTimeBetweenFilter(UrgentReport.occurred_at, L("发生时间")),
        pf.FilterEqual(UrgentReport.severity, L("级别"), options=vocabulary_options(SEVERITIES)),
        pf.FilterEqual(UrgentReport.status, L("状态"), options=vocabulary_options(URGENT_STATUSES)),
    )
    form_columns = ("no", "unit", "title", "severity", "occurred_at", "reported_at", "status",
                    "misreported", "reporter")
    form_ajax_refs = {"unit": choosers.units("unit"), "reporter": choosers.reporters("reporter")}
    form_args = {"reported_at": {"label": L("首报时间"),
                                 "description": L("时限：特别重大、重大2小时，较大、一般4小时")}}

    def on_model_change(self, form, model, is_created):
        if model.reported_at and model.occurred_at and model.reported_at < model.occurred_at:
            raise ValidationError(_("首报时间不能早于发生时间"))


class UnitFactView(KaoheModelView):
    roles = STAFF
    column_list = ("unit", "year", "kind", "value")
    column_labels = {"unit": L("单位"), "year": L("年度"), "kind": L("事实"), "value": L("值")}
    column_filters = (pf.FilterEqual(UnitFact.unit, L("单位"), options=unit_options),
                      pf.IntEqualFilter(UnitFact.year, L("年度")))
    form_columns = ("unit", "year", "kind", "value")
    form_ajax_refs = {"unit": choosers.units("unit")}
    column_formatters = {"kind": lambda v, c, m, n: fact_label(m.kind)}
    form_args = {"kind": {"description": L("事实的代码，如 provincial_county_rank（全省县域排名）")}}


class TargetView(KaoheModelView):
    roles = STAFF
    column_list = ("unit", "year", "period", "scheme", "submit_target", "adopt_target")
    column_labels = {"unit": L("单位"), "year": L("年度"), "period": L("期间"),
                     "scheme": L("考核方案"), "submit_target": L("报送任务"),
                     "adopt_target": L("采用任务")}
    column_formatters = {"period": lambda v, c, m, n: m.period or _("全年"),
                         "scheme": lambda v, c, m, n: m.scheme or _("全部方案")}
    column_filters = (pf.FilterEqual(Target.unit, L("单位"), options=unit_options),
                      pf.IntEqualFilter(Target.year, L("年度")),
                      pf.FilterEqual(Target.period, L("期间")))
    form_columns = ("unit", "year", "period", "scheme", "submit_target", "adopt_target")
    form_ajax_refs = {"unit": choosers.units("unit")}
    form_args = {"period": {"description": L("留空为全年；2025-H1、2025-Q1、2025-03 为半年、季度、月")},
                 "scheme": {"description": L("留空则适用于全部方案；填写方案名称则只适用于该方案")}}

    def on_model_change(self, form, model, is_created):
        loaded = checked(TargetSchema, {
            "unit": model.unit.code if model.unit_id else None, "year": model.year,
            "period": model.period or None, "scheme": model.scheme or "",
            "submit_target": model.submit_target, "adopt_target": model.adopt_target or 0},
            {key: str(label) for key, label in self.column_labels.items()})
        model.year, model.period, model.scheme = loaded["year"], loaded["period"], loaded["scheme"]


class AdjustmentView(KaoheModelView):
    """加减分: the points or 元 the office gives or deducts by hand, with the reason and article."""
    roles = STAFF
    column_list = ("unit", "date", "points", "yuan", "kind", "reason", "reference", "reporter", "item")
    column_labels = {"unit": L("单位"), "date": L("日期"), "points": L("分值"), "yuan": L("金额"),
                     "kind": L("类别"), "reason": L("事由"), "reference": L("依据"),
                     "reporter": L("信息员"), "item": L("稿件"), "created_at": L("录入时间")}
    column_details_list = column_list + ("created_at",)
    column_searchable_list = ("reason", "kind", "reference", SearchThrough(
        Adjustment.unit, L("单位代码或名称"), lambda: Unit.select(Unit.id), Unit.code, Unit.name))
    column_default_sort = ("date", True)
    column_filters = (pf.FilterEqual(Adjustment.unit, L("单位"), options=unit_options),
                      pf.DateBetweenFilter(Adjustment.date, L("日期")),
                      pf.FilterEqual(Adjustment.kind, L("类别"), options=lambda: [
                          (a.kind, a.kind) for a in Adjustment.select(Adjustment.kind).distinct()
                          .where(Adjustment.kind != "").order_by(Adjustment.kind)]))
    column_formatters = {"item": lambda v, c, m, n: m.item.no if m.item_id else ""}
    form_columns = ("unit", "date", "points", "yuan", "kind", "reason", "reference", "reporter", "item")
    form_ajax_refs = {"unit": choosers.units("unit"), "reporter": choosers.reporters("reporter"),
                      "item": choosers.items("item")}
    form_args = {"points": {"description": L("扣分填负数，如 -2；分值与金额至少填写一项")},
                 "yuan": {"description": L("奖励或扣罚的金额（元），扣罚填负数")},
                 "kind": {"description": L("计分规则可按类别选取，如 迟报、差错")},
                 "reference": {"description": L("所依据的考核办法条款")}}

    def on_model_change(self, form, model, is_created):
        checked(AdjustmentSchema, {
            "unit": model.unit.code if model.unit_id else None,
            "date": model.date.isoformat() if model.date else None,
            "points": model.points, "yuan": model.yuan, "kind": model.kind or "",
            "reason": model.reason, "reference": model.reference or ""},
            {key: str(label) for key, label in self.column_labels.items()})
        if model.reporter_id and model.unit_id and model.reporter.unit_id != model.unit_id:
            raise ValidationError(_("信息员不属于该单位"))


# ---------------------------------------------------------------- accounts

class UserView(KaoheModelView):
    roles = frozenset({"admin"})
    edit_roles = frozenset({"admin"})
    column_list = ("username", "role", "unit", "active", "created_at")
    column_labels = {"username": L("用户名"), "role": L("角色"), "unit": L("所属单位"),
                     "active": L("启用"), "created_at": L("创建时间"), "password": L("新密码")}
    column_formatters = {"role": vocabulary_word(ROLES), "active": yes_no}
    column_details_list = column_list
    form_columns = ("username", "role", "unit", "active")
    form_ajax_refs = {"unit": choosers.units("unit")}
    column_searchable_list = ("username",)

    def scaffold_form(self):
        from wtforms import PasswordField
        form_class = super().scaffold_form()
        form_class.password = PasswordField(
            L("新密码"), description=L("至少8位；编辑时留空则不修改密码"))
        return form_class

    def on_model_change(self, form, model, is_created):
        password = form.password.data or ""
        if is_created and not password:
            raise ValidationError(_("请设置密码"))
        if password:
            if len(password) < 8:
                raise ValidationError(_("密码至少8位"))
            model.password_hash = hash_password(password)
        if model.role == "reporter" and not model.unit_id:
            raise ValidationError(_("单位信息员账号必须指定所属单位"))
        if not is_created:
            g.kaohe_account_before = audit.account_fields(User.get_by_id(model.id))

    def after_model_change(self, form, model, is_created):
        """Log the change with the old and new values (inside the saving transaction)."""
        actor = current_user.username
        after = audit.account_fields(model)
        if is_created:
            audit.record(actor, "account.create", "user", model.id,
                         summary=say("创建账号「{username}」", username=model.username), new=after)
            return
        old, new = audit.changed_fields(g.pop("kaohe_account_before"), after)
        if new:
            audit.record(actor, "account.update", "user", model.id,
                         summary=say("修改账号「{username}」：{fields}", username=model.username,
                                     fields=listing(new)), old=old, new=new)
        if form.password.data:
            audit.record(actor, "account.password", "user", model.id,
                         summary=say("修改账号「{username}」的密码", username=model.username))

    def on_model_delete(self, model):
        audit.record(current_user.username, "account.delete", "user", model.id,
                     summary=say("删除账号「{username}」", username=model.username),
                     old=audit.account_fields(model))
