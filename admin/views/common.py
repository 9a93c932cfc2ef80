"""Helpers the scheme, result and dashboard pages share: picking a scheme and a period, formatting."""


from flask import abort, current_app, request
from flask_babel import gettext as _

from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.vocab import LEVELS, UNIT_KINDS, fmt, percent
from kaohe.core.runs.awarding import award_wording
from kaohe.core.runs.snapshot import freshness
from kaohe.core.storage.models import Scheme, ScoreRun


def amount(value):
    return fmt(value) if value is not None else ""


def pool_label(pool):
    """A pool's name in the panel's language."""
    return _(UNIT_KINDS[pool]) if pool in UNIT_KINDS else pool


def period_title(label):
    period = parse_period(label)
    if period.kind == "year":
        return _("%(year)d年全年", year=period.year)
    if period.kind == "half":
        return _("%(year)d年上半年", year=period.year) if period.start.month == 1 \
            else _("%(year)d年下半年", year=period.year)
    if period.kind == "quarter":
        return _("%(year)d年第%(q)d季度", year=period.year, q=(period.start.month - 1) // 3 + 1)
    if period.kind == "range":
        return _("%(start)s至%(end)s", start=period.start.isoformat(), end=period.end.isoformat())
    return _("%(year)d年%(month)d月", year=period.year, month=period.start.month)


def periods_of(year):
    """The periods a clerk may pick in a scheme year: the year, halves, quarters, months."""
    labels = [str(year), f"{year}-H1", f"{year}-H2"] + [f"{year}-Q{q}" for q in range(1, 5)] \
        + [f"{year}-{m:02d}" for m in range(1, 13)]
    return [(label, period_title(label)) for label in labels]


def chosen_scheme(required=True):
    """The scheme named by ?scheme= (an id), else the first one."""
    raw = request.values.get("scheme")
    scheme = None
    if raw:
        try:
            scheme = Scheme.get_or_none(Scheme.id == int(raw))
        except ValueError:
            scheme = None
        if scheme is None:
            abort(404)
    if scheme is None:
        scheme = Scheme.select().order_by(Scheme.id).first()
    if scheme is None and required:
        abort(404)
    return scheme


def get_scheme_or_404(scheme_id):
    scheme = Scheme.get_or_none(Scheme.id == scheme_id)
    if scheme is None:
        abort(404)
    return scheme


def get_run_or_404(run_id):
    run = ScoreRun.get_or_none(ScoreRun.id == run_id)
    if run is None:
        abort(404)
    return run


def run_title(run):
    return _("第%(id)d次计算（%(period)s）", id=run.id, period=period_title(run.period))


def aside(text):
    """`text` set off after what it qualifies: “（2025）” in Chinese, “ (2025)” in English."""
    return _("（%(text)s）", text=text)


def publication_label(publication):
    """“《清江信息》（市级）”, its level in the panel's language: what Publication's str says."""
    level = LEVELS.get(publication.level, publication.level)
    return f"《{publication.name}》{aside(_(level))}"


def fact_labels():
    """The unit facts the loaded rule sets read, code → Chinese label (a rule set's `facts`)."""
    labels = {}
    for ruleset in current_app.extensions["kaohe_registry"].rulesets.values():
        labels.update(getattr(ruleset, "facts", None) or {})
    return labels


def fact_label(code):
    """“全省县域排名” for `provincial_county_rank`; a fact no rule set reads keeps its code."""
    label = fact_labels().get(code)
    return f"{_(label)}{aside(code)}" if label else code


def ruleset_title(name):
    """A rule set's Chinese title (`provincial` → 省政府信息采用计分); its code when not loaded."""
    ruleset = current_app.extensions["kaohe_registry"].rulesets.get(name)
    return _(ruleset.title) if ruleset is not None and ruleset.title else name


def ruleset_titles():
    """{code: title} of the loaded rule sets, in the panel's language (for exports that name them)."""
    from kaohe.core.exchange.exporter import ruleset_titles as titles_of
    return {name: _(title) for name, title in titles_of(current_app.extensions["kaohe_registry"]).items()}


def register_filters(app):
    app.jinja_env.globals["ruleset_title"] = ruleset_title
    app.jinja_env.filters["amount"] = amount
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["aside"] = aside
    app.jinja_env.globals["pool_label"] = pool_label
    app.jinja_env.globals["period_title"] = period_title
    app.jinja_env.globals["run_title"] = run_title
    app.jinja_env.globals["run_freshness"] = freshness
    app.jinja_env.globals["award_wording"] = award_wording
