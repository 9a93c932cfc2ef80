"""The data a rule set scores: one scheme's units and one period's rows, each loaded in one batch.

Rows are plain named tuples read straight from the DB-API cursor: no model objects, no titles,
nothing a rule set does not need, so that a million items fit in memory and load in seconds.
"""

import datetime
import hashlib
import marshal
import pickle
import threading
from collections import Counter
from concurrent.futures import Future
from functools import cached_property
from typing import NamedTuple

from peewee import SQL, NodeList, fn

from kaohe.core.domain.vocab import is_adopted
from kaohe.core.storage.db import db, fetch_rows, is_postgres
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    SchemeUnit,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
    adopted,
)


class UnitRow(NamedTuple):
    id: int
    code: str
    name: str
    kind: str
    pool: str
    sector: str | None
    parent: int | None


class ReporterRow(NamedTuple):
    id: int
    code: str
    name: str
    unit: int


class PublicationRow(NamedTuple):
    id: int
    code: str
    name: str
    level: str


class ItemRow(NamedTuple):
    id: int
    no: str
    submitted_on: datetime.date
    category: str
    negative: bool
    solicitation: int | None
    units: tuple  # unit ids, in the order reported (a joint report has several)
    authors: tuple  # reporter ids


class AdoptionRow(NamedTuple):
    id: int
    item: int
    publication: int
    issue: str
    adopted_on: datetime.date
    form: str


class InstructionRow(NamedTuple):
    id: int
    item: int
    leader_level: str
    leader: str
    instructed_on: datetime.date


class UrgentRow(NamedTuple):
    id: int
    no: str
    unit: int
    severity: str
    occurred_at: datetime.datetime
    reported_at: datetime.datetime | None
    status: str
    misreported: bool
    reporter: int | None
    title: str = ""  # the event, for the explanations


class SolicitationRow(NamedTuple):
    id: int
    no: str
    title: str
    issued_on: datetime.date
    due_on: datetime.date
    units: tuple


class Tallied(NamedTuple):
    """Item lines counted by who receives them (see :meth:`PeriodData.tally`).

    ``units``: (unit id, key, units of the item, count) for each member unit;
    ``reporters``: (reporter id, key, member authors of the item, count) for each member
    reporter. ``key`` is the tuple of the query's key columns.
    """
    units: list
    reporters: list


class TargetRow(NamedTuple):
    unit: int
    submit_target: int
    adopt_target: int


# Rows that name an item: when a rule set fails, the engine looks for one of these among the
# failing frame's variables to say which item it was working on.
ITEM_ROWS = (ItemRow, AdoptionRow, InstructionRow)



def _dates(rows, *columns, parser=datetime.date.fromisoformat):
    """SQLite hands dates back as ISO text; turn those columns into date objects in one pass."""
    if not rows:
        return rows
    # Look at every row: a nullable column (a first-report time) may be empty for many rows first.
    todo = [c for c in columns if any(isinstance(r[c], str) for r in rows)]
    if not todo:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for c in todo:
            if isinstance(row[c], str):
                row[c] = parser(row[c])
        out.append(row)
    return out


class _Days(dict):
    """ISO date text → date, each distinct text parsed once (a year has 365 of them, a period's
    rows hundreds of thousands). Dates that PostgreSQL already gave as dates map to themselves."""

    def __missing__(self, text):
        value = self[text] = datetime.date.fromisoformat(text) if isinstance(text, str) else text
        return value


# How many ids go into one `IN (...)` list.
ID_CHUNK = 50000


def by_ids(select, column, ids):
    """Run `select` for the ids in chunks (`column IN (...)`) and return all rows in chunk order.

    The ids are row ids read from the database; written into the SQL as integer literals they
    cost a string join, where bound parameters would cost the query builder a node each.
    """
    rows = []
    for start in range(0, len(ids), ID_CHUNK):
        listed = SQL("(%s)" % ",".join(map(str, map(int, ids[start:start + ID_CHUNK]))))
        rows.extend(fetch_rows(select.where(NodeList((column, SQL("IN"), listed)))))
    return rows


def _first_two(row):
    return row[0], row[1]


def _datetime(text):
    return datetime.datetime.fromisoformat(text)


