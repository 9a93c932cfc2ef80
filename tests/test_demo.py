"""`kaohe demo`: the demo city's sizes, determinism, both schemes scoring, and the scaled build."""

import pytest
from peewee import fn

from kaohe.core.domain.errors import KaoheError
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Reporter,
    Scheme,
    SchemeUnit,
    ScoreLine,
    Target,
    Unit,
    UnitFact,
    UnitResult,
    UrgentReport,
)
from kaohe.core.storage.schemes import get_scheme
from kaohe.demo import CITY_SCHEME, ENVIRONMENT_SCHEME, build_demo


# The default demo (one city, about 9,000 items) built once per test that asks for it.
@pytest.fixture
def demo(database, registry):
    return build_demo(registry)


def _between(value, low, high):
    assert low <= value <= high, f"{value} not in [{low}, {high}]"


def test_default_demo_has_a_city_of_the_expected_size(demo):
    counts = demo["counts"]
    assert Unit.select().count() == counts["units"] == 92
    for kind, expected in (("county", 12), ("department", 40), ("township", 20),
                           ("direct_point", 8), ("bureau", 12)):
        assert Unit.select().where(Unit.kind == kind).count() == expected
    assert Unit.select().where((Unit.kind == "department") & Unit.sector.is_null()).count() == 0
    assert Unit.select().where((Unit.kind == "township") & Unit.parent.is_null()).count() == 0
    _between(Reporter.select().count(), 92, 3 * 92)
    assert Item.select().count() == counts["items"] == 9000
    joint = ItemUnit.select(ItemUnit.item).group_by(ItemUnit.item).having(
        fn.COUNT(ItemUnit.id) > 1).count()
    _between(joint, 300, 700)  # about 5%
    _between(Item.select().where(Item.negative).count(), 600, 1300)  # about 10%
    adopted = Adoption.select(Adoption.item).where(Adoption.form != "forwarded").distinct().count()
    _between(adopted, 1800, 2800)  # about a quarter
    _between(Instruction.select(Instruction.item).distinct().count(), 50, 180)  # about 1%
    assert ItemAuthor.select().count() >= 9000
    _between(UrgentReport.select().count(), 24, 80)
    assert UnitFact.select().where(UnitFact.kind == "provincial_county_rank").count() == 12
    assert Target.select().count() == 92
    assert "清江市" in demo["text"] and "稿件9000篇" in demo["text"]
    assert ("考核方案：市政府系统（省政府信息采用计分、县区加分、紧急信息迟报漏报瞒报扣分），"
            "环保系统（环保系统政务信息考核与奖励办法、紧急信息迟报漏报瞒报扣分）。"
            in demo["text"]), demo["text"]  # the rule sets' titles, not their code names
    assert demo["schemes"] == [CITY_SCHEME, ENVIRONMENT_SCHEME]


def test_period_boundaries_are_visible(demo):
    # items of December 2024 adopted in January 2025, and December items adopted in 2026
    prior = (Adoption.select().join(Item, on=(Adoption.item == Item.id))
             .where((Item.submitted_on < "2025-01-01") & (Adoption.adopted_on >= "2025-01-01")))
    assert prior.count() > 0
    assert Adoption.select().where(Adoption.adopted_on >= "2026-01-01").count() > 0


def _rows(models):
    return {m.__name__: [tuple(r) for r in m.select().order_by(m.id).tuples()] for m in models}


def test_same_seed_gives_identical_rows(database, registry, tmp_path):
    models = [Unit, Reporter, Item, ItemUnit, ItemAuthor, Adoption, Instruction, UrgentReport,
              UnitFact, Target]
    build_demo(registry, seed=7)
    first = _rows(models)
    other = dbmod.configure(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    other.connect()
    create_tables()
    build_demo(registry, seed=7)
    assert _rows(models) == first
    other.close()


def test_both_schemes_recalculate_with_vetoes_penalties_and_bonus(demo, registry):
    city = get_scheme(CITY_SCHEME)
    outcome = recalculate(registry, city)
    members = {link.unit_id for link in SchemeUnit.select().where(SchemeUnit.scheme == city)}
    assert members == {u.id for u in Unit.select().where(Unit.kind != "bureau")}
    ranked = {r.unit_id for r in UnitResult.select().where(UnitResult.run == outcome.run)}
    assert ranked == members
    assert UnitResult.select().where((UnitResult.run == outcome.run) & UnitResult.vetoed).count() >= 1
    lines = ScoreLine.select().where(ScoreLine.run == outcome.run)
    assert lines.where(ScoreLine.ruleset == "urgent_penalty", ScoreLine.points < 0).count() >= 1
    bonus = lines.where(ScoreLine.rule == "top_list")
    assert bonus.count() >= 1 and all(line.points == 50 for line in bonus)
    counties_with_bonus = {line.unit_id for line in bonus}
    assert all(Unit.get_by_id(uid).kind == "county" for uid in counties_with_bonus)

    environment = get_scheme(ENVIRONMENT_SCHEME)
    outcome = recalculate(registry, environment)
    results = list(UnitResult.select().where(UnitResult.run == outcome.run))
    assert len(results) == 12
    assert any(r.points > 0 for r in results)
    assert any(r.vetoed for r in results)
    assert Scheme.select().count() == 2


def test_scaled_build_has_the_requested_sizes(database, registry):
    summary = build_demo(registry, units=50, items=5000, seed=3)
    assert Unit.select().count() == 50
    assert Item.select().count() == 5000
    assert {u.kind for u in Unit.select()} == {"county", "department", "township",
                                               "direct_point", "bureau"}
    assert summary["counts"]["items"] == 5000
    assert Target.select().count() == 50


def test_province_scale_has_several_cities(database, registry):
    summary = build_demo(registry, units=300, items=2000, seed=5)
    assert Unit.select().count() == 300
    assert "全省3个市" in summary["text"]
    names = [u.name for u in Unit.select()]
    assert len(set(names)) == len(names)


def test_refuses_a_database_that_holds_units(database, registry):
    Unit.create(code="X1", name="某县", kind="county", pool="county")
    with pytest.raises(KaoheError, match="空数据库"):
        build_demo(registry)
    assert Item.select().count() == 0


def test_refuses_sizes_too_small(database, registry):
    with pytest.raises(KaoheError, match="至少"):
        build_demo(registry, units=3, items=5000)


def test_the_planner_sees_the_demo_at_once(demo):
    """PostgreSQL's statistics are refreshed after the bulk load (a preview's counting queries
    planned for empty tables take a hundred times longer); SQLite keeps planning from its indexes."""
    database = dbmod.db
    if dbmod.is_postgres():
        estimate = database.execute_sql("SELECT reltuples FROM pg_class WHERE relname = 'item'").fetchone()[0]
        assert estimate == Item.select().count()
    else:
        assert "sqlite_stat1" not in database.get_tables()
