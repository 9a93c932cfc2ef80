"""Rows that stored runs name cannot be deleted from the panel: results never change behind anyone's back."""

from kaohe.core.runs.results import deletion_refusal, publish
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Item, ScoreLine, Unit, UnitResult
from tests import factories as f
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def _published_run(registry, world):
    run = recalculate(registry, world["scheme"], author="测试").run
    return publish(run, "admin")


def test_a_unit_in_a_published_run_is_not_deleted_one_by_one_or_in_bulk(client, auth, world, registry):
    run = _published_run(registry, world)
    unit = world["kaihua"]
    lines = ScoreLine.select().where(ScoreLine.run == run).count()
    auth.login("admin")
    page = client.post("/units/delete/", data={"id": unit.id}, follow_redirects=True).data.decode()
    assert f"单位「{unit.name}」出现在1次已保存的计算结果中，不能删除" in page
    page = client.post("/units/action/", data={"action": "delete", "rowid": [unit.id]},
                       follow_redirects=True).data.decode()
    assert "不能删除" in page
    assert Unit.get_or_none(Unit.id == unit.id) is not None
    assert UnitResult.select().where(UnitResult.run == run).count() == 3
    assert ScoreLine.select().where(ScoreLine.run == run).count() == lines


def test_an_item_scored_in_a_run_is_kept_and_an_unscored_one_may_go(client, auth, world, registry):
    _published_run(registry, world)
    scored = world["item_a"]
    assert deletion_refusal(Item.get_by_id(scored.id)).startswith(f"稿件「{scored.no}」已计入1次")
    loose = f.item([world["kaihua"]], "2025-05-01", no="2025-LOOSE")
    assert deletion_refusal(loose) is None
    auth.login("admin")
    client.post("/items/delete/", data={"id": loose.id}, follow_redirects=True)
    assert Item.get_or_none(Item.id == loose.id) is None
    client.post("/items/delete/", data={"id": scored.id}, follow_redirects=True)
    assert Item.get_or_none(Item.id == scored.id) is not None
