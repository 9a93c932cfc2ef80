"""What the tests of rule rows share: a scheme whose only rule set is `scheme_rules` with given rows."""

import itertools

from kaohe.core.storage.schemes import create_scheme, current_version, save_config

_numbers = itertools.count(1)


def rules_scheme(registry, rows, units=None, joint_split="equal", config=None):
    """A scheme of the year 2025 whose only rule set is `scheme_rules` with these rows; `config`
    adds settings of the scheme (grades, awards)."""
    scheme = create_scheme(registry, f"规则测试{next(_numbers)}", 2025, ["scheme_rules"], units=units)
    stored = dict(current_version(scheme).config, **(config or {}))
    stored["rulesets"][0]["params"] = {"joint_split": joint_split, "rules": rows}
    save_config(registry, scheme, stored, author="测试", reason="测试规则")
    return scheme


def unit_lines(outcome, unit, kind="score"):
    """(rule, points, explanation) of a unit's lines of one kind (score, veto, flag)."""
    return [(line[4], line[6], line[9]) for line in outcome.lines
            if line[0] == unit.id and line[5] == kind]
