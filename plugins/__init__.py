"""Kaohe's plugin contract, the one public API for rule-set authors.

Everything a rule set needs is importable from here: the hook marker, the rule-set base class,
what a rule set returns (lines, vetoes, flags, tallies) and the building blocks of its parameter
schema. The definitions live in the scoring layer (``kaohe.core.scoring``); this module names them.
"""

from pluggy import HookimplMarker

from kaohe.core.domain.vocab import is_adopted
from kaohe.core.scoring.contract import Flag, Line, RuleSet, Tally, Veto
from kaohe.core.scoring.params import (
    ParamsSchema,
    choice,
    flag,
    grid,
    integer,
    joint_split,
    points,
    records,
    table,
)

hookimpl = HookimplMarker("kaohe")

__all__ = [
    "hookimpl", "RuleSet", "Line", "Veto", "Flag", "Tally",
    "is_adopted",
    "ParamsSchema", "choice", "flag", "grid", "integer", "joint_split", "points", "records", "table",
]
