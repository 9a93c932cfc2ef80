"""A period's submission, adoption and tier counts by unit, read as SQL aggregates."""

from collections import Counter
from functools import cached_property

from peewee import fn

from kaohe.core.domain.vocab import is_adopted
from kaohe.core.reads.rows import parse_dates
from kaohe.core.storage.db import db, fetch_rows, is_postgres
from kaohe.core.storage.models import Adoption, Item, ItemUnit, Publication, adopted, counted


class PeriodCounts:
    """The counting part of :class:`kaohe.core.reads.data.PeriodData` (a mixin: it reads the
    period, the members and the tracked reads of the instance it is part of)."""

    def _submitted_links(self):
        """(unit, item) links of the items submitted in the period, for the member units."""
        p = self.period
        return (ItemUnit.select().join(Item, on=(ItemUnit.item == Item.id))
                .where(Item.submitted_on.between(p.start, p.end) & counted(Item)
                       & self._member_filter(ItemUnit.unit)))

    def _member_counts(self, query):
        """(unit, count) rows of a query grouped by unit, kept for the member units only.

        The units are filtered here rather than in SQL: the count of a unit does not depend on
        the other units, and with the membership condition in the query SQLite walks the links
        unit by unit (2.6 s instead of 0.4 s for the adopted counts of a million items).
        """
        return self._members_only(fetch_rows(query))

    def _members_only(self, rows):
        if self._all_units_are_members:
            return rows
        members = self.members
        return [r for r in rows if r[0] in members]

    def _count_units(self, query):
        """(unit, count) rows, by unit, of `query`'s rows (each a unit id), for the member units.

        On SQLite the ids come back as one text and are counted here: GROUP BY would sort a
        row per link (a million links take 0.75 s to sort, 0.2 s to read this way).
        """
        inner, params = query.sql()
        if is_postgres():
            rows = db.execute_sql(f"SELECT t.unit_id, COUNT(*) FROM ({inner}) AS t "
                                  f"GROUP BY t.unit_id ORDER BY t.unit_id", params).fetchall()
        else:
            text = db.execute_sql(f"SELECT group_concat(t.unit_id) FROM ({inner}) AS t",
                                  params).fetchone()[0]
            counted = Counter(text.split(",")) if text else {}
            rows = sorted((int(unit), count) for unit, count in counted.items())
        return self._members_only(rows)

    def _submitted_in_period(self):
        """(unit, item) links of the items submitted in the period, for every unit."""
        p = self.period
        return (ItemUnit.select().join(Item, on=(ItemUnit.item == Item.id))
                .where(Item.submitted_on.between(p.start, p.end) & counted(Item)))

    @cached_property
    def submission_counts(self):
        return self._prefetched_or_load("submission_counts")

    def _load_submission_counts(self):
        query = self._submitted_in_period().select(ItemUnit.unit.alias("unit_id"))
        return dict(self._track("submission_counts", self._count_units(query)))

    @cached_property
    def daily_submissions(self):
        query = (self._submitted_links().select(ItemUnit.unit, Item.submitted_on, fn.COUNT(ItemUnit.item))
                 .group_by(ItemUnit.unit, Item.submitted_on)
                 .order_by(ItemUnit.unit, Item.submitted_on))
        rows = parse_dates(self._track("daily_submissions", fetch_rows(query)), 1)
        return {(r[0], r[1]): r[2] for r in rows}

    @cached_property
    def adopted_counts(self):
        return self._prefetched_or_load("adopted_counts")

    def _load_adopted_counts(self):
        adoption = Adoption.alias()
        by_end = (adoption.select(adoption.id)
                  .where((adoption.item == Item.id) & adopted(adoption)
                         & (adoption.adopted_on <= self.period.end)))
        query = (self._submitted_in_period().select(ItemUnit.unit.alias("unit_id"))
                 .where(fn.EXISTS(by_end)))
        return dict(self._track("adopted_counts", self._count_units(query)))

    @cached_property
    def tier_counts(self):
        if "tier_counts" not in self._prefetched and "adoptions" in self._tallies:
            # A preview has counted the adoptions by unit already (adoption_tally).
            counts = {}
            levels = {pid: pub.level for pid, pub in self.publications.items()}
            for unit_id, (publication, form), _n, count in self._tallies["adoptions"].units:
                if is_adopted(form):
                    key = (unit_id, levels[publication])
                    counts[key] = counts.get(key, 0) + count
            return counts
        return self._prefetched_or_load("tier_counts")

    def _load_tier_counts(self):
        """(unit, publication level) → adoptions (not forwarded) in the period of the unit's items."""
        p = self.period
        query = (ItemUnit.select(ItemUnit.unit, Publication.level, fn.COUNT(Adoption.id))
                 .join(Adoption, on=(Adoption.item == ItemUnit.item))
                 .join(Publication, on=(Publication.id == Adoption.publication))
                 .where(Adoption.adopted_on.between(p.start, p.end) & adopted(Adoption))
                 .group_by(ItemUnit.unit, Publication.level)
                 .order_by(ItemUnit.unit, Publication.level))
        rows = self._track("tier_counts", self._member_counts(query))
        return {(r[0], r[1]): r[2] for r in rows}
