"""What a rule set is and what it returns: score lines, vetoes and flags, with exact amounts."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from marshmallow import Schema

ZERO = Decimal("0.00")


# The largest amount (points or 元) one line may carry, either way: a million such lines still
# add up within the stored hundredths (a signed 64-bit integer).
MAX_AMOUNT = Decimal(1_000_000_000)


@dataclass(slots=True)
class Line:
    """Points or 元 given for one reason, with the Chinese sentence that says why.

    Who receives it:
    - ``item`` alone: the item's units, split as the rule set's ``joint_split`` parameter says
      (``equal`` by default); the same points are also shared among the item's authors for the
      individual ranking;
    - ``item`` with ``to_authors=True``: the item's authors, split equally (a line per reporter);
    - ``unit``: that unit alone (``item`` may name the item it concerns);
    - ``reporter``: that reporter alone.

    ``points`` and ``yuan`` are :class:`decimal.Decimal`; never floats; each at most
    ``MAX_AMOUNT`` either way (a larger one fails the run with a message naming the rule set).
    ``ref`` names the source row (e.g. ``adoption:12``) so that two runs' lines can be paired.
    """
    rule: str
    explanation: str
    points: Decimal = ZERO
    yuan: Decimal = ZERO
    item: int | None = None
    unit: int | None = None
    reporter: int | None = None
    to_authors: bool = False
    ref: str = ""


@dataclass(slots=True)
class Veto:
    """A disqualification from the scheme year's awards (一票否决), of a unit or a reporter."""
    rule: str
    explanation: str
    unit: int | None = None
    reporter: int | None = None
    ref: str = ""


@dataclass(slots=True)
class Flag:
    """A warning shown with a unit's results; it carries no points."""
    rule: str
    explanation: str
    unit: int | None = None
    ref: str = ""


@dataclass(slots=True)
class Tally:
    """``count`` item lines of the same points, counted instead of listed (for previews only).

    What ``count`` lines ``Line(rule, …, points, yuan, item=…)`` would give one receiver:
    - ``unit``: a unit among the ``share_of`` units that reported each of those items; it
      gets its share of each line as ``joint_split`` says (``equal``: points ÷ ``share_of``,
      rounded half up to the cent, as for a line);
    - ``reporter``: an author (of a member unit) among the ``authors`` authors of each item; it
      gets points ÷ ``authors`` (rounded half up) of each line, as authors do for a line.

    One Tally names a unit or a reporter, not both: the units' tallies and the authors' tallies
    of the same lines are given separately. See :meth:`RuleSet.tallies`.
    """
    rule: str
    points: Decimal
    count: int
    unit: int | None = None
    share_of: int = 1
    reporter: int | None = None
    authors: int = 1
    yuan: Decimal = ZERO


class RuleSet(ABC):
    """A scoring rule set. Subclass it, set the attributes, implement :meth:`compute`.

    - ``name``: the code name used in schemes and commands (``provincial``);
    - ``title``: the Chinese title shown to users;
    - ``version``: bump it whenever the rules change; every run records it;
    - ``description``: a paragraph for the panel;
    - ``params_schema``: a marshmallow Schema of the parameters; every field has a default and
      ``metadata`` with ``label`` (Chinese), ``unit`` (分, 元, 小时…) and ``source`` (where the
      value comes from). Build fields with :mod:`kaohe.core.domain.params`.
    """

    name = ""
    title = ""
    version = "1"
    description = ""
    params_schema = Schema

    def default_params(self):
        """The parameter values a fresh scheme starts with, as loaded Python values."""
        return self.params_schema().load({})

    def load_params(self, stored):
        """Validate stored (JSON) parameter values and return them as Python values."""
        return self.params_schema().load(stored or {})

    def dump_params(self, values):
        """Turn loaded parameter values back into JSON-ready values."""
        return self.params_schema().dump(values)

    @abstractmethod
    def compute(self, data, params):
        """Score one period.

        ``data`` is a :class:`kaohe.core.reads.data.PeriodData`: the scheme's units and the period's items,
        adoptions, instructions, urgent reports, facts, targets and solicitations, each loaded
        in one batch on first use. ``params`` is the loaded parameter dict.

        Return (or yield) :class:`Line`, :class:`Veto` and :class:`Flag` objects.
        """

    def tallies(self, data, params):
        """Optional: the totals of :meth:`compute` without a line per item, for previews.

        A preview needs each unit's and reporter's totals, not the lines that explain them. At a
        province's scale reading every adoption row costs seconds, while counting them in SQL
        (``data.tally`` and the ready-made ``data.adoption_tally``…) costs a fraction of that.
        Return ``None`` (the default) to be previewed through :meth:`compute`; else return (or
        yield) :class:`Tally` objects for the item lines, and :class:`Line`, :class:`Veto` and
        :class:`Flag` objects for everything else, so that every unit's and reporter's total
        equals, to the cent, what :meth:`compute`'s results give. A rule set may return ``None``
        for some parameter values only (e.g. when only the best adoption of an item counts).
        """
        return None

    def rule_labels(self, params):
        """Optional: {rule name: its label in the clerk's words} for the rules its lines carry
        (``Line.rule``), so that exports say 采用计分 rather than ``adoption``; {} by default."""
        return {}

    def __repr__(self):
        return f"<RuleSet {self.name} {self.version}>"
