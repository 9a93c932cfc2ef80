"""Recalculate, rank, explain, compare and publish score runs; the award lists of a published year."""

import functools

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.runs import jobs, results
from kaohe.core.runs.comparison import comparison_candidates, period_warning
from kaohe.core.scoring.engine import scheme_period
from kaohe.core.storage import policy
from kaohe.core.storage.models import (
    JOB_STATES,
    Item,
    ParameterVersion,
    RecalcJob,
    ScoreRun,
    Unit,
    UnitResult,
)
from kaohe.core.storage.policy import STAFF
from kaohe.core.storage.schemes import pools_of

from ..i18n import stored_words, word
from .base import KaoheView
from .common import chosen_scheme, get_run_or_404, periods_of, ruleset_title, run_title


def job_limits(app=None):
    """The instance's limits for recalculation jobs, from its config (admin/__init__.py)."""
    config = (app or current_app).config
    return jobs.Limits(ruleset_seconds=int(config["KAOHE_RULESET_SECONDS"]),
                       per_account=int(config["KAOHE_RECALC_PER_ACCOUNT"]),
                       rate_seconds=int(config["KAOHE_RECALC_RATE_SECONDS"]),
                       trial_runs_kept=int(config["KAOHE_TRIAL_RUNS_KEPT"]))


def job_registry(app=None):
    """How a job's computing process builds the rule sets: as this app built its own."""
    from kaohe.plugins.manager import build_registry
    config = (app or current_app).config
    return functools.partial(build_registry, plugins_dir=config.get("KAOHE_PLUGINS_DIR"),
                             entry_points=config.get("KAOHE_ENTRY_POINTS", True))


def submit_recalculation(scheme, period, author, note=""):
    """Queue (or join) the recalculation and wait a little for it: (job, joined).

    Raises KaoheError for a period outside the scheme's year and TooManyRecalculations.
    """
    label = scheme_period(scheme, period).label
    job, joined = jobs.submit(scheme, label, author, note=note, limits=job_limits(),
                              registry_factory=job_registry())
    return jobs.wait(job, float(current_app.config["KAOHE_RECALC_WAIT_SECONDS"])), joined

# The comparison page lists this many differing lines (the first, in unit order); the rest are
# not read at all, so a run compared with a very different one still answers at once.
DIFF_LINES_SHOWN = 500
# A unit's explanation shows its lines this many at a time (a county's year holds thousands),
# under the subtotals of every rule set, which are counted in SQL.
EXPLAIN_LINES_PER_PAGE = 200


