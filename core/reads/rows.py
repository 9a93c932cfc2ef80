"""The rows a period's data is made of: plain named tuples read straight from the cursor, and helpers to read them."""

import datetime
import json
from decimal import Decimal
from typing import NamedTuple

from peewee import SQL, NodeList

from kaohe.core.storage.db import fetch_rows


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
    tags: tuple = ()  # the words the office tagged it with (图片, 视频), in the order given


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
    item: int | None = None  # the item that carried the report, where reports are scored as items


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
    ``reporters``: (reporter id, key, authors of the item, count) for each member
    reporter. ``key`` is the tuple of the query's key columns.
    """
    units: list
    reporters: list


class TargetRow(NamedTuple):
    unit: int
    submit_target: int
    adopt_target: int
    period: str = ""  # the period's label: the year (2025), a half, a quarter or a month


class AdjustmentRow(NamedTuple):
    """Points or 元 the office gave or deducted by hand (加减分); an amount not given is 0."""
    id: int
    unit: int
    date: datetime.date
    points: Decimal
    yuan: Decimal
    kind: str  # the word a rule may name (迟报, 差错); "" when none
    reason: str
    reference: str
    reporter: int | None
    item: int | None


# Rows that name an item: when a rule set fails, the engine looks for one of these among the
# failing frame's variables to say which item it was working on.
ITEM_ROWS = (ItemRow, AdoptionRow, InstructionRow)


def parse_dates(rows, *columns, parser=datetime.date.fromisoformat):
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


class DayCache(dict):
    """ISO date text → date, each distinct text parsed once (a year has 365 of them, a period's
    rows hundreds of thousands). Dates that PostgreSQL already gave as dates map to themselves."""

    def __missing__(self, text):
        value = self[text] = datetime.date.fromisoformat(text) if isinstance(text, str) else text
        return value


class TagCache(dict):
    """An item's stored tags (JSON text) → a tuple of words, each distinct text parsed once."""

    def __missing__(self, text):
        if text is None:
            value = ()
        elif isinstance(text, str):
            value = tuple(json.loads(text))
        else:
            value = tuple(text)
        self[text] = value
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


def first_two(row):
    return row[0], row[1]


def parse_datetime(text):
    return datetime.datetime.fromisoformat(text)
