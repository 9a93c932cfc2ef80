"""The review step (报送 → 审核): a reporter's item waits, the office accepts it or returns it with a comment."""

import pytest

from kaohe.core.exchange.importer import ImportFailed, import_records
from kaohe.core.storage import policy, review
from kaohe.core.storage.models import Adoption, AuditLog, Item, User
from kaohe.core.storage.tokens import issue_token
from tests import factories as f
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def _new_item(client, world, no="A-30"):
    return client.post("/items/new/", data={
        "no": no, "title": "常山县新稿件", "submitted_on": "2025-06-01", "category": "news",
        "units": str(world["changshan"].id)})


def test_the_review_cycle_in_the_panel(client, auth, world):
    auth.login("reporter")
    assert _new_item(client, world).status_code == 302
    item = Item.get(Item.no == "A-30")
    assert item.state == "pending"
    assert 'data-state="pending"' in client.get("/items/").data.decode()

    auth.logout()
    auth.login("clerk")
    refused = client.post(f"/items/review/{item.id}", data={"decision": "return", "comment": "  "})
    assert "须写明退回意见" in refused.data.decode()
    assert Item.get_by_id(item.id).state == "pending"
    client.post(f"/items/review/{item.id}", data={"decision": "return", "comment": "请补充具体数据"})
    returned = Item.get_by_id(item.id)
    assert (returned.state, returned.review_comment, returned.reviewed_by) == (
        "returned", "请补充具体数据", "clerk")

    auth.logout()
    auth.login("reporter")
    listing = client.get("/items/").data.decode()
    assert 'data-state="returned"' in listing and "请补充具体数据" in listing
    page = client.post(f"/items/edit/?id={item.id}", data={
        "no": "A-30", "title": "常山县新稿件（补充数据）", "submitted_on": "2025-06-01", "category": "news",
        "units": str(world["changshan"].id), "version": str(returned.version)})
    assert page.status_code == 302
    assert Item.get_by_id(item.id).state == "pending"  # resubmitted

    auth.logout()
    auth.login("clerk")
    client.post("/items/action/", data={"action": "accept", "rowid": [str(item.id)]})
    accepted = Item.get_by_id(item.id)
    assert (accepted.state, accepted.reviewed_by) == ("accepted", "clerk")
    states = [(e.old, e.new) for e in AuditLog.select().where(
        (AuditLog.object_type == "item") & (AuditLog.object_id == str(item.id))
        & (AuditLog.action == "item.update")).order_by(AuditLog.id) if "state" in (e.new or {})]
    assert [new["state"] for _old, new in states] == ["returned", "pending", "accepted"]


def test_items_the_office_enters_or_imports_are_accepted_as_they_come(client, auth, world):
    auth.login("clerk")
    _new_item(client, world, no="C-1")
    assert Item.get(Item.no == "C-1").state == "accepted"
    import_records("items", [{"no": "C-2", "title": "导入", "submitted_on": "2025-06-02", "units": ["C01"]}])
    assert Item.get(Item.no == "C-2").state == "accepted"


def test_adoptions_are_recorded_on_accepted_items_only(client, auth, world):
    waiting = f.item([world["changshan"]], "2025-06-01", no="W-1", state="pending")
    with pytest.raises(policy.Refused, match="尚未审核入库"):
        f.adoption(waiting, world["provincial"])
    with pytest.raises(ImportFailed) as failed:
        import_records("adoptions", [{"item": "W-1", "publication": "P01", "adopted_on": "2025-06-05",
                                      "form": "full"}])
    assert "稿件「W-1」尚未审核入库，不能登记采用" in str(failed.value.errors[0])
    auth.login("clerk")
    page = client.post("/adoptions/new/", data={"item": str(waiting.id), "publication": str(world["provincial"].id),
                                                "issue": "1", "adopted_on": "2025-06-05", "form": "full"})
    assert "尚未审核入库" in page.data.decode()
    assert Adoption.select().where(Adoption.item == waiting).count() == 0
    review.accept(waiting, User.get(User.username == "clerk"))
    f.adoption(Item.get_by_id(waiting.id), world["provincial"])
    assert Adoption.select().where(Adoption.item == waiting).count() == 1


def test_an_item_with_adoptions_is_not_returned(world):
    clerk = User.get(User.username == "clerk")
    with pytest.raises(policy.Refused, match="已登记1条采用或批示，不能退回"):
        review.send_back(world["item_a"], clerk, "再看看")


def test_a_reporter_does_not_review(world):
    reporter = User.get(User.username == "reporter")
    waiting = f.item([world["changshan"]], "2025-06-01", no="W-2", state="pending")
    with pytest.raises(policy.Refused, match="只有录入员和管理员可以审核稿件"):
        review.accept(waiting, reporter)


def test_the_review_through_the_api(app, world):
    client = app.test_client()
    tokens = {name: issue_token(user) for name, user in world["users"].items()}

    def post(path, body=None, as_="clerk"):
        return client.post("/api/v1" + path, json=body,
                           headers={"Authorization": f"Bearer {tokens[as_]}"})

    assert post("/items", {"no": "API-1", "title": "接口报送", "submitted_on": "2025-06-01",
                           "units": ["C01"]}, as_="reporter").status_code == 200
    answer = client.get("/api/v1/items/API-1", headers={"Authorization": f"Bearer {tokens['reporter']}"})
    assert answer.get_json()["state"] == "pending" and answer.headers["ETag"] == '"2"'
    assert post("/reviews/API-1/accept", as_="reporter").status_code == 403
    refused = post("/reviews/API-1/return", {"comment": ""})
    assert refused.status_code == 422 and "须写明退回意见" in refused.get_json()["error"]
    returned = post("/reviews/API-1/return", {"comment": "标题太长"})
    assert returned.status_code == 200
    assert (returned.get_json()["state"], returned.get_json()["review_comment"]) == ("returned", "标题太长")
    accepted = post("/reviews/API-1/accept", {"comment": "好"})
    assert accepted.get_json()["state"] == "accepted"
    assert post("/reviews/NOPE/accept").status_code == 404


# ---------------------------------------------------------------- what counts: accepted items only

def test_only_accepted_items_count_for_submissions_quotas_and_rates(world, registry):
    """A waiting or returned item is no submission yet: 常山县 submitted A-1 and J-1 by the hand
    count below; its two waiting items change neither its submissions nor its adoption rate."""
    from kaohe.core.runs.store import recalculate
    from kaohe.core.storage.models import UnitResult
    f.item([world["changshan"]], "2025-03-05", no="W-1", state="pending")
    f.item([world["changshan"]], "2025-03-06", no="W-2", state="returned")
    run = recalculate(registry, world["scheme"], "2025", author="t").run
    result = UnitResult.get((UnitResult.run == run) & (UnitResult.unit == world["changshan"]))
    assert (result.submitted, result.adopted, str(result.points)) == (2, 2, "45.00")
    assert result.adoption_rate == 1
    waiting = Item.get(Item.no == "W-1")
    review.accept(waiting, User.get(User.username == "clerk"))
    run = recalculate(registry, world["scheme"], "2025", author="t").run
    result = UnitResult.get((UnitResult.run == run) & (UnitResult.unit == world["changshan"]))
    assert (result.submitted, result.adopted, str(result.adoption_rate)) == (3, 2, "0.6667")
    assert str(result.points) == "45.00"  # no adoption of W-1, so no points: only the counts moved
