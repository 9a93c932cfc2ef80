"""The events of the items submitted in a period, whatever their own dates, and the urgent reports
items carried: for rules that score a report as a whole in the period of its 报送日期."""

from functools import cached_property

from kaohe.core.domain.vocab import is_adopted
from kaohe.core.reads.rows import (
    AdoptionRow,
    DayCache,
    InstructionRow,
    UrgentRow,
    by_ids,
    parse_dates,
    parse_datetime,
)
from kaohe.core.storage.db import fetch_rows
from kaohe.core.storage.models import Adoption, Instruction, Item, UrgentReport, counted


class SubmittedReads:
    """The submission-dated part of :class:`kaohe.core.reads.data.PeriodData` (a mixin: it
    reads the period, the members, ``items`` and the tracked reads of the instance).

    - ``submitted_item_ids``: sorted ids of the members' items submitted in the period that have
      an adoption or an instruction (any date); they are added to ``items``;
    - ``submitted_adoptions``: every adoption of those items, by date, whenever it was made;
    - ``submitted_instructions``: every instruction on those items, by date;
    - ``submitted_first_adoption_on``: item id → date of its first adoption (not a forward);
    - :meth:`urgent_reports_of`: the urgent reports that items carried (稿件编号), any date.
    """

    @cached_property
    def submitted_item_ids(self):
        p = self.period
        submitted = Item.select(Item.id).where(Item.submitted_on.between(p.start, p.end) & counted(Item))
        ids = {r[0] for r in fetch_rows(Adoption.select(Adoption.item).where(
            Adoption.item.in_(submitted)))}
        ids.update(r[0] for r in fetch_rows(Instruction.select(Instruction.item).where(
            Instruction.item.in_(submitted))))
        ids = sorted(ids)
        self.load_items(ids)  # the members' ones join ``items``
        items = self.items
        return [i for i in ids if i in items]

    @cached_property
    def submitted_adoptions(self):
        rows = sorted(by_ids(
            Adoption.select(Adoption.id, Adoption.item, Adoption.publication, Adoption.issue,
                            Adoption.adopted_on, Adoption.form),
            Adoption.item, self.submitted_item_ids), key=lambda r: (str(r[4]), r[0]))
        self._track("submitted_adoptions", rows)
        day = DayCache()
        return [AdoptionRow(r[0], r[1], r[2], r[3], day[r[4]], r[5]) for r in rows]

    @cached_property
    def submitted_instructions(self):
        rows = sorted(by_ids(
            Instruction.select(Instruction.id, Instruction.item, Instruction.leader_level,
                               Instruction.leader, Instruction.instructed_on),
            Instruction.item, self.submitted_item_ids), key=lambda r: (str(r[4]), r[0]))
        rows = parse_dates(self._track("submitted_instructions", rows), 4)
        return [InstructionRow(*r) for r in rows]

    @cached_property
    def submitted_first_adoption_on(self):
        first = {}
        for adoption in self.submitted_adoptions:  # by date
            if is_adopted(adoption.form) and adoption.item not in first:
                first[adoption.item] = adoption.adopted_on
        return first

    def urgent_reports_of(self, item_ids):
        """The urgent reports carried by these items (whenever they occurred), by occurrence."""
        ids = sorted({int(i) for i in item_ids})
        if not ids:
            return []
        rows = sorted(by_ids(
            UrgentReport.select(UrgentReport.id, UrgentReport.no, UrgentReport.unit,
                                UrgentReport.severity, UrgentReport.occurred_at,
                                UrgentReport.reported_at, UrgentReport.status,
                                UrgentReport.misreported, UrgentReport.reporter,
                                UrgentReport.title, UrgentReport.item),
            UrgentReport.item, ids), key=lambda r: (str(r[4]), r[0]))
        rows = parse_dates(self._track(f"urgent_reports_of_{len(self._digests)}", rows), 4, 5,
                           parser=parse_datetime)
        return [UrgentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9], r[10])
                for r in rows]
