"""The concepts a rule author needs beside the rule-set contract and the domain's words: the
period's data and its rows, periods, schemes and output for a plugin's own commands.

Import them from ``kaohe.plugins`` (this module is how it names them); everything else in Kaohe
is internal and may change between versions.
"""

from collections.abc import Iterator

import click

from kaohe.core.domain.periods import Period, parse_period
from kaohe.core.domain.text import echo_json, render_table
from kaohe.core.domain.vocab import is_adopted
from kaohe.core.reads.data import PeriodData
from kaohe.core.reads.rows import (
    AdjustmentRow,
    AdoptionRow,
    InstructionRow,
    ItemRow,
    PublicationRow,
    ReporterRow,
    TargetRow,
    UnitRow,
    UrgentRow,
)
from kaohe.core.storage.models import Scheme
from kaohe.core.storage.schemes import create_scheme, current_version, get_scheme, save_config, with_value


def first_adoptions(data: PeriodData) -> Iterator[tuple[ItemRow, AdoptionRow]]:
    """Each item first adopted in the period, once, with that first adoption.

    This is the loop to write for "points per adopted item". ``data.adoptions`` holds every
    adoption row dated in the period: a forward (上报, `is_adopted` is false) is not an adoption,
    an item adopted by two publications has two rows, and an item first adopted before the
    period may be adopted again in it. Looping over ``data.adoptions`` counts all three.

    >>> for item, adoption in first_adoptions(data):
    ...     if item.category == "proposal":
    ...         yield Line("proposal", "建议类信息被采用，计2分", points=Decimal(2), item=item.id)
    """
    seen = set()
    for adoption in data.adoptions:
        if adoption.item in seen or not is_adopted(adoption.form):
            continue
        if data.first_adoption_on.get(adoption.item) != adoption.adopted_on:
            continue  # adopted before the period (or this is not its first day)
        seen.add(adoption.item)
        yield data.items[adoption.item], adoption


def list_schemes() -> list:
    """Every scheme, the latest year first (each has `name`, `title`, `year`, `id`)."""
    return list(Scheme.select().order_by(Scheme.year.desc(), Scheme.id))


def current_registry():
    """The plugin registry of the running `kaohe` command (inside a plugin's command)."""
    context = click.get_current_context()
    return context.find_root().obj.registry


__all__ = [
    "PeriodData", "ItemRow", "AdoptionRow", "InstructionRow", "UrgentRow", "AdjustmentRow",
    "TargetRow", "UnitRow", "ReporterRow", "PublicationRow", "first_adoptions",
    "Period", "parse_period",
    "list_schemes", "get_scheme", "create_scheme", "current_version", "save_config",
    "with_value", "current_registry", "echo_json", "render_table",
]
