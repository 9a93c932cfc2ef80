"""Making an import's records into database values, and writing many rows at once by id."""

from itertools import islice

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from kaohe.core.exchange.kinds import fold
from kaohe.core.storage.db import chunked, db, is_postgres
from kaohe.core.storage.models import JSONField


def row_maker(kind, names, batch):
    """A function giving a record's database values of `names` (codes resolved to ids), as a tuple.

    Made once per kind and write: a million rows pay one loop each, not a lookup per field, and
    the values that repeat (dates, words, empty tag lists) are converted once.
    """
    fields_ = kind.model._meta.fields
    steps = [(name, _remembered(fields_[name]),
              batch.ids[kind.refs[name]] if name in kind.refs else None)
             for name in names]

    def make(record):
        data = record.data
        values = []
        for name, db_value, ids in steps:
            value = data.get(name)
            if ids is not None and value is not None:
                value = ids[fold(value)]
            values.append(db_value(value))
        return tuple(values)
    return make


_UNREMEMBERED = (CharField, TextField, IntegerField, ForeignKeyField)


def _remembered(model_field):
    """The field's db_value, remembering what it gave for the last few thousand values
    (text and numbers, which seldom repeat or cost nothing to convert, are not remembered)."""
    db_value = model_field.db_value
    if isinstance(model_field, _UNREMEMBERED) and not isinstance(model_field, JSONField):
        return db_value
    memo = {}

    def convert(value):
        key = (value.__class__, tuple(value) if value.__class__ is list else value)
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # a list holding unhashable values
            return db_value(value)
        if len(memo) >= 4096:
            memo.clear()
        memo[key] = result = db_value(value)
        return result
    return convert


def bulk_update(model, names, rows, batch=5000):
    """Update many rows by id: `rows` are tuples of the `names` values followed by the id."""
    if not rows:
        return 0
    table = model._meta.table_name
    assignments = ", ".join(f'"{model._meta.fields[n].column_name}" = {db.obj.param}' for n in names)
    sql = f'UPDATE "{table}" SET {assignments} WHERE "id" = {db.obj.param}'
    cursor = db.cursor()
    for chunk in chunked(rows, batch):
        if is_postgres():
            from psycopg2.extras import execute_batch
            execute_batch(cursor, sql, chunk, page_size=len(chunk))
        else:
            cursor.executemany(sql, chunk)
    return len(rows)


WRITTEN = 5000  # rows made into database values and inserted at a time


def slices(rows):
    """`rows` (a list or an iterator) in lists of WRITTEN: what is written never waits all together."""
    rows = iter(rows)
    while chunk := list(islice(rows, WRITTEN)):
        yield chunk
