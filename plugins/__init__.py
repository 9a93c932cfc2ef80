"""Kaohe's plugin contract, the one public API for rule-set authors.

Everything a rule set needs is importable from here: the hook marker, the rule-set base class,
what a rule set returns (lines, vetoes, flags, tallies), the building blocks of its parameter
schema, and the domain's words and rules it scores by (levels, forms, categories, severities;
`is_adopted`; exact amounts with `money` and `fmt`; the schemes' clock `now`), and `say` for
messages the panel can show in English. The definitions live in the scoring layer (``kaohe.core.scoring``); this module names them.
"""

from pluggy import HookimplMarker

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.params import (
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
from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import Sentence, listing, say
from kaohe.core.domain.vocab import (
    CATEGORIES,
    FORMS,
    FORMS_SHORT,
    LEVELS,
    SEVERITIES,
    UNIT_KINDS,
    URGENT_DEADLINE_HOURS,
    URGENT_FAILURES,
    ZERO,
    fmt,
    is_adopted,
    money,
)
from kaohe.core.scoring.contract import Flag, Line, RuleSet, Tally, Veto
from kaohe.core.scoring.rules.award_kinds import VetoByCount
from kaohe.core.scoring.rules.conditions import Condition, Match, condition, words
from kaohe.core.scoring.rules.count_kinds import PeriodQuota, SubmissionPoints
from kaohe.core.scoring.rules.fact_kinds import UnitFact
from kaohe.core.scoring.rules.item_kinds import InstructionPoints, ItemPoints, SolicitationPoints
from kaohe.core.scoring.rules.kind import Rule, RuleKind, RulesState
from kaohe.core.scoring.rules.piece_kinds import CombinedPiece
from kaohe.core.scoring.rules.scheme_rules import Preset, SchemeRules
from kaohe.core.scoring.rules.sources import (
    adoption_lines,
    adoption_words,
    bare_name,
    date_words,
    first_instructions,
    instruction_lines,
    leader_words,
    tallied_lines,
    time_words,
)
from kaohe.core.scoring.rules.total_kinds import (
    BandedConversion,
    BaseFloor,
    Cap,
    PercentDeduction,
    PerItemAverage,
    PointsTarget,
    ZeroOut,
)
from kaohe.core.scoring.rules.unit_kinds import Adjustment, AdoptionWatch, Quota, RateThreshold
from kaohe.core.scoring.rules.urgent_kinds import UrgentItemDeduction, UrgentReports, failures_of

hookimpl = HookimplMarker("kaohe")

__all__ = [
    "hookimpl", "RuleSet", "Line", "Veto", "Flag", "Tally",
    "is_adopted", "KaoheError", "now", "money", "fmt", "ZERO",
    # messages a surface may say in its reader's language (docs/plugins.md, "Messages")
    "say", "listing", "Sentence",
    "LEVELS", "FORMS", "FORMS_SHORT", "CATEGORIES", "SEVERITIES", "UNIT_KINDS",
    "URGENT_DEADLINE_HOURS", "URGENT_FAILURES",
    "ParamsSchema", "choice", "flag", "grid", "integer", "joint_split", "points", "records", "table",
    # rules as data: the kinds' base, conditions, the scheme's rule set, the built-in kinds
    "RuleKind", "Rule", "RulesState", "SchemeRules", "Preset", "Condition", "Match", "condition", "words",
    "ItemPoints", "InstructionPoints", "SolicitationPoints", "Quota", "Adjustment", "RateThreshold",
    "AdoptionWatch", "CombinedPiece", "UnitFact", "VetoByCount", "UrgentReports",
    "UrgentItemDeduction", "failures_of", "SubmissionPoints", "PeriodQuota",
    "BaseFloor", "Cap", "ZeroOut", "PercentDeduction", "PerItemAverage", "BandedConversion",
    "PointsTarget",
    # the events rules score, walked once, and their words
    "adoption_lines", "adoption_words", "bare_name", "date_words", "first_instructions",
    "instruction_lines", "leader_words", "tallied_lines", "time_words",
]

# The period's data and its rows, periods, schemes and command output (plugins/api.py).
from kaohe.plugins.api import *  # noqa: E402,F401,F403
from kaohe.plugins.api import __all__ as _api

__all__ += [name for name in _api if name not in __all__]
