"""What a calculation produces: each unit's and reporter's totals, the outcome of a run, the stored line's columns."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kaohe.core.domain.vocab import (
    TIE_BREAK_TIERS,
    ZERO,
)

RATE_PLACES = Decimal("0.0001")


def adoption_rate(adopted, submitted):
    """采用率: adopted items / submitted items, four places (0.0313 is 3.13%), half up; 0 when none."""
    if not submitted:
        return Decimal("0.0000")
    return (Decimal(adopted) / Decimal(submitted)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


TIER_OF_LEVEL = {level: tier for tier, _label, levels in TIE_BREAK_TIERS for level in levels}


@dataclass(kw_only=True)
class Standing:
    """Where a unit or a reporter stands once ranked: its place, a veto, an award, a grade."""
    rank: int = 0
    vetoed: bool = False
    veto_reason: str = ""
    award_rank: int | None = None
    award_note: str = ""
    grade: str = ""  # the scheme's word for the result (优, 达标, 一等奖), where it grades


@dataclass
class UnitTotal(Standing):
    """One unit's result in a run (before or after storing)."""
    unit: int
    code: str
    name: str
    pool: str
    points: Decimal = ZERO
    yuan: Decimal = ZERO
    submitted: int = 0
    adopted: int = 0
    adoption_rate: Decimal = Decimal("0.0000")
    national: int = 0
    provincial: int = 0
    city: int = 0
    tie_break: str = ""
    converted: Decimal | None = None


@dataclass
class ReporterTotal(Standing):
    """One reporter's result in a run."""
    reporter: int
    code: str
    name: str
    unit: int
    points: Decimal = ZERO
    yuan: Decimal = ZERO


@dataclass
class Outcome:
    """Everything a recalculation computed; `run` is set once it is stored."""
    scheme: object
    period: object
    version: object
    units: dict  # unit id -> UnitTotal
    reporters: dict  # reporter id -> ReporterTotal
    lines: list  # tuples in STORED_LINE order
    ruleset_versions: dict
    fingerprint: str
    seconds: float = 0.0
    run: object = None
    warnings: list = field(default_factory=list)  # e.g. two rules scoring the same adoption

    def ranking(self, pool=None):
        rows = sorted(self.units.values(), key=lambda u: (u.pool, u.rank))
        return [u for u in rows if pool is None or u.pool == pool]


# The columns of a stored score line, in the order the engine builds them.
STORED_LINE = ("unit", "reporter", "item", "ruleset", "rule", "kind", "points", "yuan", "ref",
               "explanation")
