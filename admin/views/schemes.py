"""Schemes: members, rule sets switched and ordered, parameters tuned with a preview, versions restored."""

from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.exchange import scheme_documents
from kaohe.core.runs.bounded import run_bounded
from kaohe.core.scoring.engine import preview as compute_preview
from kaohe.core.storage import policy, schemes
from kaohe.core.storage.models import ParameterVersion, Scheme, SchemeUnit, Unit

from .. import rule_editor, tuning
from ..i18n import word
from .base import KaoheView
from .common import get_scheme_or_404, periods_of, pool_label


def preview(registry, scheme, period, before_config, after_config, seconds=None):
    """Both outcomes for the period, nothing stored: each unit before/after, and the award lists.

    Computed on a preview thread within `seconds` (the instance's KAOHE_RULESET_SECONDS): a rule
    set that hangs is answered with a message, not with a server thread held for ever.
    """
    seconds = seconds or float(current_app.config["KAOHE_RULESET_SECONDS"])
    before, after = run_bounded(lambda: compute_preview(
        registry, scheme, period, config=after_config, before_config=before_config), seconds)
    pools = {}
    for unit_id, new in after.units.items():
        old = before.units.get(unit_id)
        row = {"name": new.name, "code": new.code, "unit": unit_id,
               "points_before": old.points if old else None, "points_after": new.points,
               "rank_before": old.rank if old else None, "rank_after": new.rank,
               "yuan_before": old.yuan if old else None, "yuan_after": new.yuan}
        row["delta"] = new.points - old.points if old else None
        row["moved"] = old is None or old.points != new.points or old.rank != new.rank \
            or old.yuan != new.yuan
        pools.setdefault(new.pool, []).append(row)
    for rows in pools.values():
        rows.sort(key=lambda r: r["rank_after"])

    def award_lists(outcome):
        units = {}
        for total in sorted(outcome.units.values(), key=lambda t: (t.pool, t.award_rank or 0)):
            if total.award_rank is not None:
                units.setdefault(total.pool, []).append(total)
        reporters = sorted((r for r in outcome.reporters.values() if r.award_rank is not None),
                           key=lambda r: r.award_rank)
        return {"units": units, "reporters": reporters}

    return {"period": after.period, "pools": pools,
            "moved": sum(1 for rows in pools.values() for r in rows if r["moved"]),
            "awards_before": award_lists(before), "awards_after": award_lists(after)}


