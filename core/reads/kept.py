"""What a stored run keeps beside its lines, read from the data as the run is stored.

core/runs/snapshot.py keeps the notification's counts and instructions with a run, and
core/runs/summary.py its points and adoptions by month; the queries are here, with the other
reads of a period's data.
"""

import datetime
from collections import defaultdict

from peewee import fn

from kaohe.core.domain.vocab import FORWARDED, LEVELS
from kaohe.core.storage.db import chunked, db, fetch_rows, is_postgres
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemUnit,
    Publication,
    Unit,
    adopted,
    counted,
)


def _month_of(column):
    if is_postgres():
        return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%m', {column}) AS INTEGER)"


def _year_of(column):
    if is_postgres():
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def query(sql, params=()):
    """Raw SQL written with ? placeholders, on either engine."""
    return db.execute_sql(sql.replace("?", db.param), params)


def months_of_sources(start, end):
    """{"adoption": {id: month}, "instruction": {id: month}} of the adoptions and instructions
    dated from `start` to `end` in `start`'s year (what a score line's ref names)."""
    months = {}
    for table, kind in ((Adoption, "adoption"), (Instruction, "instruction")):
        day = "adopted_on" if kind == "adoption" else "instructed_on"
        months[kind] = dict(query(
            f'SELECT id, {_month_of(day)} FROM "{table._meta.table_name}" '
            f"WHERE {day} >= ? AND {day} <= ? AND {_year_of(day)} = ?",
            (start, end, start.year)).fetchall())
    return months


def adoptions_by_month(start, end, scheme_id):
    """{month: count} of the adoptions from `start` to `end` of the scheme's members' items (the one rule of
    adoption, vocab.is_adopted: any form but forwarded)."""
    rows = query(
        f"SELECT {_month_of('a.adopted_on')}, COUNT(*) FROM adoption a "
        "WHERE a.form <> ? AND a.adopted_on >= ? AND a.adopted_on <= ? "
        f"AND {_year_of('a.adopted_on')} = ? "
        "AND EXISTS (SELECT 1 FROM item_unit iu JOIN scheme_unit su ON su.unit_id = iu.unit_id "
        "AND su.scheme_id = ? WHERE iu.item_id = a.item_id) "
        f"GROUP BY {_month_of('a.adopted_on')}",
        (FORWARDED, start, end, start.year, scheme_id)).fetchall()
    return {int(month): count for month, count in rows}


def unit_counts(start, end, unit_ids):
    """{unit id: (adoptions in county publications in the period, items submitted earlier in the
    year whose first adoption falls in the period)} from the data as it is now.

    Both start from the period's adoptions (by their date index), which at a province's scale
    are a small part of the year's rows.
    """
    year_start = datetime.date(start.year, 1, 1)
    members = set(unit_ids)
    found = defaultdict(lambda: [0, 0])
    county_publications = [pid for (pid,) in fetch_rows(
        Publication.select(Publication.id).where(Publication.level == "county"))]
    for part in chunked(county_publications):
        county = (Adoption.select(ItemUnit.unit, fn.COUNT(Adoption.id))
                  .join(ItemUnit, on=(ItemUnit.item == Adoption.item))
                  .join(Item, on=(Item.id == Adoption.item))
                  .where(Adoption.publication.in_(part) & adopted(Adoption) & counted(Item)
                         & Adoption.adopted_on.between(start, end))
                  .group_by(ItemUnit.unit))
        for uid, count in fetch_rows(county):
            if uid in members:
                found[uid][0] += int(count)
    if start <= year_start:  # nothing of the year was submitted before the period
        return {uid: tuple(found[uid]) for uid in unit_ids}
    before = Adoption.alias()
    earlier_adoption = (before.select(before.id)
                        .where((before.item == Adoption.item) & adopted(before)
                               & (before.adopted_on < start)))
    first_here = (Adoption.select(Adoption.item).distinct()
                  .join(Item, on=(Adoption.item == Item.id))
                  .where(Adoption.adopted_on.between(start, end) & adopted(Adoption) & counted(Item)
                         & (Item.submitted_on >= year_start) & (Item.submitted_on < start)
                         & ~fn.EXISTS(earlier_adoption)))
    items = [item for (item,) in fetch_rows(first_here)]
    for part in chunked(items):
        for uid, count in fetch_rows(ItemUnit.select(ItemUnit.unit, fn.COUNT(ItemUnit.id))
                                     .where(ItemUnit.item.in_(part)).group_by(ItemUnit.unit)):
            if uid in members:
                found[uid][1] += int(count)
    return {uid: tuple(found[uid]) for uid in unit_ids}


def period_instructions(start, end, unit_ids):
    """The period's leader instructions on the units' items, each with its item and units."""
    members = set(unit_ids)
    rows = list(Instruction.select(Instruction, Item).join(Item)
                .where(Instruction.instructed_on.between(start, end))
                .order_by(Instruction.instructed_on, Instruction.id))
    names, units_of = defaultdict(list), defaultdict(set)
    for ids in chunked(sorted({r.item_id for r in rows})):
        for item_id, unit_id, name in fetch_rows(
                ItemUnit.select(ItemUnit.item, Unit.id, Unit.name)
                .join(Unit, on=(ItemUnit.unit == Unit.id))
                .where(ItemUnit.item.in_(ids))
                .order_by(ItemUnit.item, ItemUnit.position, ItemUnit.id)):
            names[item_id].append(name)
            units_of[item_id].add(unit_id)
    return [{"date": r.instructed_on.isoformat(), "level": r.leader_level,
             "level_label": LEVELS.get(r.leader_level, r.leader_level), "leader": r.leader,
             "item_no": r.item.no, "item_title": r.item.title, "units": names[r.item_id]}
            for r in rows if units_of[r.item_id] & members]
