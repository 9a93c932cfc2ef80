"""Previews count item lines in SQL (`RuleSet.tallies`): the same totals as the lines, to the cent.

The hand-computed case is DOMAIN.md's provincial table (省级全文 20, 简讯 3, 综合 5, 上报 2; 市级
领导批示 10) and the county bonus (负反馈信息被采用每篇 3 分), over joint reports, authors of
units outside the scheme and instructions or adoptions dated before the period.
"""

import os
import threading
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe.core.domain.errors import RecalcError
from kaohe.core.domain.periods import parse_period
from kaohe.core.reads.data import PeriodData
from kaohe.core.scoring import calculator, engine
from kaohe.core.storage.db import configure, db
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import SchemeUnit
from kaohe.core.storage.schemes import current_version, get_scheme, parse_value, with_value
from kaohe.demo import CITY_SCHEME, ENVIRONMENT_SCHEME, build_demo
from kaohe.plugins import Line, RuleSet, Tally
from kaohe.plugins.manager import build_registry
from tests import factories as f
from tests.conftest import empty_postgres

from .test_preview import _totals

D = Decimal


@pytest.fixture
def office(database, registry):
    """Units A and B in the scheme, X outside it (when `members_only`), and the items below."""
    a, b, x = f.unit("A"), f.unit("B"), f.unit("X")
    ra, rb, rx = f.reporter("ra", a), f.reporter("rb", b), f.reporter("rx", x)
    prov = f.publication("SHENG", "provincial", name="省刊")
    city = f.publication("SHI", "city", name="市刊")
    # 1: joint A+B+X, authors ra and rx, 省级全文 20
    f.adoption(f.item([a, b, x], authors=[ra, rx]), prov, "2025-03-10", "full")
    # 2: A, authors ra and rb, 省级简讯 3
    f.adoption(f.item([a], authors=[ra, rb]), prov, "2025-04-02", "brief")
    # 3: A, a provincial instruction already in 2024 (not again in 2025), a city one in 2025: 10
    third = f.item([a], submitted_on="2024-11-20")
    f.instruction(third, "provincial", "2024-12-01")
    f.instruction(third, "provincial", "2025-03-15")
    f.instruction(third, "city", "2025-04-15")
    # 4: X alone (not a member's item when X is outside), author ra, 省级全文 20
    f.adoption(f.item([x], authors=[ra]), prov, "2025-05-01", "full")
    # 5: B, negative feedback first adopted in 2025: 省级简讯 3 + 负反馈 3
    f.adoption(f.item([b], negative=True), prov, "2025-05-20", "brief")
    # 6: B, negative, only forwarded: 省级上报 2, no negative bonus
    f.adoption(f.item([b], negative=True), prov, "2025-06-01", "forwarded")
    # 7: A, negative, first adopted in 2024: 省级综合 5 in 2025, no negative bonus
    seventh = f.item([a], submitted_on="2024-10-01", negative=True)
    f.adoption(seventh, city, "2024-11-05", "brief")
    f.adoption(seventh, prov, "2025-02-03", "combined")
    return {"A": a, "B": b, "X": x, "ra": ra, "rb": rb, "rx": rx}


def _scheme(registry, office, members_only, **params):
    scheme = f.scheme(registry, ["provincial", "county_bonus"], **params)
    if members_only:
        SchemeUnit.delete().where((SchemeUnit.scheme == scheme)
                                  & (SchemeUnit.unit == office["X"])).execute()
    return scheme


def _points(outcome, office):
    units = {code: outcome.units[office[code].id].points
             for code in ("A", "B", "X") if office[code].id in outcome.units}
    reporters = {code: outcome.reporters[office[code].id].points
                 for code in ("ra", "rb", "rx") if office[code].id in outcome.reporters}
    return units, reporters


@pytest.mark.parametrize("members_only, want", [
    # ra holds half of item 1 (20 ÷ 2 authors: rx, of X outside the scheme, keeps the other
    # half, it is not handed to ra) and half of item 2 (3 ÷ 2): 10 + 1.50 = 11.50
    (True, ({"A": D("24.67"), "B": D("14.67")}, {"ra": D("11.50"), "rb": D("1.50")})),
    # every unit a member: X takes its third of item 1 and all of item 4; rx shares item 1
    (False, ({"A": D("24.67"), "B": D("14.67"), "X": D("26.67")},
             {"ra": D("31.50"), "rb": D("1.50"), "rx": D("10.00")})),
])
def test_preview_counts_the_published_points_by_hand(office, registry, members_only, want):
    scheme = _scheme(registry, office, members_only)
    before, after = engine.preview(registry, scheme)
    computed = engine.compute(registry, scheme)
    assert _points(after, office) == _points(before, office) == _points(computed, office) == want
    assert _totals(after) == _totals(computed)


