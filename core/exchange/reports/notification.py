"""The monthly notification (每月通报) as plain data: each unit's month, running total, rank and rate."""

import datetime
from collections import defaultdict

from peewee import fn

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now, parse_period
from kaohe.core.domain.vocab import LEVELS, ZERO, from_cents, percent, pool_label
from kaohe.core.exchange.reports.common import OFFICIAL, UNOFFICIAL, issuer_of
from kaohe.core.runs.results import is_official, latest_run, official_run
from kaohe.core.runs.store import recalculate
from kaohe.core.scoring.ranking import rank_units
from kaohe.core.scoring.totals import UnitTotal, adoption_rate
from kaohe.core.storage.db import fetch_rows
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemUnit,
    Publication,
    SchemeUnit,
    Unit,
    UnitResult,
    adopted,
)
from kaohe.core.storage.schemes import pools_of

# The notification's adoption columns: each counts the month's adoptions (not `forwarded`) in
# publications of these levels, one per adoption (an item adopted twice counts twice).
LEVEL_COLUMNS = (
    ("national", "国家级（含部委）", ("national", "ministry")),
    ("provincial", "省级（含省直厅局）", ("provincial", "provincial_dept")),
    ("city", "市级", ("city",)),
    ("county", "县级", ("county",)),
)

COLUMN_OF_LEVEL = {level: key for key, _label, levels in LEVEL_COLUMNS for level in levels}


def _month_of(scheme, month):
    period = parse_period(month)
    if period.kind != "month":
        raise KaoheError(f"通报按月生成：期间应为 {scheme.year}-03 这样的月份，而不是「{period.label}」")
    if period.year != scheme.year:
        raise KaoheError(f"{period.title}不在考核方案「{scheme.name}」的年度 {scheme.year} 内")
    return period


def month_runs(scheme, period):
    """For each month January..`period`: (month period, its official run, else its latest, or None)."""
    found = []
    for m in range(1, period.start.month + 1):
        month = parse_period(f"{period.year}-{m:02d}")
        found.append((month, official_run(scheme, month.label) or latest_run(scheme, month.label)))
    return found


def _missing_error(scheme, missing):
    months = "、".join(m.title for m in missing)
    commands = "；".join(f"kaohe recalc {scheme.name} --period {m.label}" for m in missing)
    return KaoheError(f"考核方案「{scheme.name}」{months}尚未计算，无法生成通报。请先计算这些月份"
                      f"（{commands}），或选择自动补算（命令行加 --recalc-missing）")


