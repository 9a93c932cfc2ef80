"""Counting item lines in SQL for previews: a rule set's tally of the lines a query stands for."""


from peewee import SQL, fn

from kaohe.core.reads.rows import Tallied, first_two
from kaohe.core.storage.db import db
from kaohe.core.storage.models import Adoption, Instruction, Item, Solicitation, adopted, counted


class PeriodTallies:
    """The tally part of :class:`kaohe.core.reads.data.PeriodData` (a mixin: it reads the
    period, the members and the tracked reads of the instance it is part of)."""

    def solicitation_answer_query(self):
        """A query for :meth:`tally`: the items submitted in the period that answer a
        solicitation by its due date (those of ``solicitation_items`` that were on time)."""
        p = self.period
        return (Item.select(Item.id.alias("item_id"))
                .join(Solicitation, on=(Solicitation.id == Item.solicitation))
                .where(Item.submitted_on.between(p.start, p.end) & counted(Item)
                       & (Item.submitted_on <= Solicitation.due_on)))

    # ------------------------------------------------------------ tallies (previews)

    def tally(self, name, query, keys=()):
        """Count the item lines that `query` stands for, by unit and by author, in SQL.

        `query` (a peewee select) gives one row per line: the item's id aliased ``item_id``,
        then the columns that decide the line's points, aliased as named in `keys`. The lines'
        items must be members' items, as in ``items``. Returns a :class:`Tallied`, kept under
        `name` for the next call. What a preview reads instead of rows: see
        :meth:`kaohe.core.scoring.contract.RuleSet.tallies`.
        """
        known = self._tallies.get(name)
        if known is not None:
            return known
        inner, params = query.sql()
        param = db.obj.param
        selected = "".join(f", k.{key}" for key in keys)
        grouped = ", ".join(str(i) for i in range(1, len(keys) + 3))
        every = self._all_units_are_members
        # A member reporter is one of a member unit; an item counts for its authors when one
        # of its units is a member. When every unit is a member neither needs a condition.
        # (Joined rather than `IN (…)`: SQLite would probe each item once per member unit.)
        member = f"JOIN scheme_unit su ON su.unit_id = {{}} AND su.scheme_id = {param}"
        # The share counts are correlated subqueries in an inner select, grouped outside it:
        # SQLite then walks the lines once by index (a derived table holding the counts would
        # be materialised and scanned per line), and PostgreSQL groups plain columns.
        outer = "".join(f", t.{key}" for key in keys)
        # (Only the member units' links: a scheme of a few units among many then counts the
        # shares of its own lines only. The unary + keeps SQLite walking from the lines, testing
        # each link against the members, instead of starting from the member units.)
        member_unit = "" if every else (
            f" AND +iu.unit_id IN (SELECT unit_id FROM scheme_unit WHERE scheme_id = {param})")
        shared = (f"SELECT t.unit_id{outer}, t.n, COUNT(*) FROM (SELECT iu.unit_id{selected}, "
                  f"(SELECT COUNT(*) FROM item_unit c WHERE c.item_id = k.item_id) AS n "
                  f"FROM ({inner}) AS k JOIN item_unit iu ON iu.item_id = k.item_id{member_unit}) "
                  f"AS t GROUP BY {grouped}")
        # Every author of an item holds a share, members or not (only members' are credited).
        authors = "(SELECT COUNT(*) FROM item_author c WHERE c.item_id = k.item_id)"
        member_item = "" if every else (
            f" WHERE EXISTS (SELECT 1 FROM item_unit m {member.format('m.unit_id')} "
            f"WHERE m.item_id = k.item_id)")
        credited = (f"SELECT t.reporter_id{outer}, t.n, COUNT(*) FROM (SELECT ia.reporter_id"
                    f"{selected}, {authors} AS n FROM ({inner}) AS k "
                    f"JOIN item_author ia ON ia.item_id = k.item_id{member_item}) AS t "
                    f"GROUP BY {grouped}")
        extra = () if every else (self.scheme_id,)
        members, reporters = self.members, self.reporters
        # The two counts are independent: the helper connection takes one while this one
        # counts the other (the ranking's counts wait: they are needed only at the end).
        reads = self._reader()
        by_reporter = reads.submit(
            lambda: db.execute_sql(credited, (*params, *extra)).fetchall(), priority=0)
        by_unit = reads.submit(lambda: db.execute_sql(shared, (*params, *extra)).fetchall(),
                               priority=0)
        unit_rows = [(r[0], tuple(r[1:-2]), r[-2], r[-1]) for r in reads.wait(by_unit)
                     if r[0] in members]
        reporter_rows = [(r[0], tuple(r[1:-2]), r[-2], r[-1]) for r in reads.wait(by_reporter)
                         if r[0] in reporters]
        unit_rows.sort(key=first_two)
        reporter_rows.sort(key=first_two)
        self._track(f"tally_{name}", (unit_rows, reporter_rows))
        known = self._tallies[name] = Tallied(unit_rows, reporter_rows)
        return known

    @property
    def adoption_tally(self):
        """The period's adoptions (as ``adoptions``), keyed (publication id, form)."""
        p = self.period
        return self.tally("adoptions", Adoption.select(
            Adoption.item.alias("item_id"), Adoption.publication.alias("publication"),
            Adoption.form.alias("form")).where(Adoption.adopted_on.between(p.start, p.end)),
            keys=("publication", "form"))

    @property
    def first_instruction_tally(self):
        """The earliest instruction at each leader level of each item, when it is dated in the
        period (as :func:`kaohe.core.scoring.rules.sources.first_instructions`), keyed (leader level,)."""
        p = self.period
        instructed = Instruction.select(Instruction.item).where(
            Instruction.instructed_on.between(p.start, p.end))
        return self.tally("first_instructions", Instruction.select(
            Instruction.item.alias("item_id"), Instruction.leader_level.alias("level"))
            .where((Instruction.instructed_on <= p.end) & Instruction.item.in_(instructed))
            .group_by(Instruction.item, Instruction.leader_level)
            .having(fn.MIN(Instruction.instructed_on) >= p.start), keys=("level",))

    def first_adoption_query(self):
        """A query for :meth:`tally`: the members' items whose first adoption other than
        ``forwarded`` is dated in the period (those of ``first_adoption_on`` in the period), one
        row each. ``Item`` is joined, so a rule set can narrow it, e.g. ``.where(Item.negative)``.

        The row of each item is its first such adoption (the lower id among two of a day), so
        no grouping is needed and the database counts in a single pass.
        """
        p = self.period
        earlier = Adoption.alias()
        before = earlier.select(SQL("1")).where(
            # (Tied to the item's row, so that SQLite looks for earlier adoptions only of the
            # items that the rule set's own conditions on Item leave.)
            (earlier.item == Item.id) & adopted(earlier)
            & ((earlier.adopted_on < Adoption.adopted_on)
               | ((earlier.adopted_on == Adoption.adopted_on) & (earlier.id < Adoption.id))))
        return (Adoption.select(Adoption.item.alias("item_id"))
                .join(Item, on=(Item.id == Adoption.item))
                .where(Adoption.adopted_on.between(p.start, p.end) & adopted(Adoption)
                       & ~fn.EXISTS(before)))

    # ------------------------------------------------------------ fingerprint