def test_joint_reports_counted_in_full_when_the_scheme_says_so(office, registry):
    scheme = _scheme(registry, office, True, provincial__joint_split="full")
    _, after = engine.preview(registry, scheme)
    # item 1 gives A and B 20 each instead of 6.67
    assert _points(after, office)[0] == {"A": D("38.00"), "B": D("28.00")}
    assert _totals(after) == _totals(engine.compute(registry, scheme))


def test_a_preview_reads_no_item_row(office, registry):
    scheme = _scheme(registry, office, True)
    config = current_version(scheme).config
    data = PeriodData(scheme.id, parse_period(2025), 2025)
    calculator.Calculator(registry, scheme, parse_period(2025), config, data=data,
                      keep_lines=False).run()
    assert not {"items", "adoptions"} & data.rows_read
    # the line-by-line run reads them
    calculator.Calculator(registry, scheme, parse_period(2025), config, data=data).run()
    assert {"items", "adoptions"} <= data.rows_read


def test_only_the_best_adoption_is_previewed_line_by_line(office, registry):
    scheme = _scheme(registry, office, True, provincial__accumulate="max")
    assert registry.ruleset("provincial").tallies(None, {"accumulate": "max"}) is None
    _, after = engine.preview(registry, scheme)
    assert _totals(after) == _totals(engine.compute(registry, scheme))


# ---------------------------------------------------------------- any values, the demo city

cents = st.decimals(min_value=0, max_value=80, places=2)


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory):
    """The demo office, built once for all the drawn parameter values (on PostgreSQL when the
    tests run there; the tests after this one empty it again)."""
    url = (os.environ.get("KAOHE_TEST_DATABASE_URL")
           or f"sqlite:///{tmp_path_factory.mktemp('tallies') / 'demo.sqlite3'}")
    database = configure(url)
    database.connect(reuse_if_open=True)
    if url.startswith("sqlite"):
        create_tables()
    else:
        empty_postgres(database)
    registry = build_registry(plugins_dir=tmp_path_factory.mktemp("no-plugins"), entry_points=False)
    build_demo(registry)
    yield registry, get_scheme(CITY_SCHEME)
    database.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(full=cents, brief=cents, forwarded=cents, instruction=cents, negative=cents,
       override=cents, split=st.sampled_from(["equal", "full"]),
       period=st.sampled_from([None, "2025-03", "2025-Q2"]))
def test_tallies_equal_lines_for_any_values(demo_city, full, brief, forwarded, instruction,
                                            negative, override, split, period):
    registry, scheme = demo_city
    _assert_preview_equals_compute(registry, scheme, period, {
        "provincial.adoption.provincial.full": full,
        "provincial.adoption.city.brief": brief,
        "provincial.adoption.national.forwarded": forwarded,
        "provincial.instruction.city": instruction,
        "provincial.publication_overrides.0.points": override,
        "provincial.joint_split": split,
        "county_bonus.negative_bonus": negative})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(full=cents, combined=cents, instruction=cents, depth=cents, answer=cents, missed=cents,
       per_item=cents, split=st.sampled_from(["equal", "full"]),
       period=st.sampled_from([None, "2025-03", "2025-Q2"]))
def test_environment_tallies_equal_lines_for_any_values(demo_city, full, combined, instruction,
                                                        depth, answer, missed, per_item, split,
                                                        period):
    registry, _ = demo_city
    _assert_preview_equals_compute(registry, get_scheme(ENVIRONMENT_SCHEME), period, {
        "environment.adoption.provincial.full": full,
        "environment.adoption.ministry.combined": combined,
        "environment.instruction.provincial": instruction,
        "environment.depth_bonus.research": depth,
        "environment.solicitation_answer": answer,
        "environment.solicitation_missed": missed,
        "environment.per_item_yuan": per_item,
        "environment.joint_split": split})


