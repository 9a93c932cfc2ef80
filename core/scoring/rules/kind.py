"""What a rule kind is: a named, labelled parameter schema and the lines one configured rule of it gives."""

from abc import ABC, abstractmethod
from collections import defaultdict

from kaohe.core.domain.params import ParamsSchema
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import ZERO, fmt

UNITS = {"分": "points", "元": "yuan"}


class RuleKind(ABC):
    """A kind of rule an office configures by parameters (计分规则类型).

    - ``name``: the code name a rule row gives as its ``kind`` (``item_points``);
    - ``title``: the Chinese name the panel shows; ``description``: a paragraph for the panel;
    - ``params_schema``: a :class:`ParamsSchema` of the row's parameters, every field with a
      default and ``metadata`` ``label``/``unit``/``source`` (see :mod:`kaohe.core.domain.params`);
    - :meth:`lines`: the :class:`Line`, :class:`Veto` and :class:`Flag` objects of one rule row.

    A total-level kind (``total_level = True``: floors, caps, averages) reads the rows before it
    through ``state`` and gives the unit lines that correct their sum. A kind that reads what
    the rows before it gave each whole item (``state.item_totals``) sets ``reads_item_totals``.
    """

    name = ""
    title = ""
    description = ""
    total_level = False
    # Whether lines() reads what the rows before it gave (``state``'s sums, counts, item totals):
    # the engine keeps those sums only while a later row may read them. A kind that never
    # does (a points table, a quota) says False; the default is the safe True.
    reads_state = True
    reads_item_totals = False  # True: its lines read what the rows before gave each item
    params_schema = ParamsSchema

    @abstractmethod
    def lines(self, data, rule, state):
        """Score one period for one rule row.

        ``data`` is the period's :class:`PeriodData`; ``rule`` a :class:`Rule` (its ``params``
        loaded with ``params_schema``); ``state`` the :class:`RulesState` of the rows before it.
        Each line's ``rule`` should be ``rule.name`` (the engine keeps it so).
        """

    def tallies(self, data, rule):
        """Optional: the totals of :meth:`lines` counted in SQL for previews, or None.

        The built-in kinds derive them from the row's declaration (a points table becomes a
        count per key that the table prices); a kind that returns None is previewed through
        :meth:`lines`. The engine checks the two against each other (``kaohe plugins check``).
        """
        return None

    def __repr__(self):
        return f"<RuleKind {self.name}>"


class Rule:
    """One configured rule row: its kind, its own name and label, the article it rests on, its parameters."""

    __slots__ = ("kind", "name", "label", "source", "unit", "params", "_words")

    def __init__(self, kind, name, label, source, unit, params):
        self.kind, self.name, self.label, self.source = kind, name, label, source
        self.unit, self.params = unit, params
        self._words = {}

    def amount(self, value):
        """(points, yuan) of an amount in the rule's unit (分 or 元)."""
        return (ZERO, value) if self.unit == "元" else (value, ZERO)

    def words(self, value):
        """20分, 100元: a Sentence whose unit is a word (20 points), made once per amount."""
        said = self._words.get(value)
        if said is None:
            said = self._words[value] = say("{amount}{unit}", amount=fmt(value), unit=self.unit)
        return said


class RulesState:
    """What the rows so far gave each member unit: its sums by rule row, deductions and gates.

    Item lines are counted in each member unit's share, as the distribution hands them out.
    """

    def __init__(self, data, joint_split, rules=()):
        self.data = data
        self.rules = {rule.name: rule for rule in rules}  # the scheme's rows, by name
        self.equal = joint_split == "equal"
        self.points = defaultdict(lambda: defaultdict(lambda: ZERO))  # rule -> unit -> points
        self.yuan = defaultdict(lambda: defaultdict(lambda: ZERO))
        self.gates = defaultdict(dict)  # rule -> unit -> met (True/False)
        self.counted = defaultdict(lambda: defaultdict(set))  # rule -> unit -> item ids
        # rule -> unit -> [lines, lines that deduct]: how often a row named the unit (a 0-point
        # line of the office's record too), for a veto by the count of a row's lines
        self.line_counts = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        self.uncounted = defaultdict(set)  # rule -> item ids a row marked "not counted"
        # rule -> item -> [points, yuan] of the whole item, kept only when a row reads them
        self.item_sums = defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO])) \
            if any(rule.kind.reads_item_totals for rule in rules) else None

    def record(self, rule_name, line):
        from kaohe.core.scoring.distribution import item_unit_shares
        if getattr(line, "points", None) is None:
            return
        deducts = line.points < 0 or line.yuan < 0
        if line.unit is not None:
            self._add(rule_name, line.unit, line.points, line.yuan, deducts)
        elif line.item is not None and not line.to_authors and line.reporter is None:
            item = self.data.items.get(line.item)
            if item is None:
                return
            if self.item_sums is not None:
                whole = self.item_sums[rule_name][line.item]
                whole[0] += line.points
                whole[1] += line.yuan
            p_share, y_share = item_unit_shares(item, line.points, line.yuan, self.equal)
            for uid in item.units:
                if uid in self.data.members:
                    self._add(rule_name, uid, p_share, y_share, deducts)
                    self.counted[rule_name][uid].add(line.item)

    def _add(self, rule_name, uid, points, yuan, deducts=False):
        self.points[rule_name][uid] += points
        self.yuan[rule_name][uid] += yuan
        counts = self.line_counts[rule_name][uid]
        counts[0] += 1
        counts[1] += deducts

    def lines_of(self, uid, rules, deductions_only=False):
        """How many lines the named rows gave a unit (only those that deduct, if asked)."""
        return sum(by_unit[uid][1 if deductions_only else 0]
                   for name, by_unit in self.line_counts.items() if name in rules and uid in by_unit)

    def sum_of(self, uid, rules, sign=0):
        """A unit's points from the named rows (every row when `rules` is empty); `sign` −1 or
        +1 keeps only the rows' negative or positive sums."""
        total = ZERO
        for name, by_unit in self.points.items():
            if rules and name not in rules:
                continue
            value = by_unit.get(uid, ZERO)
            if sign == 0 or (value < 0 if sign < 0 else value > 0):
                total += value
        return total

    def items_of(self, uid, rules):
        """The items the named rows (every row when empty) scored for a unit, less those that one
        of them marked not counted (e.g. a report below the reporting threshold)."""
        found, left_out = set(), set()
        for name, by_unit in self.counted.items():
            if not rules or name in rules:
                found |= by_unit.get(uid, set())
        for name, ids in self.uncounted.items():
            if not rules or name in rules:
                left_out |= ids
        return found - left_out

    def item_totals(self, rules):
        """item id → [points, yuan] the named rows (every row when empty) gave the whole item."""
        totals = defaultdict(lambda: [ZERO, ZERO])
        for name, by_item in (self.item_sums or {}).items():
            if not rules or name in rules:
                for item_id, (points, yuan) in by_item.items():
                    totals[item_id][0] += points
                    totals[item_id][1] += yuan
        return totals
