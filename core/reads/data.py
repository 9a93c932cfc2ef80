"""The data a rule set scores: one scheme's units and one period's rows, each loaded in one batch.

Rows are plain named tuples read straight from the DB-API cursor: no model objects, no titles,
nothing a rule set does not need, so that a million items fit in memory and load in seconds.
"""

import datetime
import hashlib
import marshal
import pickle
from functools import cached_property

from peewee import fn

from kaohe.core.domain.vocab import from_cents
from kaohe.core.reads.alongside import Reads
from kaohe.core.reads.counts import PeriodCounts
from kaohe.core.reads.rows import (
    AdjustmentRow,
    AdoptionRow,
    DayCache,
    InstructionRow,
    ItemRow,
    PublicationRow,
    ReporterRow,
    SolicitationRow,
    TagCache,
    TargetRow,
    UnitRow,
    UrgentRow,
    by_ids,
    parse_dates,
    parse_datetime,
)
from kaohe.core.reads.submitted import SubmittedReads
from kaohe.core.reads.tallies import PeriodTallies
from kaohe.core.storage.db import db, fetch_rows
from kaohe.core.storage.models import (
    Adjustment,
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Scheme,
    SchemeUnit,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
    adopted,
    counted,
)


class PeriodData(PeriodCounts, PeriodTallies, SubmittedReads):
    """What one scheme holds for one period, loaded lazily, one query per kind of row.

    Attributes a rule set may read (each a cached property):

    - ``period``: the :class:`kaohe.core.domain.periods.Period`; ``year``: the scheme year;
    - ``units``: dict unit id → :class:`UnitRow` of the scheme's member units;
    - ``members``: frozenset of member unit ids;
    - ``publications``: dict id → :class:`PublicationRow`;
    - ``reporters``: dict id → :class:`ReporterRow` of the members' reporters;
    - ``items``: dict id → :class:`ItemRow` of the members' items that the period's adoptions and
      instructions name, and of the items submitted in the period that answer a solicitation
      (``ItemRow.tags``: the words the office tagged an item with).
      Items that nothing happened to are not loaded: counts of submissions come as aggregates;
    - ``submission_counts``: dict unit id → items the unit submitted in the period (a joint report
      counts once for each of its units); ``daily_submissions``: dict (unit id, date) → count;
    - ``adopted_counts``: dict unit id → of those, the items adopted (not forwarded) by the
      period's end;
    - ``solicitation_items``: ids of the items submitted in the period that answer a solicitation;
    - ``adoptions``: list of :class:`AdoptionRow` dated in the period (of ``items``);
      ``earlier_adoptions``: those items' adoptions dated in the scheme year before the period;
    - ``first_adoption_on``: dict item id → date of its first adoption in a form other than
      ``forwarded`` (for the items adopted in the period; the date may be before the period);
    - ``instructions``: list of :class:`InstructionRow` of ``items`` dated up to the period's end
      (earlier ones included, so that "the earliest at a level" can be decided);
    - ``urgent_reports``: list of :class:`UrgentRow` of members that occurred in the period
      (``UrgentRow.item``: the item that carried the report, or None);
    - ``adjustments``: list of :class:`AdjustmentRow` of members dated in the period (points or 元
      the office gave or deducted by hand), by date;
    - ``facts``: dict (unit id, kind) → value text, for the scheme year;
    - ``targets``: dict unit id → :class:`TargetRow` of the whole scheme year;
    - ``targets_by_period``: dict (unit id, period label) → :class:`TargetRow` of every period of
      the scheme year a target is set for (``2025``, ``2025-H1``, ``2025-Q1``, ``2025-03``); a
      target set for this scheme takes the place of one set for every scheme;
    - ``solicitations``: dict id → :class:`SolicitationRow` due in the period or answered by an
      item of ``items``; ``solicitation_answers``: dict solicitation id → list of
      (unit id, submitted_on) of every item answering it.

    The events of the items submitted in the period, whatever their dates (``submitted_…``),
    and the urgent reports items carried: see :class:`SubmittedReads`.
    """

    def __init__(self, scheme_id, period, year):
        self.scheme_id = scheme_id
        self.period = period
        self.year = year
        self._digests = {}
        self._prefetched = {}
        self._tallies = {}
        self._reads = None

    def _track(self, name, rows):
        """Note the rows a loader read, for the fingerprint, and hand them back.

        The digest is taken of the rows as the cursor gave them (before dates are parsed): rows of
        numbers and text serialise with marshal, six times faster than pickle (its format version
        goes into the digest); rows holding date objects, as PostgreSQL returns them, with pickle.
        """
        try:
            encoded = b"marshal%d:" % marshal.version + marshal.dumps(rows)
        except ValueError:
            encoded = b"pickle:" + pickle.dumps(rows, protocol=5)
        self._digests[name] = hashlib.sha256(encoded).digest()
        return rows

    @property
    def rows_read(self):
        """The names of the kinds of rows read so far (``items``, ``adoptions``, ``tally_…`` …):
        what a preview or a rule set cost, for tests and profiles."""
        return frozenset(self._digests)

    # ------------------------------------------------------------ the counts, read alongside

    # Only aggregates: they spend their time inside the database, where the other thread runs
    # freely; a read of many rows would build its tuples holding the GIL and slow both threads.
    # (The first adoptions are an aggregate too: its rows are few to build for the work.)
    PREFETCHED = ("submission_counts", "adopted_counts", "tier_counts", "first_adoption_rows")

    def prefetch_counts(self, names=PREFETCHED):
        """Start the period's big aggregates alongside (see :class:`Reads`).

        The submission and adoption-rate counts are SQL aggregates over every item of the period
        (a second at a million items) and need nothing from Python, so they run while this
        thread reads and builds the rows, or counts the lines, that the rule sets score.
        """
        if self._prefetched:
            return
        self._all_units_are_members  # load the units here, not in both threads
        reads = self._reader()
        self._prefetched = {name: reads.submit(getattr(self, f"_load_{name}"), priority=1)
                            for name in names}

    def _reader(self):
        if self._reads is None:
            self._reads = Reads(alongside=not db.in_transaction()
                                and getattr(db.obj, "database", "") != ":memory:")
        return self._reads

    def _prefetched_or_load(self, name):
        task = self._prefetched.get(name)
        return self._reads.wait(task) if task is not None else getattr(self, f"_load_{name}")()

    # ------------------------------------------------------------ units and reference data

    @cached_property
    def units(self):
        query = (Unit.select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.pool, Unit.sector,
                             Unit.parent)
                 .join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
                 .where(SchemeUnit.scheme == self.scheme_id).order_by(Unit.id))
        rows = self._track("units", fetch_rows(query))
        return {r[0]: UnitRow(*r) for r in rows}

    @cached_property
    def members(self):
        return frozenset(self.units)

    @cached_property
    def _all_units_are_members(self):
        return len(self.members) >= Unit.select().count()

    def _member_filter(self, unit_column):
        if self._all_units_are_members:
            return True
        return unit_column.in_(SchemeUnit.select(SchemeUnit.unit).where(
            SchemeUnit.scheme == self.scheme_id))

    @cached_property
    def publications(self):
        rows = self._track("publications", fetch_rows(Publication.select(
            Publication.id, Publication.code, Publication.name, Publication.level)
            .order_by(Publication.id)))
        return {r[0]: PublicationRow(*r) for r in rows}

    @cached_property
    def reporters(self):
        query = (Reporter.select(Reporter.id, Reporter.code, Reporter.name, Reporter.unit)
                 .where(self._member_filter(Reporter.unit)).order_by(Reporter.id))
        return {r[0]: ReporterRow(*r) for r in self._track("reporters", fetch_rows(query))}

    # ------------------------------------------------------------ items and what happened to them

    @cached_property
    def _item_links(self):
        """The sorted ids of the members' items submitted, adopted or instructed in the period,
        and the (item, unit) links of those items in reporting order.

        Three range reads give the candidates; an item counts when one of its units is a member
        (any item when every unit is). Later reads fetch rows by these ids in chunks, so no
        query has to evaluate the membership condition again.
        """
        p = self.period
        # (Through the solicitations, so that the database looks at the few items that answer
        # one rather than at every item of the period.)
        candidates = {r[0] for r in fetch_rows(Item.select(Item.id).where(
            Item.submitted_on.between(p.start, p.end) & counted(Item)
            & Item.solicitation.in_(Solicitation.select(Solicitation.id))))}
        candidates.update(r[1] for r in self._adoption_rows)
        candidates.update(r[0] for r in fetch_rows(Instruction.select(Instruction.item).where(
            Instruction.instructed_on.between(p.start, p.end))))
        ids = sorted(candidates)
        links = by_ids(ItemUnit.select(ItemUnit.item, ItemUnit.unit)
                        .order_by(ItemUnit.item, ItemUnit.position, ItemUnit.id), ItemUnit.item, ids)
        if not self._all_units_are_members:
            members = self.members
            kept = {item_id for item_id, unit_id in links if unit_id in members}
            ids = [i for i in ids if i in kept]
            links = [link for link in links if link[0] in kept]
        return ids, links

    @cached_property
    def _item_id_set(self):
        return frozenset(self._item_links[0])

    @cached_property
    def items(self):
        ids, link_rows = self._item_links
        return self._item_rows(ids, link_rows, "items")

    def _item_rows(self, ids, link_rows, name):
        rows = self._track(name, by_ids(
            Item.select(Item.id, Item.no, Item.submitted_on, Item.category, Item.negative,
                        Item.solicitation, Item.tags).where(counted(Item)).order_by(Item.id), Item.id, ids))
        day = DayCache()
        tags = TagCache()
        units, authors = {}, {}
        self._track(f"{name}_units", link_rows)
        for item_id, unit_id in link_rows:
            units.setdefault(item_id, []).append(unit_id)
        author_rows = self._track(f"{name}_authors", by_ids(
            ItemAuthor.select(ItemAuthor.item, ItemAuthor.reporter)
            .order_by(ItemAuthor.item, ItemAuthor.position, ItemAuthor.id), ItemAuthor.item, ids))
        for item_id, reporter_id in author_rows:
            authors.setdefault(item_id, []).append(reporter_id)
        empty = ()
        return {
            r[0]: ItemRow(r[0], r[1], day[r[2]], r[3], bool(r[4]), r[5],
                          tuple(units.get(r[0], empty)), tuple(authors.get(r[0], empty)), tags[r[6]])
            for r in rows
        }

    def load_items(self, ids):
        """Add the members' items among `ids` that ``items`` lacks, in one batch; return the rest.

        The engine calls this for the items a rule set's lines name, so a rule set may score an
        item that nothing happened to in the period (e.g. one that was only submitted).
        """
        missing = sorted({i for i in ids if i not in self.items and isinstance(i, int)})
        if not missing:
            return []
        links = by_ids(ItemUnit.select(ItemUnit.item, ItemUnit.unit)
                        .order_by(ItemUnit.item, ItemUnit.position, ItemUnit.id),
                        ItemUnit.item, missing)
        if not self._all_units_are_members:
            kept = {item_id for item_id, unit_id in links if unit_id in self.members}
            links = [link for link in links if link[0] in kept]
        else:
            kept = {item_id for item_id, _ in links}
        found = [i for i in missing if i in kept]
        if found:
            self.items.update(self._item_rows(found, links, f"extra_items_{len(self._digests)}"))
        return [i for i in missing if i not in self.items]

    @cached_property
    def solicitation_items(self):
        start, end = self.period.start, self.period.end
        return [i.id for i in self.items.values()
                if i.solicitation is not None and start <= i.submitted_on <= end]

    @cached_property
    def adoptions(self):
        ids = self._item_id_set
        rows = self._track("adoptions", [r for r in self._adoption_rows if r[1] in ids])
        del self._adoption_rows  # both its uses are done: free the cursor's rows
        day = DayCache()
        return [AdoptionRow(r[0], r[1], r[2], r[3], day[r[4]], r[5]) for r in rows]

    @cached_property
    def _adoption_rows(self):
        """Every adoption dated in the period, as the cursor gives them (read once: the item
        ids and the rows come from the same read)."""
        return self._prefetched_or_load("adoption_rows")

    def _load_adoption_rows(self):
        p = self.period
        return fetch_rows(Adoption.select(Adoption.id, Adoption.item, Adoption.publication, Adoption.issue,
                                    Adoption.adopted_on, Adoption.form)
                    .where(Adoption.adopted_on.between(p.start, p.end))
                    .order_by(Adoption.adopted_on, Adoption.id))

    @cached_property
    def earlier_adoptions(self):
        """The adoptions of the items adopted in the period that are dated in the scheme year
        before the period's start (none in a run of the whole year), by date: what an item held
        before the period, for a rule that counts only its best adoption so far."""
        start = datetime.date(self.year, 1, 1)
        if self.period.start <= start:
            return []
        ids = sorted({a.item for a in self.adoptions})
        rows = self._track("earlier_adoptions", sorted(by_ids(
            Adoption.select(Adoption.id, Adoption.item, Adoption.publication, Adoption.issue,
                            Adoption.adopted_on, Adoption.form)
            .where((Adoption.adopted_on >= start) & (Adoption.adopted_on < self.period.start)),
            Adoption.item, ids), key=lambda r: (str(r[4]), r[0])))
        day = DayCache()
        return [AdoptionRow(r[0], r[1], r[2], r[3], day[r[4]], r[5]) for r in rows]

    def year_adoptions_of(self, item_ids):
        """Every adoption of these items dated in the scheme year up to the period's end, by date
        (what an item held when a rule needs all its points, e.g. an instruction's multiple)."""
        ids = sorted({int(i) for i in item_ids})
        if not ids:
            return []
        start = datetime.date(self.year, 1, 1)
        rows = sorted(by_ids(
            Adoption.select(Adoption.id, Adoption.item, Adoption.publication, Adoption.issue,
                            Adoption.adopted_on, Adoption.form)
            .where((Adoption.adopted_on >= start) & (Adoption.adopted_on <= self.period.end)),
            Adoption.item, ids), key=lambda r: (str(r[4]), r[0]))
        self._track(f"year_adoptions_{len(self._digests)}", rows)
        day = DayCache()
        return [AdoptionRow(r[0], r[1], r[2], r[3], day[r[4]], r[5]) for r in rows]

    @cached_property
    def first_adoption_on(self):
        ids = self._item_id_set
        rows = [r for r in self._prefetched_or_load("first_adoption_rows") if r[0] in ids]
        day = DayCache()
        return {r[0]: day[r[1]] for r in self._track("first_adoptions", rows)}

    def _load_first_adoption_rows(self):
        p = self.period
        adopted_in_period = Adoption.select(Adoption.item).where(
            Adoption.adopted_on.between(p.start, p.end) & adopted(Adoption))
        return fetch_rows(Adoption.select(Adoption.item, fn.MIN(Adoption.adopted_on))
                    .where(adopted(Adoption) & Adoption.item.in_(adopted_in_period))
                    .group_by(Adoption.item).order_by(Adoption.item))

    @cached_property
    def instructions(self):
        p = self.period
        instructed = Instruction.select(Instruction.item).where(
            Instruction.instructed_on.between(p.start, p.end))
        query = (Instruction.select(Instruction.id, Instruction.item, Instruction.leader_level,
                                    Instruction.leader, Instruction.instructed_on)
                 .where((Instruction.instructed_on <= p.end) & Instruction.item.in_(instructed))
                 .order_by(Instruction.instructed_on, Instruction.id))
        rows = parse_dates(self._track("instructions", fetch_rows(query)), 4)
        items = self.items
        return [InstructionRow(*r) for r in rows if r[1] in items]

    # ------------------------------------------------------------ urgent reports, facts, targets

    @cached_property
    def urgent_reports(self):
        p = self.period
        query = (UrgentReport.select(UrgentReport.id, UrgentReport.no, UrgentReport.unit,
                                     UrgentReport.severity, UrgentReport.occurred_at,
                                     UrgentReport.reported_at, UrgentReport.status,
                                     UrgentReport.misreported, UrgentReport.reporter,
                                     UrgentReport.title, UrgentReport.item)
                 .where((UrgentReport.occurred_at >= p.start_at) & (UrgentReport.occurred_at < p.end_at)
                        & self._member_filter(UrgentReport.unit))
                 .order_by(UrgentReport.occurred_at, UrgentReport.id))
        rows = parse_dates(self._track("urgent_reports", fetch_rows(query)), 4, 5, parser=parse_datetime)
        return [UrgentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9], r[10])
                for r in rows]

    @cached_property
    def adjustments(self):
        p = self.period
        query = (Adjustment.select(Adjustment.id, Adjustment.unit, Adjustment.date,
                                   Adjustment.points, Adjustment.yuan, Adjustment.kind,
                                   Adjustment.reason, Adjustment.reference, Adjustment.reporter,
                                   Adjustment.item)
                 .where(Adjustment.date.between(p.start, p.end)
                        & self._member_filter(Adjustment.unit))
                 .order_by(Adjustment.date, Adjustment.id))
        rows = parse_dates(self._track("adjustments", fetch_rows(query)), 2)
        return [AdjustmentRow(r[0], r[1], r[2], from_cents(r[3]), from_cents(r[4]), r[5], r[6],
                              r[7], r[8], r[9]) for r in rows]

    @cached_property
    def facts(self):
        query = (UnitFact.select(UnitFact.unit, UnitFact.kind, UnitFact.value)
                 .where((UnitFact.year == self.year) & self._member_filter(UnitFact.unit))
                 .order_by(UnitFact.unit, UnitFact.kind))
        return {(r[0], r[1]): r[2] for r in self._track("facts", fetch_rows(query))}

    @cached_property
    def targets(self):
        year = str(self.year)
        return {unit: row for (unit, label), row in self.targets_by_period.items() if label == year}

    @cached_property
    def targets_by_period(self):
        name = Scheme.select(Scheme.name).where(Scheme.id == self.scheme_id).scalar() or ""
        query = (Target.select(Target.unit, Target.period, Target.scheme, Target.submit_target,
                               Target.adopt_target)
                 .where((Target.year == self.year) & Target.scheme.in_(["", name])
                        & self._member_filter(Target.unit))
                 .order_by(Target.unit, Target.period, Target.scheme))
        found = {}
        for unit, period, scheme, submit, adopt in self._track("targets", fetch_rows(query)):
            label = period or str(self.year)
            if scheme or (unit, label) not in found:  # the scheme's own target wins
                found[(unit, label)] = TargetRow(unit, submit, adopt, label)
        return found

    # ------------------------------------------------------------ solicitations

    @cached_property
    def solicitations(self):
        p = self.period
        answered = sorted({i.solicitation for i in self.items.values()
                           if i.solicitation is not None})
        return self._solicitation_rows("solicitation", Solicitation.due_on.between(p.start, p.end)
                                       | Solicitation.id.in_(answered))

    @cached_property
    def solicitations_due(self):
        """The solicitations due in the period (of ``solicitations``), read without the items."""
        p = self.period
        return self._solicitation_rows("solicitation_due",
                                       Solicitation.due_on.between(p.start, p.end))

    def _solicitation_rows(self, name, condition):
        """Solicitations meeting `condition` with their units (read as `name`s, `name`_units)."""
        query = (Solicitation.select(Solicitation.id, Solicitation.no, Solicitation.title,
                                     Solicitation.issued_on, Solicitation.due_on)
                 .where(condition).order_by(Solicitation.due_on, Solicitation.id))
        rows = parse_dates(self._track(f"{name}s", fetch_rows(query)), 3, 4)
        ids = [r[0] for r in rows]
        links = {}
        if ids:
            for sol_id, unit_id in self._track(f"{name}_units", fetch_rows(
                    SolicitationUnit.select(SolicitationUnit.solicitation, SolicitationUnit.unit)
                    .where(SolicitationUnit.solicitation.in_(ids))
                    .order_by(SolicitationUnit.solicitation, SolicitationUnit.id))):
                links.setdefault(sol_id, []).append(unit_id)
        return {r[0]: SolicitationRow(*r, tuple(links.get(r[0], ()))) for r in rows}

    @cached_property
    def solicitation_answers(self):
        return self._answers("solicitation_answers", list(self.solicitations))

    @cached_property
    def solicitation_answers_due(self):
        """``solicitation_answers`` of ``solicitations_due``."""
        return self._answers("solicitation_answers_due", list(self.solicitations_due))

    def _answers(self, name, ids):
        answers = {sol_id: [] for sol_id in ids}
        if not ids:
            return answers
        query = (Item.select(Item.solicitation, ItemUnit.unit, Item.submitted_on)
                 .join(ItemUnit, on=(ItemUnit.item == Item.id))
                 .where(Item.solicitation.in_(ids) & counted(Item)).order_by(Item.submitted_on, Item.id))
        for sol_id, unit_id, day in parse_dates(self._track(name, fetch_rows(query)), 2):
            answers[sol_id].append((unit_id, day))
        return answers

    def fingerprint(self, extra=b""):
        """A digest of every row loaded so far (and `extra`): same inputs, same fingerprint."""
        digest = hashlib.sha256(extra)
        for name in sorted(self._digests):
            digest.update(name.encode())
            digest.update(self._digests[name])
        return digest.hexdigest()
