"""The dashboard: a scheme's pool rankings as bars, the monthly trend, units without adoptions, changes."""

import datetime
from collections import defaultdict
from decimal import Decimal

from flask_admin import AdminIndexView, expose
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from kaohe.core.domain.errors import NotFound
from kaohe.core.domain.vocab import ZERO
from kaohe.core.runs import results, summary
from kaohe.core.storage.models import (
    Adoption,
    ItemUnit,
    ParameterVersion,
    Scheme,
    SchemeUnit,
    ScoreRun,
    Unit,
    UnitResult,
    adopted,
)

from .. import charts
from .base import RoleMixin
from .common import chosen_scheme, pool_label


def monthly_points(run, year):
    """Points of a run's unit lines by month of the adoption or instruction they come from.

    Read from what was kept with the run (core/runs/summary.py), not from its lines; the run's
    year is the scheme's (the dashboard shows the year's run).
    """
    return [points if run.period_start.year == year else ZERO for points, _n in summary.months(run)]


def monthly_adoptions(run):
    """The member units' adoptions (not forwarded) by month, as counted when the run was kept."""
    return [count for _points, count in summary.months(run)]


def units_without_adoption(scheme, year):
    """Member units with no adoption (not forwarded) dated in the year, by pool and code.

    One indexed look-up per member unit that stops at its first adoption (NOT EXISTS), instead
    of listing every adopted item's units.
    """
    with_adoption = (ItemUnit.select(ItemUnit.id)
                     .join(Adoption, on=(Adoption.item == ItemUnit.item))
                     .where((ItemUnit.unit == Unit.id) & adopted(Adoption)
                            & (Adoption.adopted_on >= datetime.date(year, 1, 1))
                            & (Adoption.adopted_on <= datetime.date(year, 12, 31))))
    return list(Unit.select().join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
                .where((SchemeUnit.scheme == scheme) & ~fn.EXISTS(with_adoption))
                .order_by(Unit.pool, Unit.code))


class DashboardView(RoleMixin, AdminIndexView):
    """The home page of the panel."""

    @expose("/")
    def index(self):
        scheme = chosen_scheme(required=False)
        context = {"scheme": scheme, "schemes": list(Scheme.select().order_by(Scheme.id)),
                   "run": None}
        if scheme is None:
            return self.render("kaohe/dashboard.html", **context)
        try:
            run = results.pick_run(scheme, str(scheme.year))
        except NotFound:
            run = None
        context["run"] = run
        context["official"] = run is not None and results.is_official(run)
        if current_user.is_reporter:
            mine = None
            if run is not None:
                mine = UnitResult.get_or_none((UnitResult.run == run)
                                              & (UnitResult.unit == current_user.unit_id))
            context["mine"] = mine
            return self.render("kaohe/dashboard.html", **context)
        bars = []
        if run is not None:
            pools = defaultdict(list)
            for pool, name, points, awarded in results.ranking_bars(run):
                pools[pool].append((name, points, awarded))
            for pool, rows in pools.items():
                bars.append({"pool": pool, "label": pool_label(pool), "svg": charts.bar_chart(rows)})
            months = [_("%(m)d月", m=m) for m in range(1, 13)]
            context["trend"] = charts.line_chart(months, [
                (_("得分"), monthly_points(run, scheme.year)),
            ])
            context["adoption_trend"] = charts.line_chart(months, [
                (_("采用篇数"), [Decimal(n) for n in monthly_adoptions(run)]),
            ])
        context["bars"] = bars
        context["silent"] = units_without_adoption(scheme, scheme.year)
        context["versions"] = list(ParameterVersion.select().where(ParameterVersion.scheme == scheme)
                                   .order_by(ParameterVersion.number.desc()).limit(5))
        context["recent_runs"] = list(ScoreRun.select().where(ScoreRun.scheme == scheme)
                                      .order_by(ScoreRun.id.desc()).limit(5))
        context["unit_count"] = SchemeUnit.select(fn.COUNT(SchemeUnit.id)).where(
            SchemeUnit.scheme == scheme).scalar()
        return self.render("kaohe/dashboard.html", **context)
