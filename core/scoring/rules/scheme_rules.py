"""The rule set of a scheme's configured rules: rows of known kinds, run in order, each row one definition."""

import itertools
import re
from abc import abstractmethod

from marshmallow import ValidationError, fields

from kaohe.core.domain.params import LIST_ERRORS, ParamsSchema, joint_split
from kaohe.core.domain.sentences import say
from kaohe.core.scoring.contract import Line, RuleSet
from kaohe.core.scoring.rules.kind import UNITS, Rule, RulesState

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class SchemeRulesParams(ParamsSchema):
    rules = fields.List(fields.Dict(), load_default=list, error_messages=LIST_ERRORS,
                        metadata={"label": "计分规则（按顺序）", "unit": "", "source": "",
                                  "type": "rules"})
    joint_split = joint_split()


class SchemeRules(RuleSet):
    """A scheme's own rules as data: each row names a rule kind, its label, article and parameters.

    ``rows`` are the rows a fresh scheme starts with (a preset). The kinds come from the
    ``kaohe_rule_kinds`` hook (the registry fills ``kinds``), built-in and plugged alike.
    """

    uses_rule_kinds = True

    def __init__(self, name="scheme_rules", title="方案计分规则", rows=(), description=None,
                 version="1.0"):
        self.name, self.title, self.version = name, title, version
        self.description = description or ("本方案的计分规则：每条规则属于一种规则类型，按顺序执行，"
                                           "参数、分值单位（分/元）与依据条款逐条设定；基础分、封顶、"
                                           "按篇平均等合计规则作用于其前的规则。")
        self.rows = [dict(row) for row in rows]
        self.kinds = {}
        self.params_schema = type(f"{name}_params", (SchemeRulesParams,), {
            "rules": fields.List(fields.Dict(), load_default=lambda: [dict(r) for r in self.rows],
                                 error_messages=LIST_ERRORS,
                                 metadata=dict(SchemeRulesParams._declared_fields["rules"].metadata))})

    # ------------------------------------------------------------ parameters

    def load_params(self, stored):
        loaded = self.params_schema().load(stored or {})
        loaded["rules"] = self.load_rules(loaded["rules"])
        return loaded

    def load_rules(self, rows):
        """The rule rows as :class:`Rule` objects, each row's parameters loaded by its kind."""
        rules, seen, errors = [], set(), {}
        for index, row in enumerate(rows):
            try:
                rules.append(self._load_row(row, seen))
            except ValidationError as error:
                errors[index] = error.messages
        if errors:
            raise ValidationError({"rules": errors})
        return rules

    def _load_row(self, row, seen):
        problems = {}
        kind = self.kinds.get(row.get("kind"))
        if kind is None:
            known = "、".join(self.kinds) or "（无）"
            raise ValidationError({"kind": [say("未知的规则类型「{kind}」；可用的类型：{known}",
                                                kind=row.get("kind"), known=known)]})
        name = row.get("name") or kind.name
        if not isinstance(name, str) or not _NAME.match(name):
            problems["name"] = [say("规则名应为小写字母开头的字母、数字或下划线")]
        elif name in seen:
            problems["name"] = [say("规则名「{name}」重复", name=name)]
        seen.add(name)
        unit = row.get("unit", "分")
        if unit not in UNITS:
            problems["unit"] = [say("分值单位应为 分 或 元")]
        unknown = set(row) - {"kind", "name", "label", "source", "unit", "params"}
        if unknown:
            problems.update({key: ["未知的规则项"] for key in sorted(unknown)})
        try:
            params = kind.params_schema().load(row.get("params") or {})
        except ValidationError as error:
            problems["params"] = error.messages
        if problems:
            raise ValidationError(problems)
        return Rule(kind, name, str(row.get("label") or kind.title), str(row.get("source") or ""),
                    unit, params)

    def dump_params(self, values):
        dumped = self.params_schema().dump({"joint_split": values["joint_split"], "rules": []})
        dumped["rules"] = [rule_row(r) for r in values["rules"]]
        return dumped

    def default_params(self):
        return self.load_params({})

    # ------------------------------------------------------------ scoring

    def compute(self, data, params):
        return run_rules(data, params["rules"], params["joint_split"])

    def rule_labels(self, params):
        return {rule.name: rule.label for rule in params["rules"]}

    def tallies(self, data, params):
        return tally_rules(data, params["rules"])


def rule_row(rule):
    """A :class:`Rule` as a scheme stores it: one row of the ``rules`` parameter."""
    return {"kind": rule.kind.name, "name": rule.name, "label": rule.label, "source": rule.source,
            "unit": rule.unit, "params": rule.kind.params_schema().dump(rule.params)}


def run_rules(data, rules, joint_split):
    """The lines of rule rows in order; total-level rows see the sums of the rows before them."""
    rules = list(rules)
    state = RulesState(data, joint_split, rules)
    read_later, reads = [], False  # whether a row after each one reads the state
    for rule in reversed(rules):
        read_later.append(reads)
        reads = reads or rule.kind.reads_state
    for rule, kept in zip(rules, reversed(read_later)):
        for result in rule.kind.lines(data, rule, state) or ():
            result.rule = rule.name
            if kept and isinstance(result, Line):
                state.record(rule.name, result)
            yield result


def tally_rules(data, rules):
    """The rows' preview totals from their declarations, or None when a row's kind has none
    (the preview then runs the lines: the same definition, without the sentences)."""
    tallies = []
    for rule in rules:
        if rule.kind.total_level:
            return None
        counted = rule.kind.tallies(data, rule)
        if counted is None:
            return None
        tallies.append(counted)
    return itertools.chain.from_iterable(tallies)


class Preset(RuleSet):
    """A rule set whose own parameters (today's paths, e.g. ``provincial.adoption.national.full``)
    fill a fixed list of rule rows of the built-in kinds: its lines and its preview are the kinds',
    so the preset writes no scoring of its own. Subclasses give :meth:`rows`."""

    uses_rule_kinds = True
    kinds = {}

    @abstractmethod
    def rows(self, params):
        """The rule rows (dicts as a scheme stores them) that these parameter values stand for."""

    def rules(self, params):
        """The rule rows as :class:`Rule` objects; values missing from `params` are the defaults."""
        rules = []
        for row in self.rows({**self.default_params(), **params}):
            kind = self.kinds[row["kind"]]
            rules.append(Rule(kind, row["name"], row.get("label") or kind.title,
                              row.get("source", ""), row.get("unit", "分"),
                              kind.params_schema().load(row.get("params") or {})))
        return rules

    def scheme_rows(self, stored):
        """The rows of `scheme_rules` that score what this preset scores with the stored
        parameter values `stored`: the office copies them to edit them one by one."""
        return [rule_row(rule) for rule in self.rules(self.load_params(stored or {}))]

    @property
    def rows_only(self):
        """Whether the preset scores nothing beyond its rows (so that its rows can stand for it)."""
        return type(self).compute is Preset.compute and type(self).tallies is Preset.tallies

    def compute(self, data, params):
        return run_rules(data, self.rules(params), params.get("joint_split", "equal"))

    def rule_labels(self, params):
        return {rule.name: rule.label for rule in self.rules(params)}

    def tallies(self, data, params):
        return tally_rules(data, self.rules(params))