class _Task:
    __slots__ = ("read", "priority", "started", "future")

    def __init__(self, read, priority):
        self.read, self.priority, self.started, self.future = read, priority, False, Future()

    def run(self):
        try:
            self.future.set_result(self.read())
        except BaseException as error:  # handed to whoever waits, as it is
            self.future.set_exception(error)


class Reads:
    """Reads run by one helper thread on a connection of its own while this thread works.

    sqlite3 and psycopg2 let other threads run while a query executes, so two connections keep
    both cores of a small server busy; more threads than that only slow each other down. The
    helper takes queued reads by priority (lower first, then in order); a thread that waits for
    a read the helper has not started runs it itself, and while the helper is busy with the one
    it waits for, it runs the others queued. Outside a transaction only, since another
    connection would not see this one's uncommitted rows (`alongside` false: each read runs
    when it is waited for).
    """

    def __init__(self, alongside):
        self.alongside = alongside
        self._lock = threading.Lock()
        self._queue = []
        self._helper = None

    def submit(self, read, priority=1):
        task = _Task(read, priority)
        if not self.alongside:
            return task
        with self._lock:
            self._queue.append(task)
            self._queue.sort(key=lambda t: t.priority)  # stable: in order within a priority
            if self._helper is None:
                self._helper = threading.Thread(target=self._help, name="kaohe-reads", daemon=True)
                self._helper.start()
        return task

    def _take(self, task=None):
        """Claim `task`, or the first queued task when None; the task claimed, or None."""
        with self._lock:
            if task is None:
                task = self._queue[0] if self._queue else None
            if task is None or task.started:
                return None
            task.started = True
            if task in self._queue:
                self._queue.remove(task)
            return task

    def _help(self):
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        self._helper = None
                        return
                task = self._take()
                if task is not None:
                    task.run()
        finally:
            if not db.is_closed():
                db.close()

    def wait(self, task):
        """The task's result: run here if nobody has started it, else the others meanwhile."""
        if self._take(task) is not None:
            task.run()
        while not task.future.done():
            other = self._take()
            if other is None:
                break
            other.run()
        return task.future.result()


