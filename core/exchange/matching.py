"""Finding the stored rows an import's rows name: ids by code, and the stored values of rows to compare."""

import functools
from collections import defaultdict

from peewee import JOIN, fn

from kaohe.core.exchange.kinds import KINDS, fold
from kaohe.core.exchange.reading import key_of
from kaohe.core.storage.db import chunked, db

CHUNK = 500


def lookup(kind_name, codes, total=None):
    """{folded code: id} of the rows of a single-key kind that exist, in a few queries.

    Codes match without regard to case (`sz-zbxx` finds `SZ-ZBXX`). `total`: the table's rows,
    when the caller has counted them.
    """
    kind = KINDS[kind_name]
    codes = {fold(code) for code in codes}
    if not codes:
        return {}
    table, key = _names(kind)
    select = f'SELECT {key}, "id" FROM {table}'
    if _worth_scanning(kind.model, codes, total):
        rows = db.execute_sql(select).fetchall()
    else:
        rows = [row for chunk in chunked(codes, CHUNK)
                for row in db.execute_sql(f"{select} WHERE UPPER({key}) IN ({_marks(chunk)})",
                                          chunk).fetchall()]
    return {fold(code): ident for code, ident in rows if fold(code) in codes}


def highest_id(model):
    """The largest id of a table's rows (0 when empty): the rows inserted after it have larger ids."""
    table = model._meta.table_name
    return db.execute_sql(f'SELECT MAX("id") FROM "{table}"').fetchone()[0] or 0


def inserted_ids(kind_name, codes, since):
    """{folded code: id} of the rows of these codes with an id above `since`: the rows this
    transaction has just inserted, read in one range of the primary key."""
    kind = KINDS[kind_name]
    table, key = _names(kind)
    codes = {fold(code) for code in codes}
    rows = db.execute_sql(f'SELECT {key}, "id" FROM {table} WHERE "id" > {db.obj.param}', (since,))
    return {fold(code): ident for code, ident in rows if fold(code) in codes}


def new_ids(model, since, count):
    """The first `count` ids above `since`, in order: those of the rows this transaction inserted
    after `since` was the highest, in the order it inserted them (it holds the write lock)."""
    table = model._meta.table_name
    return [ident for (ident,) in db.execute_sql(
        f'SELECT "id" FROM "{table}" WHERE "id" > {db.obj.param} ORDER BY "id" LIMIT {int(count)}',
        (since,))]


def _names(kind):
    """The quoted table and key column of a single-key kind."""
    column = kind.model._meta.fields[kind.key[0]].column_name
    return f'"{kind.model._meta.table_name}"', f'"{column}"'


def _marks(values):
    return ", ".join([db.obj.param] * len(values))


def _worth_scanning(model, wanted, total=None):
    """Whether one read of the whole table beats asking for `wanted` a chunk at a time.

    Building a query of thousands of parameters costs more than the database's work, so a
    large import into a table of similar size reads the table once and picks in Python.
    """
    if len(wanted) <= CHUNK:
        return False
    return len(wanted) * 4 >= (model.select().count() if total is None else total)


def scalar_columns(kind):
    """{field name: the column a file's cell is read from}: the field itself, or for a reference
    the referred row's code, through an alias of its table (see scalar_query)."""
    columns = {}
    for name in kind.scalars:
        if name in kind.refs:
            target = KINDS[kind.refs[name]]
            columns[name] = getattr(target.model.alias(), target.key[0])
        else:
            columns[name] = getattr(kind.model, name)
    return columns


def scalar_query(kind, columns):
    """A select of the kind's id and its `columns` (scalar_columns) in the order of its scalars,
    each referred row joined (left: a reference may be empty)."""
    model = kind.model
    select = model.select(model.id, *(columns[name] for name in kind.scalars))
    for name in kind.scalars:
        if name in kind.refs:
            alias = columns[name].source
            select = select.join_from(model, alias, join_type=JOIN.LEFT_OUTER,
                                      on=(getattr(model, name) == alias.id))
    return select


def stored_rows(kind, firsts=None, total=None):
    """(id, values) of a kind's stored rows, values by field as a file holds them (codes, lists).

    With `firsts`, only the rows whose first key field is one of them; else every row, by id.
    `total`: the table's rows, when the caller has counted them.
    """
    model = kind.model
    columns = scalar_columns(kind)
    query = functools.partial(scalar_query, kind, columns)
    if firsts is not None:
        firsts = {fold(code) for code in firsts}
    scan = firsts is None or _worth_scanning(model, firsts, total)
    if scan:
        batches = [query().order_by(model.id)]
    else:
        first = columns[kind.key[0]]
        batches = (query().where(fn.UPPER(first).in_(chunk)) for chunk in chunked(firsts, CHUNK))
    found = [(row[0], dict(zip(kind.scalars, row[1:])))
             for select in batches for row in select.tuples()]
    if firsts is not None:
        found = [(ident, values) for ident, values in found if fold(values[kind.key[0]]) in firsts]
    for name, link in kind.links.items():
        lists = _link_codes(link, None if firsts is None else [ident for ident, _ in found])
        for ident, values in found:
            values[name] = lists.get(ident, [])
    return found


def existing(kind, keys):
    """{key: (id, compared values, values)} of the stored rows with these natural keys.

    For many rows of a kind keyed by one code of its own, the table is first asked which of the
    codes it holds: new rows, the most of a large import, cost no read of stored values.
    """
    wanted = set(keys)
    firsts = {key[0] for key in keys}
    total = None
    if len(kind.key) == 1 and kind.key[0] not in kind.refs and len(firsts) > CHUNK:
        # the highest id stands for the count (read in an index's last page, not a whole index:
        # an import asks for each chunk); it decides only between a scan and lists of codes
        total = highest_id(kind.model)
        firsts = set(lookup(kind.name, firsts, total))
        if not firsts:
            return {}
    found = {}
    for ident, values in stored_rows(kind, firsts, total):
        key = key_of(kind, values)
        if key in wanted:
            found[key] = (ident, compared(kind, values), values)
    return found


def _link_codes(link, owner_ids):
    """{owner id: [codes in order]} of a link table, for these owners or (None) for all."""
    target = KINDS[link.kind]
    owner = getattr(link.model, link.owner)
    code = getattr(target.model, target.key[0])
    order = link.model.position if link.ordered else link.model.id

    def query():
        return (link.model.select(owner, code)
                .join(target.model, on=(getattr(link.model, link.target) == target.model.id))
                .order_by(owner, order))

    scan = owner_ids is None or _worth_scanning(link.model, owner_ids)
    selects = ([query()] if scan
               else (query().where(owner.in_(chunk)) for chunk in chunked(owner_ids, CHUNK)))
    wanted = None if owner_ids is None else set(owner_ids)
    lists = defaultdict(list)
    for select in selects:
        for ident, value in select.tuples():
            if wanted is None or ident in wanted:
                lists[ident].append(value)
    return lists


def compared(kind, values):
    """A row's values as compared to tell an update from an unchanged row: codes that name other
    rows without regard to case, lists as tuples."""
    def one(name, value):
        if name in kind.links:
            return tuple(fold(code) for code in value or ())
        return fold(value) if name in kind.refs else value
    return tuple(one(name, values.get(name)) for name in kind.values_fields)
