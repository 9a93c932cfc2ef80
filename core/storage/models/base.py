"""The models' ground: the base classes, exact amount and JSON columns, vocabulary choices."""

import json

from peewee import (
    SQL,
    BigIntegerField,
    IntegerField,
    Model,
    TextField,
)

from kaohe.core.domain.vocab import (
    from_cents,
    to_cents,
)
from kaohe.core.storage.db import db


def choices(vocabulary):
    return [(code, label) for code, label in vocabulary.items()]


class AmountField(BigIntegerField):
    """An exact amount (points or 元) with two places, stored as whole hundredths.

    Hundredths in an integer column sum exactly in SQL on every backend, where SQLite would
    turn a DECIMAL column into floating point.
    """

    def db_value(self, value):
        if value is None:
            return None
        return to_cents(value)

    def python_value(self, value):
        if value is None:
            return None
        return from_cents(value)


class JSONField(TextField):
    """A JSON document in a text column (portable across SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class DataModel(BaseModel):
    """A row of the data scores depend on: versioned, and every save and delete on record.

    `version` goes up by one on each update; a save whose `version` is not the stored one was
    made on a stale copy and is refused. Saving and deleting record the change in the audit log,
    in the same transaction. Both are core/storage/changes.py's, which `recorder` names: the
    storage package installs it on import, so no writer can go around it.
    """
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")], verbose_name="版本")
    recorder = None  # core/storage/changes.py (before_save, after_save, before_delete)

    def save(self, force_insert=False, only=None):
        recorder = DataModel.recorder
        if only is not None:  # a partial save still moves the version
            only = list(only) + [type(self).version]
        with self._meta.database.atomic():
            before = recorder.before_save(self, force_insert)
            result = super().save(force_insert=force_insert, only=only)
            recorder.after_save(self, before)
        return result

    def delete_instance(self, recursive=False, delete_nullable=False):
        with self._meta.database.atomic():
            DataModel.recorder.before_delete(self)
            return super().delete_instance(recursive=recursive, delete_nullable=delete_nullable)