def _assert_preview_equals_compute(registry, scheme, period, values):
    """The preview (tallies) of the scheme with `values` set gives compute's totals (lines)."""
    config = current_version(scheme).config
    for path, value in values.items():
        config = with_value(config, path, parse_value(str(value)))
    engine.forget_previews()
    _, after = engine.preview(registry, scheme, period, config=config)
    assert _totals(after) == _totals(engine.compute(registry, scheme, period, config=config))


def test_no_built_in_preview_reads_an_item_row(demo_city):
    registry, _ = demo_city
    for name in (CITY_SCHEME, ENVIRONMENT_SCHEME):
        scheme = get_scheme(name)
        data = PeriodData(scheme.id, parse_period(2025), 2025)
        calculator.Calculator(registry, scheme, parse_period(2025), current_version(scheme).config,
                          data=data, keep_lines=False).run()
        assert not {"items", "adoptions"} & data.rows_read, name


# ---------------------------------------------------------------- a plugin's tallies, checked

class Counting(RuleSet):
    name = "counting"
    title = "计数"

    def __init__(self, tally):
        self.tally = tally

    def compute(self, data, params):
        return [Line("x", "说明", points=D("1"), unit=next(iter(data.units)))]

    def tallies(self, data, params):
        return [self.tally(data)]


@pytest.mark.parametrize("make, words", [
    (lambda data: Tally("x", 1.5, 2, unit=next(iter(data.units))), "Decimal"),
    (lambda data: Tally("x", D("1"), -1, unit=next(iter(data.units))), "非负整数"),
    (lambda data: Tally("x", D("1"), 1), "单位或信息员之一"),
    (lambda data: Tally("x", D("1"), 1, unit=999999), "不是本方案的成员单位"),
    (lambda data: Tally("x", D("1"), 1, reporter=999999), "不属于本方案的成员单位"),
])
def test_a_bad_tally_is_named(database, registry, make, words):
    f.unit("A")
    scheme = f.scheme(registry, ["provincial"])
    registry.rulesets["counting"] = Counting(make)
    config = current_version(scheme).config
    config = {**config, "rulesets": [{"name": "counting", "enabled": True, "params": {}}]}
    with pytest.raises(RecalcError, match=words) as caught:
        engine.preview(registry, scheme, config=config)
    assert "规则集「counting」" in str(caught.value)


def test_a_tally_from_compute_is_refused(database, registry):
    f.unit("A")
    scheme = f.scheme(registry, ["provincial"])
    counting = Counting(lambda data: None)
    counting.compute = lambda data, params: [Tally("x", D("1"), 1, unit=next(iter(data.units)))]
    registry.rulesets["counting"] = counting
    config = current_version(scheme).config
    config = {**config, "rulesets": [{"name": "counting", "enabled": True, "params": {}}]}
    with pytest.raises(RecalcError, match="只用于预览"):
        engine.compute(registry, scheme, config=config)


# ---------------------------------------------------------------- reads alongside

def test_reads_run_alongside_and_hand_back_results_and_errors(database):
    from kaohe.core.reads.alongside import Reads
    reads = Reads(alongside=True)
    seen = []

    def read(value):
        def run():
            seen.append(threading.current_thread().name)
            return database.execute_sql(f"SELECT {value}").fetchone()[0]
        return run

    def broken():
        raise ValueError("坏了")

    tasks = [reads.submit(read(n), priority=1) for n in range(6)]
    failing = reads.submit(broken, priority=0)
    assert [reads.wait(t) for t in tasks] == list(range(6))
    with pytest.raises(ValueError, match="坏了"):
        reads.wait(failing)
    assert set(seen) <= {"MainThread", "kaohe-reads"}


def test_inside_a_transaction_reads_run_here_and_see_uncommitted_rows(office, registry):
    from kaohe.core.reads.alongside import Reads
    assert Reads(alongside=False).submit(lambda: 1).future.done() is False
    scheme = _scheme(registry, office, True)
    prov = f.publication("SHENG2", "provincial", name="省刊二")
    with db.atomic() as transaction:
        f.adoption(f.item([office["B"]]), prov, "2025-07-01", "full")  # B: + 20
        _, after = engine.preview(registry, scheme)
        assert _points(after, office)[0]["B"] == D("34.67")
        assert _totals(after) == _totals(engine.compute(registry, scheme))
        transaction.rollback()
    _, after = engine.preview(registry, scheme)
    assert _points(after, office)[0]["B"] == D("14.67")
