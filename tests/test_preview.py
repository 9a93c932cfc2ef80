"""`kaohe.core.scoring.engine.preview`: before and after a parameter change from one read, equal to two computes."""

from decimal import Decimal

import pytest

from kaohe.core.scoring import engine
from kaohe.core.storage.schemes import current_version, get_scheme, parse_value, with_value
from kaohe.demo import CITY_SCHEME, ENVIRONMENT_SCHEME, build_demo


def _totals(outcome):
    units = {uid: (t.points, t.yuan, t.rank, t.tie_break, t.converted, t.submitted, t.adopted,
                   t.adoption_rate, t.national, t.provincial, t.city, t.vetoed, t.veto_reason,
                   t.award_rank, t.award_note)
             for uid, t in outcome.units.items()}
    reporters = {rid: (r.points, r.yuan, r.rank, r.vetoed, r.veto_reason, r.award_rank,
                       r.award_note)
                 for rid, r in outcome.reporters.items()}
    return units, reporters


@pytest.fixture
def demo(database, registry):
    return build_demo(registry)


CHANGES = {
    CITY_SCHEME: ("provincial.adoption.provincial.full", "25"),
    ENVIRONMENT_SCHEME: ("environment.adoption.provincial.full", "9"),
}


@pytest.mark.parametrize("scheme_name", [CITY_SCHEME, ENVIRONMENT_SCHEME])
@pytest.mark.parametrize("period", [None, "2025-03"])
def test_preview_equals_two_computes(demo, registry, scheme_name, period):
    scheme = get_scheme(scheme_name)
    current = current_version(scheme).config
    path, value = CHANGES[scheme_name]
    changed = with_value(current, path, parse_value(value))
    before, after = engine.preview(registry, scheme, period, config=changed)
    want_before = engine.compute(registry, scheme, period)
    want_after = engine.compute(registry, scheme, period, config=changed)
    assert _totals(before) == _totals(want_before)
    assert _totals(after) == _totals(want_after)
    # a preview's fingerprint covers the counts it read (RuleSet.tallies), not the rows
    assert before.fingerprint != after.fingerprint
    assert engine.preview(registry, scheme, period, config=changed)[1].fingerprint == after.fingerprint
    # nothing is built for storing
    assert before.lines == [] and after.lines == []
    assert want_after.lines
    # the change is visible in the totals
    assert _totals(before) != _totals(after)


def test_preview_takes_an_explicit_before_configuration(demo, registry):
    scheme = get_scheme(CITY_SCHEME)
    current = current_version(scheme).config
    low = with_value(current, "provincial.adoption.provincial.full", parse_value("1"))
    high = with_value(current, "provincial.adoption.provincial.full", parse_value("40"))
    before, after = engine.preview(registry, scheme, config=high, before_config=low)
    assert _totals(before) == _totals(engine.compute(registry, scheme, config=low))
    assert _totals(after) == _totals(engine.compute(registry, scheme, config=high))
    assert sum(t.points for t in after.units.values()) > sum(
        t.points for t in before.units.values()) > Decimal("0")


def test_preview_without_a_change_gives_the_current_results_twice(demo, registry):
    scheme = get_scheme(CITY_SCHEME)
    before, after = engine.preview(registry, scheme)
    assert _totals(before) == _totals(after) == _totals(engine.compute(registry, scheme))