class PeriodData:
    """What one scheme holds for one period, loaded lazily, one query per kind of row.

    Attributes a rule set may read (each a cached property):

    - ``period``: the :class:`kaohe.core.domain.periods.Period`; ``year``: the scheme year;
    - ``units``: dict unit id → :class:`UnitRow` of the scheme's member units;
    - ``members``: frozenset of member unit ids;
    - ``publications``: dict id → :class:`PublicationRow`;
    - ``reporters``: dict id → :class:`ReporterRow` of the members' reporters;
    - ``items``: dict id → :class:`ItemRow` of the members' items that the period's adoptions and
      instructions name, and of the items submitted in the period that answer a solicitation.
      Items that nothing happened to are not loaded: counts of submissions come as aggregates;
    - ``submission_counts``: dict unit id → items the unit submitted in the period (a joint report
      counts once for each of its units); ``daily_submissions``: dict (unit id, date) → count;
    - ``adopted_counts``: dict unit id → of those, the items adopted (not forwarded) by the
      period's end;
    - ``solicitation_items``: ids of the items submitted in the period that answer a solicitation;
    - ``adoptions``: list of :class:`AdoptionRow` dated in the period (of ``items``);
    - ``first_adoption_on``: dict item id → date of its first adoption in a form other than
      ``forwarded`` (for the items adopted in the period; the date may be before the period);
    - ``instructions``: list of :class:`InstructionRow` of ``items`` dated up to the period's end
      (earlier ones included, so that "the earliest at a level" can be decided);
    - ``urgent_reports``: list of :class:`UrgentRow` of members that occurred in the period;
    - ``facts``: dict (unit id, kind) → value text, for the scheme year;
    - ``targets``: dict unit id → :class:`TargetRow`, for the scheme year;
    - ``solicitations``: dict id → :class:`SolicitationRow` due in the period or answered by an
      item of ``items``; ``solicitation_answers``: dict solicitation id → list of
      (unit id, submitted_on) of every item answering it.
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
            Item.submitted_on.between(p.start, p.end)
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
                        Item.solicitation).order_by(Item.id), Item.id, ids))
        day = _Days()
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
                          tuple(units.get(r[0], empty)), tuple(authors.get(r[0], empty)))
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

    def _submitted_links(self):
        """(unit, item) links of the items submitted in the period, for the member units."""
        p = self.period
        return (ItemUnit.select().join(Item, on=(ItemUnit.item == Item.id))
                .where(Item.submitted_on.between(p.start, p.end) & self._member_filter(ItemUnit.unit)))

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
                .where(Item.submitted_on.between(p.start, p.end)))

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
        rows = _dates(self._track("daily_submissions", fetch_rows(query)), 1)
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
        day = _Days()
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
    def first_adoption_on(self):
        ids = self._item_id_set
        rows = [r for r in self._prefetched_or_load("first_adoption_rows") if r[0] in ids]
        day = _Days()
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
        rows = _dates(self._track("instructions", fetch_rows(query)), 4)
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
                                     UrgentReport.title)
                 .where((UrgentReport.occurred_at >= p.start_at) & (UrgentReport.occurred_at < p.end_at)
                        & self._member_filter(UrgentReport.unit))
                 .order_by(UrgentReport.occurred_at, UrgentReport.id))
        rows = _dates(self._track("urgent_reports", fetch_rows(query)), 4, 5, parser=_datetime)
        return [UrgentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9])
                for r in rows]

    @cached_property
    def facts(self):
        query = (UnitFact.select(UnitFact.unit, UnitFact.kind, UnitFact.value)
                 .where((UnitFact.year == self.year) & self._member_filter(UnitFact.unit))
                 .order_by(UnitFact.unit, UnitFact.kind))
        return {(r[0], r[1]): r[2] for r in self._track("facts", fetch_rows(query))}

    @cached_property
    def targets(self):
        query = (Target.select(Target.unit, Target.submit_target, Target.adopt_target)
                 .where((Target.year == self.year) & self._member_filter(Target.unit))
                 .order_by(Target.unit))
        return {r[0]: TargetRow(*r) for r in self._track("targets", fetch_rows(query))}

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
        rows = _dates(self._track(f"{name}s", fetch_rows(query)), 3, 4)
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
                 .where(Item.solicitation.in_(ids)).order_by(Item.submitted_on, Item.id))
        for sol_id, unit_id, day in _dates(self._track(name, fetch_rows(query)), 2):
            answers[sol_id].append((unit_id, day))
        return answers

    def solicitation_answer_query(self):
        """A query for :meth:`tally`: the items submitted in the period that answer a
        solicitation by its due date (those of ``solicitation_items`` that were on time)."""
        p = self.period
        return (Item.select(Item.id.alias("item_id"))
                .join(Solicitation, on=(Solicitation.id == Item.solicitation))
                .where(Item.submitted_on.between(p.start, p.end)
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
        authors = ("(SELECT COUNT(*) FROM item_author c WHERE c.item_id = k.item_id)" if every else
                   f"(SELECT COUNT(*) FROM item_author c JOIN reporter r ON r.id = c.reporter_id "
                   f"{member.format('r.unit_id')} WHERE c.item_id = k.item_id)")
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
            lambda: db.execute_sql(credited, (*extra, *params, *extra)).fetchall(), priority=0)
        by_unit = reads.submit(lambda: db.execute_sql(shared, (*params, *extra)).fetchall(),
                               priority=0)
        unit_rows = [(r[0], tuple(r[1:-2]), r[-2], r[-1]) for r in reads.wait(by_unit)
                     if r[0] in members]
        reporter_rows = [(r[0], tuple(r[1:-2]), r[-2], r[-1]) for r in reads.wait(by_reporter)
                         if r[0] in reporters]
        unit_rows.sort(key=_first_two)
        reporter_rows.sort(key=_first_two)
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
        period (as :func:`rulesets.common.first_instructions`), keyed (leader level,)."""
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

    def fingerprint(self, extra=b""):
        """A digest of every row loaded so far (and `extra`): same inputs, same fingerprint."""
        digest = hashlib.sha256(extra)
        for name in sorted(self._digests):
            digest.update(name.encode())
            digest.update(self._digests[name])
        return digest.hexdigest()
