"""The data pages' list filters and column formatters: vocabulary words, yes/no, unit and pool choices."""



from flask_admin.contrib.peewee import filters as pf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as L

from kaohe.admin.views.common import pool_label
from kaohe.core.storage.models import (
    Adoption,
    ItemUnit,
    Publication,
    Unit,
    adopted,
)


def vocabulary_word(vocabulary):
    """A formatter showing a code's translated Chinese label."""
    def show(view, context, model, name):
        code = getattr(model, name)
        return _(vocabulary[code]) if code in vocabulary else (code or "")
    return show


def yes_no(view, context, model, name):
    return _("是") if getattr(model, name) else _("否")


def vocabulary_options(vocabulary):
    return lambda: [(code, _(label)) for code, label in vocabulary.items()]


def unit_options():
    return [(str(u.id), f"{u.code} {u.name}") for u in Unit.select().order_by(Unit.code)]


def pool_options():
    return [(p.pool, pool_label(p.pool)) for p in Unit.select(Unit.pool).distinct().order_by(Unit.pool)]


class ItemOfUnit(pf.BasePeeweeFilter):
    """Items (or rows of an item) reported by one unit, joint reports included."""

    def apply(self, query, value):
        items = ItemUnit.select(ItemUnit.item).where(ItemUnit.unit == int(value))
        return query.where(self.column.in_(items))

    def operation(self):
        return L("是")


class ItemAdoptedAt(pf.BasePeeweeFilter):
    """Items adopted at least once at a publication level."""

    def apply(self, query, value):
        items = (Adoption.select(Adoption.item).join(Publication)
                 .where((Publication.level == value) & adopted(Adoption)))
        return query.where(self.column.in_(items))

    def operation(self):
        return L("有采用")


class ItemAdoptedAs(pf.BasePeeweeFilter):
    """Items adopted at least once in a form."""

    def apply(self, query, value):
        return query.where(self.column.in_(Adoption.select(Adoption.item).where(Adoption.form == value)))

    def operation(self):
        return L("有")


class ByPublicationLevel(pf.BasePeeweeFilter):
    def apply(self, query, value):
        return query.where(self.column.in_(Publication.select(Publication.id)
                                           .where(Publication.level == value)))

    def operation(self):
        return L("等于")