def _own_unit_only(run, unit_id=None):
    """A unit reporter reads their own unit's results only (policy.sees_unit)."""
    if unit_id is not None and not policy.sees_unit(current_user, unit_id):
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
                           active_jobs=list(RecalcJob.select().where(
                               (RecalcJob.scheme == scheme) & RecalcJob.state.in_(jobs.ACTIVE))
                               .order_by(RecalcJob.id)) if current_user.role in STAFF else [],
                           may_publish=current_user.role == "admin")

    @expose("/recalc", methods=["POST"])
    def recalc(self):
        if current_user.role not in STAFF:
            abort(403)
        scheme = chosen_scheme()
        period = request.form.get("period") or str(scheme.year)
        try:
            job, joined = submit_recalculation(scheme, period, current_user.username,
                                               request.form.get("note", "").strip()[:500])
        except jobs.TooManyRecalculations as error:
            flash(_("计算请求过于频繁：%(error)s", error=word(error)), "error")
            return redirect(url_for(".index", scheme=scheme.id, period=period))
        except KaoheError as error:
            flash(_("计算失败，未保存任何结果：%(error)s", error=word(error)), "error")
            return redirect(url_for(".index", scheme=scheme.id, period=period))
        if joined:
            flash(_("同一期间的计算正在进行，已加入这次计算，不再另算"), "info")
        return self._after(job)

    def _after(self, job):
        """Where a job leads: its ranking when done, back to the runs when failed, else its page."""
        if job.state == "done" and job.run_id is not None:
            run = ScoreRun.get_by_id(job.run_id)
            flash(_("计算完成：%(title)s，%(lines)d条明细，用时%(seconds)s秒",
                    title=run_title(run), lines=run.line_count, seconds=run.seconds), "success")
            if job.message:  # e.g. two rules of different rule sets scored the same adoptions
                flash(_("请注意：%(warnings)s", warnings=word(jobs.message_of(job))), "warning")
            return redirect(url_for(".ranking", run_id=run.id))
        if job.state == "failed":
            flash(_("计算失败，未保存任何结果：%(error)s", error=word(jobs.message_of(job))), "error")
            return redirect(url_for(".index", scheme=job.scheme_id, period=job.period))
        return redirect(url_for(".job", job_id=job.id))

    @expose("/job/<int:job_id>")
    def job(self, job_id):
        """A job's progress; the page reloads itself until the job ends."""
        if current_user.role not in STAFF:
            abort(403)
        job = RecalcJob.get_or_none(RecalcJob.id == job_id)
        if job is None:
            abort(404)
        if job.state not in jobs.ACTIVE and request.args.get("stay") is None:
            return self._after(job)
        return self.render("kaohe/job.html", job=job, progress=word(jobs.progress_text(job)),
                           job_states=JOB_STATES)

    @expose("/run/<int:run_id>/discard", methods=["POST"])
    def discard(self, run_id):
        """Delete or archive a trial run (`what` = delete | archive); published runs are kept."""
        if current_user.role not in STAFF:
            abort(403)
        run = get_run_or_404(run_id)
        scheme_id, what = run.scheme_id, request.form.get("what")
        try:
            if what == "delete":
                results.delete_run(run, current_user.username)
                flash(_("已删除第%(id)d次计算（试算）", id=run_id), "success")
            elif what == "archive":
                results.archive_run(run, current_user.username)
                flash(_("已归档第%(id)d次计算（试算）", id=run_id), "success")
            else:
                abort(400)
        except KaoheError as refused:
            flash(word(refused), "error")
        return redirect(url_for(".index", scheme=scheme_id))

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
        said = stored_words(run, [text for row in rows for text in (
            row.tie_break, row.veto_reason, row.award_note, row.grade)])
        return self.render("kaohe/ranking.html", run=run, pools=pools, version=version, said=said,
                           graded=any(row.grade for row in rows),
                           official=results.is_official(run),
                           current_official=results.official_run(run.scheme, run.period),
                           may_publish=current_user.role == "admin",
                           others=comparison_candidates(run))

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
        totals = results.unit_line_groups(run, unit)
        pages = max(1, -(-sum(count for _n, count, _p, _y in totals) // EXPLAIN_LINES_PER_PAGE))
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        shown = results.unit_lines_page(run, unit, page, EXPLAIN_LINES_PER_PAGE)
        groups = []
        for name, count, points, yuan in totals:
            groups.append({"name": name, "title": ruleset_title(name),
                           "lines": shown.get(name, []), "count": count, "points": points,
                           "yuan": yuan})
        said = stored_words(run, [result.tie_break, result.veto_reason, result.award_note,
                                  *(line.explanation for lines in shown.values() for line in lines)])
        return self.render("kaohe/explain.html", run=run, unit=unit, result=result, groups=groups,
                           said=said,
                           official=results.is_official(run), page=page, pages=pages)

    @expose("/run/<int:run_id>/publish", methods=["POST"])
    def publish(self, run_id):
        if current_user.role != "admin":
            abort(403)
        run = get_run_or_404(run_id)
        try:
            run = results.publish(run, user=current_user.username)
        except KaoheError as error:
            flash(word(error), "error")
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
        changes = results.diff_runs(run_a, run_b, limit=DIFF_LINES_SHOWN)
        unit_ids = {line["unit"] for line in changes["lines"] if line["unit"]}
        item_ids = {line["item"] for line in changes["lines"] if line["item"]}
        names = {u.id: u.name for u in Unit.select().where(Unit.id.in_(list(unit_ids)))} \
            if unit_ids else {}
        items = {i.id: i for i in Item.select().where(Item.id.in_(list(item_ids)))} \
            if item_ids else {}
        said_a = stored_words(run_a, [line["explanation_a"] for line in changes["lines"]])
        said_b = stored_words(run_b, [line["explanation_b"] for line in changes["lines"]])
        return self.render("kaohe/diff.html", diff=changes, names=names, items=items,
                           said_a=said_a, said_b=said_b,
                           shown=DIFF_LINES_SHOWN, warning=period_warning(run_a, run_b))

    @expose("/awards")
    def awards(self):
        if current_user.is_reporter:
            abort(403)
        scheme = chosen_scheme()
        year = str(scheme.year)
        run = results.official_run(scheme, year)
        data = results.awards(run) if run else None
        said = stored_words(run, [r.award_note for r in (*data["excluded_units"],
                                                          *data["excluded_reporters"])]) if run else None
        return self.render("kaohe/awards.html", scheme=scheme, run=run, awards=data, said=said,
                           pools=pools_of(scheme))


def latest_runs(scheme, limit=5):
    return list(ScoreRun.select().where(ScoreRun.scheme == scheme)
                .order_by(ScoreRun.id.desc()).limit(limit))