def monthly_notification(scheme, month, recalc_missing=False, registry=None,
                         author="kaohe notify"):
    """The notification of `scheme` for `month` (e.g. "2025-03"), read from the stored month runs.

    The month's points come from the month's run and the year's running total is the sum of the
    runs of January to the month (each month's official run, else its latest). A month without
    a run is an error, unless `recalc_missing` computes and stores it first (as `author`).
    """
    period = _month_of(scheme, month)
    runs = month_runs(scheme, period)
    missing = [m for m, run in runs if run is None]
    if missing:
        if not recalc_missing:
            raise _missing_error(scheme, missing)
        if registry is None:
            raise TypeError("recalc_missing needs the plugin registry to compute the missing months")
        for m in missing:
            recalculate(registry, scheme, m.label, author=author,
                        note=f"生成{period.title}通报时补算")
        runs = month_runs(scheme, period)
    run_ids = [run.id for _m, run in runs]
    month_run = runs[-1][1]
    year_start = datetime.date(period.year, 1, 1)

    units = {u.id: u for u in Unit.select().join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
             .where(SchemeUnit.scheme == scheme)}
    member_ids = list(units)

    # The stored runs: the month's points, and the year's running sums.
    month_points = {uid: from_cents(points) for uid, points in fetch_rows(
        UnitResult.select(UnitResult.unit, UnitResult.points).where(UnitResult.run == month_run))}
    year_rows = fetch_rows(UnitResult.select(UnitResult.unit, fn.SUM(UnitResult.points),
                                       fn.SUM(UnitResult.national), fn.SUM(UnitResult.provincial),
                                       fn.SUM(UnitResult.city))
                     .where(UnitResult.run.in_(run_ids)).group_by(UnitResult.unit))
    year = {uid: (from_cents(points), int(n or 0), int(p or 0), int(c or 0))
            for uid, points, n, p, c in year_rows}

    # The data: the month's submissions and adoptions, the year-to-date adoption rate.
    member_link = ItemUnit.unit.in_(member_ids)
    submitted_month = dict(fetch_rows(
        ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.item))
        .join(Item, on=(ItemUnit.item == Item.id))
        .where(member_link & Item.submitted_on.between(period.start, period.end))
        .group_by(ItemUnit.unit)))
    adoptions_month = defaultdict(lambda: defaultdict(int))
    for uid, level, count in fetch_rows(
            ItemUnit.select(ItemUnit.unit, Publication.level, fn.COUNT(Adoption.id))
            .join(Adoption, on=(Adoption.item == ItemUnit.item))
            .join(Publication, on=(Adoption.publication == Publication.id))
            .where(member_link & Adoption.adopted_on.between(period.start, period.end)
                   & adopted(Adoption))
            .group_by(ItemUnit.unit, Publication.level)):
        column = COLUMN_OF_LEVEL.get(level)
        if column is not None:
            adoptions_month[uid][column] += count
    submitted_ytd = dict(fetch_rows(
        ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.item))
        .join(Item, on=(ItemUnit.item == Item.id))
        .where(member_link & Item.submitted_on.between(year_start, period.end))
        .group_by(ItemUnit.unit)))
    adopted_items = (Adoption.select(Adoption.item)
                     .where((Adoption.adopted_on <= period.end) & adopted(Adoption)))
    adopted_ytd = dict(fetch_rows(
        ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.item))
        .join(Item, on=(ItemUnit.item == Item.id))
        .where(member_link & Item.submitted_on.between(year_start, period.end)
               & Item.id.in_(adopted_items))
        .group_by(ItemUnit.unit)))
    with_adoption = {uid for (uid,) in fetch_rows(
        ItemUnit.select(ItemUnit.unit).distinct()
        .join(Adoption, on=(Adoption.item == ItemUnit.item))
        .where(member_link & Adoption.adopted_on.between(year_start, period.end)
               & adopted(Adoption)))}

    # Rank by the running total, with the engine's own ordering and tie-break sentences.
    totals = {}
    for uid, unit in units.items():
        points, national, provincial, city = year.get(uid, (ZERO, 0, 0, 0))
        submitted, adopted_count = submitted_ytd.get(uid, 0), adopted_ytd.get(uid, 0)
        rate = adoption_rate(adopted_count, submitted)
        totals[uid] = UnitTotal(uid, unit.code, unit.name, unit.pool, points=points,
                                submitted=submitted, adopted=adopted_count, adoption_rate=rate,
                                national=national, provincial=provincial, city=city)
    rank_units(totals)

    pools = []
    for pool in pools_of(scheme):
        members = sorted((t for t in totals.values() if t.pool == pool), key=lambda t: t.rank)
        rows = []
        for t in members:
            by_level = adoptions_month.get(t.unit, {})
            adoptions = {key: by_level.get(key, 0) for key, _label, _levels in LEVEL_COLUMNS}
            rows.append({
                "rank": t.rank, "code": t.code, "name": t.name,
                "submitted": submitted_month.get(t.unit, 0),
                "adoptions": adoptions, "adoptions_total": sum(adoptions.values()),
                "points": month_points.get(t.unit, ZERO), "total": t.points,
                "submitted_ytd": t.submitted, "adopted_ytd": t.adopted,
                "adoption_rate": t.adoption_rate,
                "adoption_rate_text": percent(t.adoption_rate) if t.submitted else "—",
                "tie_break": t.tie_break,
            })
        no_adoption = [t.name for t in sorted(members, key=lambda t: t.code)
                       if t.unit not in with_adoption]
        pools.append({"pool": pool, "label": pool_label(pool), "rows": rows,
                      "no_adoption": no_adoption})

    run_rows = []
    for m, run in runs:
        official = is_official(run)
        run_rows.append({"period": m.label, "title": m.title, "run_id": run.id,
                         "official": official, "status": OFFICIAL if official else UNOFFICIAL,
                         "created_at": run.created_at})
    unofficial = [r["title"] for r in run_rows if not r["official"]]
    notice = (f"注意：{'、'.join(unofficial)}的计算结果尚未正式发布，本通报相关数字不是正式结果，"
              f"仅供核对" if unofficial else "本通报所用各月计算结果均已正式发布")
    return {
        "kind": "notification",
        "scheme": scheme.name, "scheme_title": scheme.title or scheme.name,
        "issuer": issuer_of(scheme), "year": period.year, "month": period.start.month,
        "period": period.label, "period_title": period.title,
        "title": f"{issuer_of(scheme)}政务信息工作通报（{period.year}年第{period.start.month}期）",
        "runs": run_rows, "all_official": not unofficial, "notice": notice,
        "level_columns": [(key, label) for key, label, _levels in LEVEL_COLUMNS],
        "pools": pools,
        "instructions": _instructions(period, member_ids),
        "generated_at": now(),
    }


def _instructions(period, member_ids):
    """The month's leader instructions on the members' items, each with its item and units."""
    members = ItemUnit.select(ItemUnit.item).where(ItemUnit.unit.in_(member_ids))
    rows = list(Instruction.select(Instruction, Item).join(Item)
                .where(Instruction.instructed_on.between(period.start, period.end)
                       & Instruction.item.in_(members))
                .order_by(Instruction.instructed_on, Instruction.id))
    names = defaultdict(list)
    if rows:
        for item_id, name in fetch_rows(ItemUnit.select(ItemUnit.item, Unit.name)
                                  .join(Unit, on=(ItemUnit.unit == Unit.id))
                                  .where(ItemUnit.item.in_([r.item_id for r in rows]))
                                  .order_by(ItemUnit.item, ItemUnit.position, ItemUnit.id)):
            names[item_id].append(name)
    return [{"date": r.instructed_on, "level": r.leader_level,
             "level_label": LEVELS.get(r.leader_level, r.leader_level), "leader": r.leader,
             "item_no": r.item.no, "item_title": r.item.title, "units": names[r.item_id]}
            for r in rows]
