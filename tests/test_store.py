"""Storing a run: its references are checked once for the whole run, and nothing dangles.

On SQLite the row-by-row foreign-key checks are off while a run is stored if the data revision
shows nothing changed since the run read its rows; if something changed meanwhile, the units,
reporters and items the run names are looked up in one batch, and a deleted one fails the run.
"""

import pytest

from kaohe.core.domain.errors import RecalcError
from kaohe.core.runs import store
from kaohe.core.storage.db import db, is_sqlite
from kaohe.core.storage.models import Adoption, Item, ItemUnit, ScoreLine, ScoreRun
from tests import factories as f


@pytest.fixture
def office(database, registry):
    a, b = f.unit("A"), f.unit("B")
    ra = f.reporter("ra", a)
    prov = f.publication("SHENG", "provincial", name="省刊")
    first = f.item([a, b], authors=[ra])
    f.adoption(first, prov, "2025-03-10", "full")
    second = f.item([b])
    f.adoption(second, prov, "2025-04-10", "brief")
    scheme = f.scheme(registry, ["provincial"])
    return {"scheme": scheme, "first": first, "second": second, "A": a, "prov": prov}


def _foreign_keys_on():
    return not is_sqlite() or db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def _change_after_computing(monkeypatch, change):
    """Run `change` between the run's reading and its storing, as another user would."""
    computed = store.compute

    def compute_then_change(*args, **kwargs):
        outcome = computed(*args, **kwargs)
        change()
        return outcome
    monkeypatch.setattr(store, "compute", compute_then_change)


def test_a_run_over_unchanged_data_is_stored_whole(office, registry):
    outcome = store.recalculate(registry, office["scheme"], author="t")
    # 省级全文 20 split between A and B, 省级简讯 3 to B
    assert ScoreLine.select().where(ScoreLine.run == outcome.run).count() == 3
    assert outcome.units[office["A"].id].points == 10
    assert _foreign_keys_on()


def test_an_item_saved_meanwhile_does_not_stop_the_run(office, registry, monkeypatch):
    _change_after_computing(monkeypatch, lambda: f.item([office["A"]]))
    outcome = store.recalculate(registry, office["scheme"], author="t")
    assert ScoreLine.select().where(ScoreLine.run == outcome.run).count() == 3
    assert _foreign_keys_on()


def test_an_item_deleted_meanwhile_fails_the_run_and_names_it(office, registry, monkeypatch):
    gone = office["second"]

    def delete():
        Adoption.delete().where(Adoption.item == gone).execute()
        ItemUnit.delete().where(ItemUnit.item == gone).execute()
        Item.delete().where(Item.id == gone.id).execute()
    _change_after_computing(monkeypatch, delete)
    with pytest.raises(RecalcError, match=rf"稿件（id {gone.id}）已被删除；本次计算未保存"):
        store.recalculate(registry, office["scheme"], author="t")
    assert ScoreRun.select().count() == 0 and ScoreLine.select().count() == 0
    assert _foreign_keys_on()


def test_a_failing_store_leaves_the_checks_on(office, registry, monkeypatch):
    def broken(run, outcome, on_rows=None):
        raise RuntimeError("磁盘满了")
    monkeypatch.setattr(store, "_store", broken)
    with pytest.raises(RuntimeError, match="磁盘满了"):
        store.recalculate(registry, office["scheme"], author="t")
    assert ScoreRun.select().count() == 0
    assert _foreign_keys_on()


def test_inside_a_callers_transaction_the_database_checks_each_row(office, registry):
    with db.atomic():
        outcome = store.recalculate(registry, office["scheme"], author="t")
        assert _foreign_keys_on()
    assert ScoreLine.select().where(ScoreLine.run == outcome.run).count() == 3
