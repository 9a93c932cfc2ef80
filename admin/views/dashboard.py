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
from kaohe.core.runs import results
from kaohe.core.storage.db import chunked
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    ItemUnit,
    ParameterVersion,
    Scheme,
    SchemeUnit,
    ScoreLine,
    ScoreRun,
    Unit,
    UnitResult,
    adopted,
)

from .. import charts
from .base import RoleMixin
from .common import chosen_scheme, pool_label


def monthly_points(run, year):
    """Points of a run's unit lines by month of the adoption or instruction they come from."""
    by_month = defaultdict(lambda: ZERO)
    adoption_dates = {}
    instruction_dates = {}
    lines = list(ScoreLine.select(ScoreLine.ref, ScoreLine.points)
                 .where((ScoreLine.run == run) & ScoreLine.unit.is_null(False)
                        & (ScoreLine.kind == "score")).tuples())
    adoption_ids = {int(ref.split(":")[1]) for ref, _p in lines if ref.startswith("adoption:")}
    instruction_ids = {int(ref.split(":")[1]) for ref, _p in lines if ref.startswith("instruction:")}
    for chunk in chunked(sorted(adoption_ids)):
        for pk, day in Adoption.select(Adoption.id, Adoption.adopted_on).where(Adoption.id.in_(chunk)).tuples():
            adoption_dates[pk] = day
    for chunk in chunked(sorted(instruction_ids)):
        for pk, day in (Instruction.select(Instruction.id, Instruction.instructed_on)
                        .where(Instruction.id.in_(chunk)).tuples()):
            instruction_dates[pk] = day
    for ref, points in lines:
        kind, _sep, rest = ref.partition(":")
        day = None
        if kind == "adoption" and rest.isdigit():
            day = adoption_dates.get(int(rest))
        elif kind == "instruction" and rest.isdigit():
            day = instruction_dates.get(int(rest))
        if day is not None and day.year == year:
            by_month[day.month] += points
    return [by_month[m] for m in range(1, 13)]



def monthly_adoptions(scheme, year):
    members = SchemeUnit.select(SchemeUnit.unit).where(SchemeUnit.scheme == scheme)
    items = ItemUnit.select(ItemUnit.item).where(ItemUnit.unit.in_(members))
    counts = defaultdict(int)
    query = (Adoption.select(Adoption.adopted_on)
             .where(Adoption.item.in_(items) & adopted(Adoption)
                    & (Adoption.adopted_on >= datetime.date(year, 1, 1))
                    & (Adoption.adopted_on <= datetime.date(year, 12, 31))).tuples())
    for (day,) in query:
        counts[day.month] += 1
    return [counts[m] for m in range(1, 13)]


def units_without_adoption(scheme, year):
    with_adoption = (ItemUnit.select(ItemUnit.unit).join(Adoption, on=(Adoption.item == ItemUnit.item))
                     .where(adopted(Adoption)
                            & (Adoption.adopted_on >= datetime.date(year, 1, 1))
                            & (Adoption.adopted_on <= datetime.date(year, 12, 31))))
    return list(Unit.select().join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
                .where((SchemeUnit.scheme == scheme) & Unit.id.not_in(with_adoption))
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
            for row in results.ranking(run):
                pools[row.pool].append(row)
            for pool, rows in pools.items():
                bars.append({"pool": pool, "label": pool_label(pool),
                             "svg": charts.bar_chart([(r.unit.name, r.points, r.award_rank is not None)
                                                      for r in rows])})
            months = [_("%(m)d月", m=m) for m in range(1, 13)]
            context["trend"] = charts.line_chart(months, [
                (_("得分"), monthly_points(run, scheme.year)),
            ])
            context["adoption_trend"] = charts.line_chart(months, [
                (_("采用篇数"), [Decimal(n) for n in monthly_adoptions(scheme, scheme.year)]),
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
