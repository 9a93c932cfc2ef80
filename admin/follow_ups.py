"""The panel's 续报 page: follow-up reports of an urgent incident, entered under its first report."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as L
from flask_login import current_user
from wtforms.validators import ValidationError

from kaohe.core.storage.policy import STAFF

from .views.base import KaoheModelView


class UrgentFollowUpView(KaoheModelView):
    """Each row is one 续报 of an urgent report (紧急信息); the first report stays on that record."""
    roles = STAFF
    column_list = ("report", "reported_at", "content", "created_by", "created_at")
    column_labels = {"report": L("紧急信息"), "reported_at": L("续报时间"), "content": L("续报内容"),
                     "created_by": L("录入人"), "created_at": L("录入时间")}
    column_default_sort = ("reported_at", True)
    column_details_list = column_list
    column_formatters = {
        "reported_at": lambda v, c, m, n: m.reported_at.strftime("%Y-%m-%d %H:%M"),
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d %H:%M")}
    form_columns = ("report", "reported_at", "content")
    form_args = {"reported_at": {"description": L("首报之后的续报时间，如 2025-03-08 16:30")}}

    def on_model_change(self, form, model, is_created):
        first = model.report.reported_at or model.report.occurred_at
        if model.reported_at and first and model.reported_at < first:
            raise ValidationError(_("续报时间不能早于首报时间（或发生时间）"))
        model.created_by = current_user.username
        super_change = getattr(super(), "on_model_change", None)
        if super_change is not None:
            super_change(form, model, is_created)
