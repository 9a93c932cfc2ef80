"""Recalculate, rank, explain, compare and publish score runs; the award lists of a published year."""

import time
from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.vocab import ZERO
from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Item, ParameterVersion, ScoreRun, Unit, UnitResult
from kaohe.core.storage.schemes import pools_of

from .base import KaoheView
from .common import chosen_scheme, get_run_or_404, periods_of, run_title

STAFF = frozenset({"admin", "clerk"})


def _own_unit_only(run, unit_id=None):
    """A unit reporter reads their own unit's results only."""
    if current_user.is_reporter and unit_id is not None and unit_id != current_user.unit_id:
        abort(403)


class ResultsView(KaoheView):
    """Score runs of a scheme: recalculation with progress, rankings, explanations, diffs, publishing."""

    roles = frozenset({"admin", "clerk", "viewer", "reporter"})

    @expose("/")
    def index(self):
        scheme = chosen_scheme(required=False)
        if scheme is None:
            return self.render("kaohe/results_index.html", scheme=None, schemes=[], runs=[])
        from kaohe.core.storage.models import Scheme
        runs = results.runs_of(scheme)
        official = {run.id for run in runs if run.published and results.is_official(run)}
        return self.render("kaohe/results_index.html", scheme=scheme,
                           schemes=list(Scheme.select().order_by(Scheme.id)), runs=runs,
                           official=official, periods=periods_of(scheme.year),
                           chosen_period=request.args.get("period") or str(scheme.year),
                           may_recalc=current_user.role in STAFF,
                           may_publish=current_user.role == "admin")

    @expose("/recalc", methods=["POST"])
    def recalc(self):
        if current_user.role not in STAFF:
            abort(403)
        scheme = chosen_scheme()
        period = request.form.get("period") or str(scheme.year)
        registry = self.admin.app.extensions["kaohe_registry"]
        started = time.perf_counter()
        try:
            outcome = recalculate(registry, scheme, period, author=current_user.username,
                                  note=request.form.get("note", "").strip())
        except KaoheError as error:
            flash(_("计算失败，未保存任何结果：%(error)s", error=str(error)), "error")
            return redirect(url_for(".index", scheme=scheme.id, period=period))
        seconds = Decimal(str(time.perf_counter() - started)).quantize(Decimal("0.01"))
        flash(_("计算完成：%(title)s，%(lines)d条明细，用时%(seconds)s秒",
                title=run_title(outcome.run), lines=outcome.run.line_count, seconds=seconds), "success")
        return redirect(url_for(".ranking", run_id=outcome.run.id))

    @expose("/run/<int:run_id>/")
    def ranking(self, run_id):
        run = get_run_or_404(run_id)
        if current_user.is_reporter:
            return redirect(url_for(".explain", run_id=run.id, unit_id=current_user.unit_id))
        rows = results.ranking(run)
        pools = {}
        for row in rows:
            pools.setdefault(row.pool, []).append(row)
        version = ParameterVersion.get_by_id(run.parameter_version_id)
        return self.render("kaohe/ranking.html", run=run, pools=pools, version=version,
                           graded=any(row.grade for row in rows),
                           official=results.is_official(run),
                           current_official=results.official_run(run.scheme, run.period),
                           may_publish=current_user.role == "admin",
                           others=[r for r in results.runs_of(run.scheme) if r.id != run.id][:30])

    @expose("/run/<int:run_id>/unit/<int:unit_id>")
    def explain(self, run_id, unit_id):
        run = get_run_or_404(run_id)
        _own_unit_only(run, unit_id)
        unit = Unit.get_or_none(Unit.id == unit_id)
        if unit is None:
            abort(404)
        result = UnitResult.get_or_none((UnitResult.run == run) & (UnitResult.unit == unit))
        if result is None:
            abort(404)
        registry = self.admin.app.extensions["kaohe_registry"]
        groups = []
        for name, lines in results.unit_lines(run, unit).items():
            ruleset = registry.rulesets.get(name)
            groups.append({
                "name": name, "title": ruleset.title if ruleset else name, "lines": lines,
                "points": sum((l.points for l in lines), ZERO),
                "yuan": sum((l.yuan for l in lines), ZERO)})
        return self.render("kaohe/explain.html", run=run, unit=unit, result=result, groups=groups,
                           official=results.is_official(run))

    @expose("/run/<int:run_id>/publish", methods=["POST"])
    def publish(self, run_id):
        if current_user.role != "admin":
            abort(403)
        run = get_run_or_404(run_id)
        try:
            run = results.publish(run, user=current_user.username)
        except KaoheError as error:
            flash(str(error), "error")
        else:
            flash(_("已发布：%(title)s 现为本期正式结果", title=run_title(run)), "success")
        return redirect(url_for(".ranking", run_id=run.id))

    @expose("/diff")
    def diff(self):
        if current_user.is_reporter:
            abort(403)
        try:
            run_a = get_run_or_404(int(request.args.get("a", "")))
            run_b = get_run_or_404(int(request.args.get("b", "")))
        except ValueError:
            abort(404)
        if run_a.scheme_id != run_b.scheme_id:
            flash(_("只能比较同一考核方案的两次计算"), "error")
            return redirect(url_for(".index", scheme=run_a.scheme_id))
        changes = results.diff_runs(run_a, run_b)
        unit_ids = {line["unit"] for line in changes["lines"][:500] if line["unit"]}
        item_ids = {line["item"] for line in changes["lines"][:500] if line["item"]}
        names = {u.id: u.name for u in Unit.select().where(Unit.id.in_(list(unit_ids)))} \
            if unit_ids else {}
        items = {i.id: i for i in Item.select().where(Item.id.in_(list(item_ids)))} \
            if item_ids else {}
        return self.render("kaohe/diff.html", diff=changes, names=names, items=items)

    @expose("/awards")
    def awards(self):
        if current_user.is_reporter:
            abort(403)
        scheme = chosen_scheme()
        year = str(scheme.year)
        run = results.official_run(scheme, year)
        data = results.awards(run) if run else None
        return self.render("kaohe/awards.html", scheme=scheme, run=run, awards=data,
                           pools=pools_of(scheme))


def latest_runs(scheme, limit=5):
    return list(ScoreRun.select().where(ScoreRun.scheme == scheme)
                .order_by(ScoreRun.id.desc()).limit(limit))
