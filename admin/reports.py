"""The panel's 通报与评先 page: the monthly notification and the annual award documents, to print or download."""

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.exchange import reports
from kaohe.core.runs.results import official_run
from kaohe.core.storage.models import Scheme
from kaohe.core.storage.policy import STAFF

from .headers import csp_nonce
from .i18n import document_language, kept_sentences, word
from .views.base import KaoheView
from .views.common import chosen_scheme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(scheme):
    """The month asked for (?month=2025-03 or ?month=3), checked against the scheme year."""
    raw = (request.values.get("month") or "").strip()
    if raw.isdigit():
        raw = f"{scheme.year}-{int(raw):02d}"
    try:
        period = parse_period(raw)
    except KaoheError:
        abort(404)
    if period.kind != "month" or period.year != scheme.year:
        abort(404)
    return period.label


def _xlsx(content, filename):
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True,
                     download_name=filename)


class ReportsView(KaoheView):
    """Pick a scheme and a month; print or download its notification, and the year's award documents.

    Unit reporters are refused: the notification names every unit's figures.
    """

    roles = frozenset({"admin", "clerk", "viewer"})

    @expose("/")
    def index(self):
        scheme = chosen_scheme(required=False)
        if scheme is None:
            return self.render("kaohe/reports.html", scheme=None)
        months = reports.month_runs(scheme, parse_period(f"{scheme.year}-12"))
        stored = [m.start.month for m, run in months if run is not None]
        chosen = request.args.get("month")
        chosen = _month(scheme) if chosen else \
            f"{scheme.year}-{(stored[-1] if stored else 1):02d}"
        return self.render("kaohe/reports.html", scheme=scheme,
                           schemes=list(Scheme.select().order_by(Scheme.id)), months=months,
                           chosen=chosen, may_recalc=current_user.role in STAFF,
                           year_run=official_run(scheme, str(scheme.year)),
                           missing=request.args.get("missing") == "1")

    def _notification(self, scheme, month, recalc_missing=False):
        registry = self.admin.app.extensions["kaohe_registry"]
        return reports.monthly_notification(scheme, month, recalc_missing=recalc_missing,
                                            registry=registry, author=current_user.username,
                                            stored=kept_sentences)

    def _refused(self, scheme, month, error):
        if isinstance(error, reports.MissingMonths):  # the remedy is the button, not a command
            months = "、".join(m.title for m in error.months)
            flash(_("%(months)s尚未计算，无法生成通报。", months=months), "error")
            return redirect(url_for(".index", scheme=scheme.id, month=month, missing=1))
        flash(word(error), "error")
        return redirect(url_for(".index", scheme=scheme.id, month=month, missing=1))

    @expose("/notification")
    def notification(self):
        def page(scheme, month, data):
            toolbar = [
                {"href": url_for(".notification_xlsx", scheme=scheme.id, month=month),
                 "label": _("下载 xlsx")},
                {"href": url_for(".index", scheme=scheme.id, month=month), "label": _("返回")},
            ]
            return reports.notification_html(data, toolbar=toolbar, nonce=csp_nonce(),
                                             **document_language())
        return self._with_notification(page)

    @expose("/notification.xlsx")
    def notification_xlsx(self):
        words = document_language().get("words")
        return self._with_notification(lambda scheme, month, data: _xlsx(
            reports.notification_xlsx(data, words), reports.notification_filename(data, "xlsx", words)))

    def _with_notification(self, answer):
        """The chosen scheme's notification for the chosen month given to `answer`, or the refusal."""
        scheme = chosen_scheme()
        month = _month(scheme)
        try:
            data = self._notification(scheme, month)
        except KaoheError as error:
            return self._refused(scheme, month, error)
        return answer(scheme, month, data)

    @expose("/recalc-missing", methods=["POST"])
    def recalc_missing(self):
        if current_user.role not in STAFF:
            abort(403)
        scheme = chosen_scheme()
        month = _month(scheme)
        try:
            self._notification(scheme, month, recalc_missing=True)
        except KaoheError as error:
            flash(_("补算失败，未保存任何结果：%(error)s", error=word(error)), "error")
            return redirect(url_for(".index", scheme=scheme.id, month=month))
        flash(_("已补算缺少的月份"), "success")
        return redirect(url_for(".notification", scheme=scheme.id, month=month))

    def _awards(self, scheme):
        try:
            return reports.award_documents(scheme, stored=kept_sentences)
        except KaoheError as error:
            flash(word(error), "error")
            return None

    @expose("/awards")
    def awards(self):
        scheme = chosen_scheme()
        data = self._awards(scheme)
        if data is None:
            return redirect(url_for(".index", scheme=scheme.id))
        toolbar = [
            {"href": url_for(".awards_xlsx", scheme=scheme.id), "label": _("下载 xlsx")},
            {"href": url_for(".index", scheme=scheme.id), "label": _("返回")},
        ]
        return reports.awards_html(data, toolbar=toolbar, nonce=csp_nonce(), **document_language())

    @expose("/awards.xlsx")
    def awards_xlsx(self):
        scheme = chosen_scheme()
        data = self._awards(scheme)
        if data is None:
            return redirect(url_for(".index", scheme=scheme.id))
        words = document_language().get("words")
        return _xlsx(reports.awards_xlsx(data, words), reports.awards_filename(data, "xlsx", words))
