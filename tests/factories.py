"""Small builders for test data: each call makes one row with sensible defaults, by code name."""

import datetime
import itertools

from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
)

_seq = itertools.count(1)


def day(text):
    return datetime.date.fromisoformat(text)


def moment(text):
    return datetime.datetime.fromisoformat(text)


def unit(code, name=None, kind="county", pool=None, sector=None, parent=None):
    return Unit.create(code=code, name=name or code, kind=kind, pool=pool or kind, sector=sector,
                       parent=parent)


def reporter(code, unit_, name=None):
    return Reporter.create(code=code, name=name or code, unit=unit_)


def publication(code, level, name=None, issuer=None):
    return Publication.create(code=code, name=name or code, level=level, issuer=issuer)


def item(units, submitted_on="2025-03-01", no=None, title=None, category="news", negative=False,
         authors=(), solicitation=None, state="accepted"):
    """An item of one unit or, with several, a joint report; `authors` are Reporter rows.

    Accepted unless `state` says otherwise (pending 待审核, returned 退回修改)."""
    units = units if isinstance(units, (list, tuple)) else [units]
    no = no or f"T{next(_seq):06d}"
    row = Item.create(no=no, title=title or f"稿件{no}", submitted_on=day(submitted_on),
                      category=category, negative=negative, solicitation=solicitation, state=state)
    for position, u in enumerate(units):
        ItemUnit.create(item=row, unit=u, position=position)
    for position, r in enumerate(authors):
        ItemAuthor.create(item=row, reporter=r, position=position)
    return row


def adoption(item_, publication_, adopted_on="2025-03-10", form="full", issue=None):
    return Adoption.create(item=item_, publication=publication_, adopted_on=day(adopted_on),
                           form=form, issue=issue if issue is not None else f"{next(_seq)}")


def instruction(item_, leader_level, instructed_on="2025-03-15", leader="某领导"):
    return Instruction.create(item=item_, leader_level=leader_level, instructed_on=day(instructed_on),
                              leader=leader)


def urgent(unit_, severity, occurred_at, reported_at=None, status="reported", misreported=False,
           reporter_=None, no=None, title="突发事件"):
    return UrgentReport.create(no=no or f"U{next(_seq):06d}", unit=unit_, title=title,
                               severity=severity, occurred_at=moment(occurred_at),
                               reported_at=moment(reported_at) if reported_at else None,
                               status=status, misreported=misreported, reporter=reporter_)


def fact(unit_, kind, value, year=2025):
    return UnitFact.create(unit=unit_, year=year, kind=kind, value=str(value))


def target(unit_, submit_target, adopt_target=0, year=2025):
    return Target.create(unit=unit_, year=year, submit_target=submit_target, adopt_target=adopt_target)


def solicitation(units, due_on, issued_on="2025-01-05", no=None, title="约稿"):
    units = units if isinstance(units, (list, tuple)) else [units]
    row = Solicitation.create(no=no or f"S{next(_seq):06d}", title=title, issued_on=day(issued_on),
                              due_on=day(due_on))
    for u in units:
        SolicitationUnit.create(solicitation=row, unit=u)
    return row


_schemes = itertools.count(1)


def scheme(registry, rulesets, year=2025, **params):
    """A scheme over every unit with `rulesets` enabled and parameters set by keyword.

    A double underscore in a keyword stands for a dot in the path:
    ``scheme(registry, ["provincial"], provincial__adoption__city__full="6")``.
    """
    from kaohe.core.storage.schemes import create_scheme, set_param
    created = create_scheme(registry, f"测试方案{next(_schemes)}", year, list(rulesets))
    for path, value in params.items():
        set_param(registry, created, path.replace("__", "."), value, reason="测试")
    return created
