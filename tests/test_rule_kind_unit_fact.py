"""The `unit_fact` rule kind: points for a recorded unit fact (a rank, a number) within a bound."""

from decimal import Decimal

import pytest

from kaohe.core.domain.errors import KaoheError, ParameterError
from kaohe.core.scoring import engine
from tests import factories as f
from tests.rules_support import rules_scheme, unit_lines

D = Decimal


def fact_row(**params):
    return {"kind": "unit_fact", "name": "score_fact", "label": "考评得分", "params": params}


@pytest.fixture
def scored(database):
    """Three counties with a 目标考评得分 of 92.5, 90 and 89.99, a department of 95."""
    units = {code: f.unit(code, f"{code}县") for code in ("A", "B", "C")}
    units["D"] = f.unit("D", "D局", kind="department")
    for code, value in (("A", "92.5"), ("B", "90"), ("C", "89.99"), ("D", "95")):
        f.fact(units[code], "target_score", value)
    return units


def test_a_number_at_least_a_bound_for_chosen_unit_kinds(registry, scored):
    # at_least 90, +5, counties only: A 92.5 and B 90 (the bound included) +5; C 89.99 and the
    # department D (95, not a county) nothing.
    row = fact_row(fact="target_score", fact_label="目标考评得分", reading="at_least", bound="90",
                   points="5", when={"unit_kinds": ["county"]})
    outcome = engine.compute(registry, rules_scheme(registry, [row]), "2025")
    assert {u.code: outcome.units[u.id].points for u in scored.values()} == {
        "A": D("5.00"), "B": D("5.00"), "C": D("0.00"), "D": D("0.00")}
    assert unit_lines(outcome, scored["A"]) == [
        ("score_fact", D("5.00"), "2025年目标考评得分为92.5，不低于90，加5分")]


def test_a_number_at_most_a_bound_deducts_and_counts_in_a_quarter_when_asked(registry, scored):
    # at_most 90, −2, in every period (full_year_only false): B 90 and C 89.99 −2 in Q1 too.
    row = fact_row(fact="target_score", reading="at_most", bound="90", points="-2",
                   full_year_only=False)
    scheme = rules_scheme(registry, [row])
    for period in ("2025", "2025-Q1"):
        outcome = engine.compute(registry, scheme, period)
        assert [outcome.units[scored[c].id].points for c in "ABCD"] == \
            [D("0.00"), D("-2.00"), D("-2.00"), D("0.00")]
    assert unit_lines(outcome, scored["C"]) == [
        ("score_fact", D("-2.00"), "2025年target_score为89.99，不高于90，扣2分")]
    # Only in the year's run (the default): nothing in Q1.
    yearly = rules_scheme(registry, [fact_row(fact="target_score", reading="at_most", bound="90",
                                              points="-2")])
    assert engine.compute(registry, yearly, "2025-Q1").units[scored["C"].id].points == D("0.00")


def test_a_value_that_is_not_a_number_and_a_rule_without_a_fact_are_refused(registry, scored):
    f.fact(f.unit("E", "E县"), "target_score", "优秀")
    row = fact_row(fact="target_score", reading="at_least", bound="90", points="5")
    with pytest.raises(KaoheError, match="E县.*target_score.*「优秀」不是数字"):
        engine.compute(registry, rules_scheme(registry, [row]), "2025")
    with pytest.raises(KaoheError, match="规则「score_fact」未填写单位事实的代码"):
        engine.compute(registry, rules_scheme(registry, [fact_row(points="5")]), "2025")


def test_a_rank_line_must_be_whole(registry, scored):
    with pytest.raises(ParameterError, match="名次线应为整数"):
        rules_scheme(registry, [fact_row(fact="rank", bound="2.5", points="5")])
