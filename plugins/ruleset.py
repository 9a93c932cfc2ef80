"""What a rule set is and what it returns: score lines, vetoes and flags, with exact amounts."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from marshmallow import Schema

ZERO = Decimal("0.00")


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

    ``points`` and ``yuan`` are :class:`decimal.Decimal`; never floats. ``ref`` names the source
    row (e.g. ``adoption:12``) so that two runs' lines can be paired.
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


class RuleSet(ABC):
    """A scoring rule set. Subclass it, set the attributes, implement :meth:`compute`.

    - ``name``: the code name used in schemes and commands (``provincial``);
    - ``title``: the Chinese title shown to users;
    - ``version``: bump it whenever the rules change; every run records it;
    - ``description``: a paragraph for the panel;
    - ``params_schema``: a marshmallow Schema of the parameters; every field has a default and
      ``metadata`` with ``label`` (Chinese), ``unit`` (分, 元, 小时…) and ``source`` (where the
      value comes from). Build fields with :mod:`plugins.params`.
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

        ``data`` is a :class:`core.data.PeriodData`: the scheme's units and the period's items,
        adoptions, instructions, urgent reports, facts, targets and solicitations, each loaded
        in one batch on first use. ``params`` is the loaded parameter dict.

        Return (or yield) :class:`Line`, :class:`Veto` and :class:`Flag` objects.
        """

    def __repr__(self):
        return f"<RuleSet {self.name} {self.version}>"