class SchemesView(KaoheView):
    roles = frozenset({"admin", "clerk", "viewer"})

    def _registry(self):
        return self.admin.app.extensions["kaohe_registry"]

    def _admin_only(self):
        if current_user.role != "admin":
            abort(403)

    @expose("/")
    def index(self):
        rows = []
        for scheme in Scheme.select().order_by(Scheme.id):
            version = schemes.current_version(scheme)
            rows.append({"scheme": scheme, "version": version,
                         "members": scheme.unit_links.count(),
                         "enabled": [e["name"] for e in version.config["rulesets"]
                                     if e.get("enabled", True)]})
        return self.render("kaohe/schemes.html", rows=rows, registry=self._registry())

    @expose("/<int:scheme_id>/")
    def detail(self, scheme_id):
        scheme = get_scheme_or_404(scheme_id)
        version = schemes.current_version(scheme)
        members = list(Unit.select().join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
                       .where(SchemeUnit.scheme == scheme).order_by(Unit.pool, Unit.code))
        by_pool = {}
        for unit in members:
            by_pool.setdefault(unit.pool, []).append(unit)
        others = list(Unit.select().where(Unit.id.not_in([u.id for u in members]))
                      .order_by(Unit.code)) if members else list(Unit.select().order_by(Unit.code))
        return self.render("kaohe/scheme_detail.html", scheme=scheme, version=version,
                           by_pool=by_pool, others=others, registry=self._registry(),
                           may_edit=current_user.role == "admin",
                           may_tune=policy.may_tune(current_user))

    @expose("/<int:scheme_id>/document")
    def document(self, scheme_id):
        """The scheme as one TOML document (docs/schemes.md), downloaded."""
        scheme = get_scheme_or_404(scheme_id)
        text = scheme_documents.dumps(scheme)
        name = quote(f"{scheme.name}.toml")
        return Response(text.encode("utf-8"), mimetype="application/toml",
                        headers={"Content-Disposition": f"attachment; filename=scheme.toml; "
                                                        f"filename*=UTF-8''{name}"})

    @expose("/document", methods=["POST"])
    def upload_document(self):
        """Create or update a scheme from an uploaded document: a parameter version like any other."""
        self._admin_only()
        upload = request.files.get("document")
        if upload is None or not upload.filename:
            flash(_("请选择方案文件（.toml）"), "error")
            return redirect(url_for(".index"))
        raw = upload.stream.read(scheme_documents.MAX_BYTES + 1)
        try:
            scheme, created, version = scheme_documents.import_document(
                self._registry(), raw, author=current_user.username,
                reason=request.form.get("reason", "").strip())
        except KaoheError as error:
            flash(_("方案文件未导入：%(error)s", error=word(error)), "error")
            return redirect(url_for(".index"))
        if created:
            flash(_("已按方案文件创建考核方案「%(name)s」", name=scheme.name), "success")
        elif version is None:
            flash(_("考核方案「%(name)s」的参数与方案文件相同，未生成新版本", name=scheme.name), "info")
        else:
            flash(_("已按方案文件更新考核方案「%(name)s」，保存为第%(n)d版参数。重新计算后生效。",
                    name=scheme.name, n=version.number), "success")
        return redirect(url_for(".detail", scheme_id=scheme.id))

    @expose("/<int:scheme_id>/members", methods=["POST"])
    def members(self, scheme_id):
        self._admin_only()
        scheme = get_scheme_or_404(scheme_id)
        current = {link.unit_id for link in scheme.unit_links}
        remove = {int(v) for v in request.form.getlist("remove") if v.isdigit()}
        add = {int(v) for v in request.form.getlist("add") if v.isdigit()}
        wanted = (current - remove) | {u.id for u in Unit.select().where(Unit.id.in_(list(add)))}
        if not wanted:
            flash(_("考核方案至少要包含一个单位"), "error")
        else:
            schemes.set_members(scheme, sorted(wanted))
            flash(_("成员单位已更新：共%(n)d家", n=len(wanted)), "success")
        return redirect(url_for(".detail", scheme_id=scheme.id))

    @expose("/<int:scheme_id>/tune", methods=["GET", "POST"])
    def tune(self, scheme_id):
        if not policy.may_tune(current_user):
            abort(403)
        scheme = get_scheme_or_404(scheme_id)
        registry = self._registry()
        version = schemes.current_version(scheme)
        period = request.values.get("period") or str(scheme.year)
        try:
            parse_period(period)
        except KaoheError:
            period = str(scheme.year)
        shown_config, errors, result, reason_error = version.config, {}, None, None
        if request.method == "POST":
            action = request.form.get("action", "preview")
            editing = rule_editor.parse(action)
            if editing and editing[0] != "preset.copy":
                shown_config = self._edit_rows(registry, version, action)
            else:
                config, errors, raw = tuning.check(registry, version.config, request.form)
                shown_config = raw
                if not errors and editing:
                    config = self._copy_preset(registry, config, action)
                    shown_config, action = config or raw, "preview"
                if errors:
                    flash(_("有参数填写不正确，请按红字提示修改。"), "error")
                elif config is not None:
                    saved, reason_error, result = self._save_or_preview(
                        registry, scheme, version, period, config, action)
                    if saved is not None:
                        return redirect(url_for(".versions", scheme_id=scheme.id))
        quotas, others = tuning.settings(shown_config)
        return self.render("kaohe/tune.html", scheme=scheme, version=version,
                           panels=tuning.panels(registry, shown_config, errors), quotas=quotas,
                           others=others, errors=errors, result=result, period=period,
                           periods=periods_of(scheme.year), reason=request.form.get("reason", ""),
                           reason_error=reason_error, pool_label=pool_label)

    def _edit_rows(self, registry, version, action):
        """Add, remove or move a rule row of the form as typed; the page comes back unsaved."""
        typed, _positions = tuning.read_form(registry, version.config, request.form)
        try:
            flash(rule_editor.apply(registry, typed, action, request.form), "info")
        except KaoheError as error:
            flash(word(error), "error")
        return typed

    def _copy_preset(self, registry, config, action):
        """The checked configuration with a preset's rows copied in, checked again; None if refused."""
        try:
            said = rule_editor.apply(registry, config, action, request.form)
            config = schemes.validate_config(registry, config)
        except KaoheError as error:
            flash(word(error), "error")
            return None
        flash(said, "info")
        return config

    def _save_or_preview(self, registry, scheme, version, period, config, action):
        """(the saved version or None, the reason's error, the preview) of a checked form."""
        changes = self._described(version.config, config)
        if action == "save":
            reason = request.form.get("reason", "").strip()
            if not reason:
                # said at the top too: the field is far down a long page
                flash(_("未保存：请在页面下方“修改原因”一栏写明为什么修改，再点保存。"), "error")
                return None, _("请填写修改原因"), self._preview(registry, scheme, version, period,
                                                            config, changes)
            try:
                saved = schemes.save_config(registry, scheme, config,
                                            author=current_user.username, reason=reason)
            except KaoheError as error:
                flash(word(error), "error")
            else:
                flash(_("已保存为第%(n)d版参数。重新计算后生效。", n=saved.number), "success")
                return saved, None, None
        return None, None, self._preview(registry, scheme, version, period, config, changes)

    def _preview(self, registry, scheme, version, period, config, changes):
        try:
            result = preview(registry, scheme, period, version.config, config)
        except KaoheError as error:
            flash(_("预览失败：%(error)s", error=word(error)), "error")
            return None
        result["changes"] = changes
        return result

    def _described(self, old_config, new_config):
        """(path, words, old, new): each change also named in its parameters' labels, the labels,
        values and sentences of rule rows (Sentences of the core) in the panel's language."""
        return [(path, word(words), _value_word(old), _value_word(new))
                for path, words, old, new in schemes.describe_changes(self._registry(), old_config,
                                                                      new_config)]

    @expose("/<int:scheme_id>/versions")
    def versions(self, scheme_id):
        scheme = get_scheme_or_404(scheme_id)
        rows = list(ParameterVersion.select().where(ParameterVersion.scheme == scheme)
                    .order_by(ParameterVersion.number.desc()))
        entries = []
        for index, version in enumerate(rows):
            previous = rows[index + 1] if index + 1 < len(rows) else None
            changes = self._described(previous.config, version.config) if previous else []
            entries.append({"version": version, "changes": changes, "current": index == 0})
        return self.render("kaohe/versions.html", scheme=scheme, entries=entries,
                           may_edit=current_user.role == "admin")

    @expose("/<int:scheme_id>/versions/<int:number>/restore", methods=["POST"])
    def restore(self, scheme_id, number):
        self._admin_only()
        scheme = get_scheme_or_404(scheme_id)
        try:
            saved = schemes.restore_version(self._registry(), scheme, number,
                                            author=current_user.username,
                                            reason=request.form.get("reason", ""))
        except KaoheError as error:
            flash(word(error), "error")
        else:
            flash(_("已恢复第%(old)d版参数，保存为第%(new)d版。重新计算后生效。", old=number,
                    new=saved.number), "success")
        return redirect(url_for(".versions", scheme_id=scheme.id))



def _value_word(value):
    """A change's old or new value (是, 否, —, a vocabulary's word) in the panel's language."""
    return word(value) if isinstance(value, str) else value
