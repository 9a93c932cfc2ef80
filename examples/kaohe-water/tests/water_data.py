"""Small builders for the water plugin's tests: one row per call, with sensible defaults."""

import datetime
import itertools

from kaohe.core.storage.models import Adoption, Item, ItemAuthor, ItemUnit, Publication, Reporter, Unit

_seq = itertools.count(1)


def unit(code, name=None, kind="bureau"):
    return Unit.create(code=code, name=name or code, kind=kind, pool=kind)


def reporter(code, unit_, name=None):
    return Reporter.create(code=code, name=name or code, unit=unit_)


def publication(code, level, name=None):
    return Publication.create(code=code, name=name or code, level=level)


def item(units, submitted_on="2025-03-03", authors=(), no=None):
    units = units if isinstance(units, (list, tuple)) else [units]
    no = no or f"SL{next(_seq):05d}"
    row = Item.create(no=no, title=f"稿件{no}", submitted_on=datetime.date.fromisoformat(submitted_on),
                      category="news", negative=False)
    for position, u in enumerate(units):
        ItemUnit.create(item=row, unit=u, position=position)
    for position, r in enumerate(authors):
        ItemAuthor.create(item=row, reporter=r, position=position)
    return row


def adoption(item_, publication_, adopted_on="2025-03-12", form="full"):
    return Adoption.create(item=item_, publication=publication_,
                           adopted_on=datetime.date.fromisoformat(adopted_on), form=form,
                           issue=str(next(_seq)))


def items_per_week(unit_, mondays, per_week=2):
    """`per_week` items submitted on each of `mondays` (ISO dates)."""
    return [item(unit_, monday) for monday in mondays for _ in range(per_week)]
