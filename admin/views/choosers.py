"""The searchable choosers of the data forms: items, units, reporters and publications, scoped by role."""

from flask_babel import lazy_gettext as L
from flask_login import current_user

from kaohe.core.storage.models import Item, ItemUnit, Publication, Reporter, Unit

from .common import aside, publication_label
from .inputs import Chooser


def _reporter_unit():
    """The unit a logged-in unit reporter belongs to, or None for staff."""
    if current_user.is_authenticated and current_user.is_reporter:
        return current_user.unit_id
    return None


def _own_units(query):
    unit = _reporter_unit()
    return query if unit is None else query.where(Unit.id == unit)


def _own_reporters(query):
    unit = _reporter_unit()
    return query if unit is None else query.where(Reporter.unit == unit)


def _own_items(query):
    unit = _reporter_unit()
    if unit is None:
        return query
    return query.where(Item.id.in_(ItemUnit.select(ItemUnit.item).where(ItemUnit.unit == unit)))


class UnitChooser(Chooser):
    def format(self, model):
        return (model.id, f"{model.code} {model.name}") if model else None


class ReporterChooser(Chooser):
    def _query(self):
        return super()._query().join(Unit).switch(Reporter)

    def format(self, model):
        return (model.id, f"{model.code} {model.name}{aside(model.unit.name)}") if model else None


class PublicationChooser(Chooser):
    def format(self, model):
        if not model:
            return None
        return model.id, f"{model.code} {publication_label(model)}"


def units(name):
    """Units by code or name; a unit reporter finds only their own unit."""
    return UnitChooser(name, Unit, (Unit.code, Unit.name), scope=_own_units, order=(Unit.code,),
                       placeholder=L("输入单位代码或名称搜索"))


def reporters(name):
    """Reporters by code, name or their unit's name; a unit reporter finds their unit's only."""
    return ReporterChooser(name, Reporter, (Reporter.code, Reporter.name, Unit.name),
                           scope=_own_reporters, order=(Reporter.code,),
                           placeholder=L("输入信息员编号、姓名或单位搜索"))


def items(name):
    """Items by number or title, newest first; a unit reporter finds their unit's items only."""
    return Chooser(name, Item, (Item.no, Item.title), scope=_own_items,
                   order=(Item.submitted_on.desc(), Item.no), placeholder=L("输入稿件编号或标题搜索"))


def publications(name):
    """Publications by code or name."""
    return PublicationChooser(name, Publication, (Publication.code, Publication.name),
                              order=(Publication.code,), placeholder=L("输入刊物代码或名称搜索"))
