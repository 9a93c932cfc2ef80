"""The panel's 更多报表 page: the quarterly and urgent-report notifications, target completion, counts by
publication, the solicitation share and a reporter's own page, each to print or download."""

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.exchange.reports.catalog import REPORTS, build_report
from kaohe.core.exchange.reports.tabular import (
    MissingPeriod,
    table_filename,
    table_html,
    table_xlsx,
)
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Reporter, Scheme
from kaohe.core.storage.policy import STAFF

from .headers import csp_nonce
from .i18n import document_language, word
from .views.base import KaoheView
from .views.common import chosen_scheme, periods_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reporters_for(user):
    """The reporters whose page `user` may read: every one for the office, their unit's for a
    unit reporter."""
    query = Reporter.select().order_by(Reporter.code)
    if user.is_reporter:
        query = query.where(Reporter.unit == user.unit_id)
    return query


class ReportTablesView(KaoheView):
    """Pick a report, a scheme and a period; print it or download it as xlsx.

    A unit reporter sees only the reporter pages of their own unit's reporters.
    """

    roles = frozenset({"admin", "clerk", "viewer", "reporter"})

    def _asked(self):
        scheme = chosen_scheme()
        kind = request.values.get("kind") or ("reporter" if current_user.is_reporter else "quarterly")
        if kind not in REPORTS:
            abort(404)
        if current_user.is_reporter and kind != "reporter":
            abort(403)
        period = (request.values.get("period") or str(scheme.year)).strip()
        try:
            parse_period(period)
        except KaoheError:
            abort(404)
        code = (request.values.get("reporter") or "").strip() or None
        if kind == "reporter" and current_user.is_reporter:
            if code is None or not _reporters_for(current_user).where(Reporter.code == code).exists():
                abort(403)
        return scheme, kind, period, code

    @expose("/")
    def index(self):
        scheme = chosen_scheme(required=False)
        if scheme is None:
            return self.render("kaohe/report_tables.html", scheme=None)
        kinds = [k for k in REPORTS.values() if not current_user.is_reporter or k.needs_reporter]
        return self.render("kaohe/report_tables.html", scheme=scheme, kinds=kinds,
                           schemes=list(Scheme.select().order_by(Scheme.id)),
                           periods=periods_of(scheme.year), reporters=list(_reporters_for(current_user)),
                           chosen_kind=request.args.get("kind", kinds[0].name),
                           chosen_period=request.args.get("period", str(scheme.year)),
                           chosen_reporter=request.args.get("reporter", ""),
                           missing=request.args.get("missing") == "1",
                           may_recalc=current_user.role in STAFF)

    def _build(self):
        scheme, kind, period, code = self._asked()
        return scheme, kind, period, code, build_report(kind, scheme, period, reporter=code)

    def _refused(self, error):
        scheme, kind, period, code = self._asked()
        back = dict(scheme=scheme.id, kind=kind, period=period, reporter=code or "")
        if isinstance(error, MissingPeriod):
            flash(_("%(period)s尚未计算，无法生成报表。", period=error.months[0].title), "error")
            return redirect(url_for(".index", missing=1, **back))
        flash(word(error), "error")
        return redirect(url_for(".index", **back))

    @expose("/view")
    def view(self):
        try:
            scheme, kind, period, code, data = self._build()
        except KaoheError as error:
            return self._refused(error)
        args = dict(scheme=scheme.id, kind=kind, period=period, reporter=code or "")
        toolbar = [{"href": url_for(".download", **args), "label": _("下载 xlsx")},
                   {"href": url_for(".index", **args), "label": _("返回")}]
        return table_html(data, toolbar=toolbar, nonce=csp_nonce(), **document_language())

    @expose("/file.xlsx")
    def download(self):
        try:
            _scheme, _kind, _period, _code, data = self._build()
        except KaoheError as error:
            return self._refused(error)
        words = document_language().get("words")
        return send_file(io.BytesIO(table_xlsx(data, words)), mimetype=XLSX, as_attachment=True,
                         download_name=table_filename(data, "xlsx", words))

    @expose("/recalc", methods=["POST"])
    def recalc(self):
        """Compute the report's missing period (a button, not a command), then show the report."""
        if current_user.role not in STAFF:
            abort(403)
        scheme, kind, period, code = self._asked()
        registry = self.admin.app.extensions["kaohe_registry"]
        try:
            recalculate(registry, scheme, period, author=current_user.username,
                        note=f"生成{REPORTS[kind].title}时补算")
        except KaoheError as error:
            flash(_("计算失败，未保存任何结果：%(error)s", error=word(error)), "error")
            return redirect(url_for(".index", scheme=scheme.id, kind=kind, period=period))
        flash(_("已计算%(period)s", period=parse_period(period).title), "success")
        return redirect(url_for(".view", scheme=scheme.id, kind=kind, period=period,
                                reporter=code or ""))
