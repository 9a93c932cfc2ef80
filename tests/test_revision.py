"""The data revision moves with every change to scored data, and previews reuse rows only while it holds."""

from decimal import Decimal

import pytest

from kaohe.core.reads.data import PeriodData
from kaohe.core.runs import store
from kaohe.core.scoring import engine
from kaohe.core.storage import revision, schemes
from kaohe.core.storage.models import Adoption, Item, ScoreLine, Unit
from tests import factories as f


# The demo-sized world of these tests: two counties, an adopted item, the provincial scheme.
@pytest.fixture
def world(database, registry):
    a, b = f.unit("A", "甲县"), f.unit("B", "乙县")
    prov = f.publication("P", "provincial", "专报信息")
    item = f.item([a], "2025-03-01")
    f.adoption(item, prov, "2025-03-05", "full")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    engine.forget_previews()
    yield {"a": a, "b": b, "prov": prov, "item": item, "scheme": scheme}
    engine.forget_previews()


def test_every_kind_of_write_to_scored_data_moves_the_revision(world):
    token, start = revision.current()
    steps = [
        lambda: f.item([world["b"]], "2025-03-02"),                                   # insert
        lambda: Item.update(title="改过的标题").where(Item.id == world["item"].id).execute(),
        lambda: Adoption.delete().where(Adoption.item == world["item"]).execute(),  # delete
        lambda: Unit.update(pool="其他").where(Unit.code == "B").execute(),
    ]
    seen = [start]
    for step in steps:
        step()
        now_token, counter = revision.current()
        assert now_token == token and counter > seen[-1]
        seen.append(counter)


def test_storing_a_run_is_not_a_change_of_data(world, registry):
    before = revision.current()
    store.recalculate(registry, world["scheme"])
    assert ScoreLine.select().count() == 1
    assert revision.current() == before


# Each read of a period's rows (PeriodData built), as a list that grows.
@pytest.fixture
def reads(monkeypatch):
    found = []
    original = PeriodData.__init__

    def counting(self, *args, **kwargs):
        found.append(args)
        original(self, *args, **kwargs)
    monkeypatch.setattr(PeriodData, "__init__", counting)
    return found


def test_a_second_preview_reuses_the_rows_until_data_changes(world, registry, reads):
    scheme = world["scheme"]
    config = schemes.with_value(schemes.current_version(scheme).config,
                                "provincial.adoption.provincial.full", 25)
    before, after = engine.preview(registry, scheme, "2025-03", config)
    assert (before.units[world["a"].id].points, after.units[world["a"].id].points) == (
        Decimal("20.00"), Decimal("25.00"))
    engine.preview(registry, scheme, "2025-03", config)
    assert len(reads) == 1  # the second preview read nothing

    f.adoption(f.item([world["b"]], "2025-03-03"), world["prov"], "2025-03-06", "full")
    before, after = engine.preview(registry, scheme, "2025-03", config)
    assert len(reads) == 2  # the new adoption moved the revision: read again
    assert after.units[world["b"].id].points == Decimal("25.00")


def test_previews_read_afresh_inside_a_transaction_and_when_turned_off(world, registry, reads,
                                                                      monkeypatch):
    scheme = world["scheme"]
    engine.preview(registry, scheme, "2025-03")
    engine.preview(registry, scheme, "2025-03")
    assert len(reads) == 1  # the second preview reused the rows
    with world["a"]._meta.database.atomic():
        engine.preview(registry, scheme, "2025-03")
    assert len(reads) == 2  # inside a transaction the rows may be the transaction's own
    monkeypatch.setenv("KAOHE_PREVIEW_CACHE_SECONDS", "0")
    engine.preview(registry, scheme, "2025-03")
    assert len(reads) == 3  # the cache turned off


def test_an_emptied_counter_starts_a_new_series_that_matches_nothing_seen(world):
    token, _counter = revision.current()
    world["a"]._meta.database.execute_sql('DELETE FROM "data_revision"')
    new_token, counter = revision.current()
    assert new_token != token and counter == 0


def test_an_import_moves_the_revision_once_and_a_failed_one_not_at_all(world, tmp_path):
    # On SQLite the row triggers are dropped for an import and made again before it commits (one
    # UPDATE per row cost a third of a csv import's time): the counter moves once, in the same
    # transaction. A failed import rolls everything back; later writes move it as before.
    from kaohe.core.exchange.importer import import_files
    from kaohe.core.exchange.reading import ImportFailed
    from kaohe.core.storage.db import db, is_postgres
    good = tmp_path / "稿件.csv"
    good.write_text("稿件编号,标题,报送日期,报送单位\n" + "".join(
        f"N{n},新稿{n},2025-03-0{n},A\n" for n in range(1, 6)), encoding="utf-8")
    token, start = revision.current()
    assert import_files([good]).counts["items"]["created"] == 5
    after = revision.current()[1]
    # once on SQLite; once per statement on PostgreSQL (items, their units), never per row
    assert after - start == 1 if not is_postgres() else 1 <= after - start < 5
    bad = tmp_path / "采用.csv"
    bad.write_text("稿件编号,刊物代码,期号,采用日期,采用形式\nN1,P,1,2025-03-09,全文\nN9,P,2,2025-03-09,全文\n",
                   encoding="utf-8")
    with pytest.raises(ImportFailed):
        import_files([bad])
    assert revision.current() == (token, after)
    if not is_postgres():  # the row triggers were dropped for the import: all of them are back
        triggers = db.execute_sql("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                                  "AND name LIKE 'kaohe_revision_%'").fetchone()[0]
        assert triggers == 3 * len(revision.DATA_TABLES)
    f.item([world["b"]], "2025-03-02")
    assert revision.current()[1] > after


def test_bulk_belongs_inside_the_writing_transaction(world):
    from kaohe.core.storage.db import is_postgres
    if is_postgres():
        pytest.skip("PostgreSQL's triggers run per statement: bulk() has nothing to stand aside")
    with pytest.raises(RuntimeError):
        with revision.bulk():
            pass
