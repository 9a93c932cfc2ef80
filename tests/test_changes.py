"""Every change on record and no silent loss: audit entries with old and new values, stale saves, refused deletes, import undo."""

import json

import pytest
from werkzeug.datastructures import MultiDict

from kaohe.core.exchange.importer import import_files
from kaohe.core.exchange.recording import UndoRefused, undo_batch
from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import audit, changes
from kaohe.core.storage.models import Adoption, AuditLog, Item, Publication, ScoreRun, Unit
from kaohe.core.storage.tokens import issue_token
from tests import factories as f
from tests.admin_support import app, auth, client, form_pairs, world  # noqa: F401 (fixtures)


def entries_about(object_type, object_id=None):
    query = AuditLog.select().where(AuditLog.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditLog.object_id == str(object_id))
    return list(query.order_by(AuditLog.id))


def _edit(client, item, **changed):
    page = client.get(f"/items/edit/?id={item.id}").data.decode()
    values = MultiDict(form_pairs(page, "admin-form"))
    for name, value in changed.items():
        values[name] = value
    return values


# ---------------------------------------------------------------- who, when, from where, what

def test_a_panel_edit_is_recorded_with_each_fields_old_and_new_value(client, auth, world):
    item = world["item_b"]
    auth.login("clerk")
    response = client.post(f"/items/edit/?id={item.id}", data=_edit(client, item, title="开化县动态（改）",
                                                                   category="experience"))
    assert response.status_code == 302
    [entry] = [e for e in entries_about("item", item.id) if e.action == "item.update"]
    assert (entry.actor, entry.source, entry.item, entry.units) == ("clerk", "panel", "B-1", "|C02|")
    assert entry.old == {"title": "开化县动态", "category": "news"}
    assert entry.new == {"title": "开化县动态（改）", "category": "experience"}
    assert entry.summary == "修改稿件「B-1」：标题、类别"
    assert Item.get_by_id(item.id).version == 2
    assert audit.verify_chain() is None


def test_who_entered_a_disputed_adoption_is_on_record(client, auth, world):
    """Nobody could tell who entered a disputed 30-point adoption."""
    auth.login("clerk")
    client.post("/adoptions/new/", data={"item": str(world["item_a"].id),
                                         "publication": str(world["national"].id), "issue": "第30期",
                                         "adopted_on": "2025-03-30", "form": "full"})
    adoption = Adoption.get(Adoption.issue == "第30期")
    [entry] = entries_about("adoption", adoption.id)
    assert (entry.actor, entry.action, entry.source) == ("clerk", "adoption.create", "panel")
    assert entry.new == {"item": "A-1", "publication": "P02", "issue": "第30期", "adopted_on": "2025-03-30",
                         "form": "full"}
    assert (entry.item, entry.units) == ("A-1", "|C01|")
    client.post("/adoptions/delete/", data={"id": adoption.id})
    deleted = entries_about("adoption", adoption.id)[-1]
    assert (deleted.action, deleted.old["issue"]) == ("adoption.delete", "第30期")


def test_api_writes_name_their_account(app, world):
    token = issue_token(world["users"]["clerk"])
    answer = app.test_client().post("/api/v1/instructions", json={
        "item": "A-1", "leader_level": "provincial", "leader": "王", "instructed_on": "2025-03-20"},
        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    [entry] = entries_about("instruction")
    assert (entry.actor, entry.source, entry.action, entry.item) == ("clerk", "api", "instruction.create", "A-1")
    assert entry.new["leader_level"] == "provincial"


def _csv(path, rows):
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8-sig")
    return path


def test_an_import_is_one_batch_with_its_file_names_and_an_entry_per_row(world, tmp_path):
    paths = [_csv(tmp_path / "稿件.csv", [["稿件编号", "标题", "报送日期", "报送单位"],
                                          ["I-1", "导入一", "2025-03-05", "C01"],
                                          ["B-1", "开化县动态（导入改）", "2025-03-03", "C02"]])]
    with changes.acting("张科长", "command"):
        report = import_files(paths)
    assert report.batch
    batch = list(AuditLog.select().where(AuditLog.batch == report.batch).order_by(AuditLog.id))
    assert [(e.action, e.actor, e.source) for e in batch] == [
        ("item.create", "张科长", "import: 稿件.csv"), ("item.update", "张科长", "import: 稿件.csv")]
    # the file has no 作者 column, so the import takes B-1's author off: recorded as such
    assert batch[1].old == {"title": "开化县动态", "reporters": ["R02"]}
    assert batch[1].new == {"title": "开化县动态（导入改）", "reporters": []}
    assert batch[0].object_id == str(Item.get(Item.no == "I-1").id)
    assert Item.get(Item.no == "B-1").version == 2
    assert audit.verify_chain() is None


def test_the_log_is_filtered_by_unit_item_account_and_date(client, auth, world):
    auth.login("clerk")
    client.post(f"/items/edit/?id={world['item_b'].id}", data=_edit(client, world["item_b"], title="改"))
    assert [e.item for e in audit.search(unit="C02", actor="clerk")] == ["B-1"]
    assert [e.action for e in audit.search(item="B-1", actor="clerk")] == ["item.update"]
    assert not list(audit.search(unit="C01", actor="clerk"))
    import datetime
    assert not list(audit.search(until=datetime.date(2000, 1, 1)))
    auth.logout()
    auth.login("admin")
    page = client.get("/audit/?unit=C02&actor=clerk").data.decode()
    assert "修改稿件「B-1」：标题" in page and "符合条件的记录1条" in page


def test_kaohe_audit_lists_filtered_entries_as_json(kaohe, world):
    item = Item.get_by_id(world["item_b"].id)
    item.title = "命令行改"
    with changes.acting("运维", "command"):
        item.save()
    code, out, err = kaohe("audit", "--format", "json", "--unit", "C02", "--item", "B-1",
                           "--since", "2020-01-01")
    assert code == 0, err
    data = json.loads(out)
    assert data["chain"] == "ok"
    update = [e for e in data["entries"] if e["action"] == "item.update"]
    assert [(e["actor"], e["source"], e["old"], e["new"]) for e in update] == [
        ("运维", "command", {"title": "开化县动态"}, {"title": "命令行改"})]
    code, out, _ = kaohe("audit", "--item", "NOPE")
    assert code == 0 and "审计日志校验通过" in out


# ---------------------------------------------------------------- no silent loss

def test_the_later_of_two_saves_is_refused_instead_of_reverting_the_earlier(client, auth, world, app):
    item = world["item_b"]
    auth.login("clerk")
    first = _edit(client, item, title="甲改的标题")
    second = _edit(client, item, category="experience")  # opened at the same version
    assert client.post(f"/items/edit/?id={item.id}", data=first).status_code == 302
    page = client.post(f"/items/edit/?id={item.id}", data=second).data.decode()
    assert "在您打开之后已被 clerk 于" in page and "本次保存未执行" in page
    assert "甲改的标题" in page  # the current values are shown
    stored = Item.get_by_id(item.id)
    assert (stored.title, stored.category, stored.version) == ("甲改的标题", "news", 2)


def test_an_adoption_changed_elsewhere_is_not_overwritten_by_the_items_page(client, auth, world):
    """The item page's inline adoption rows carry their versions too."""
    item = world["item_a"]
    adoption = Adoption.get(Adoption.item == item)
    auth.login("clerk")
    opened = _edit(client, item, **{"adoptions-0-issue": "第9期"})  # the page as it was opened
    assert opened["adoptions-0-version"] == "1"
    changed = client.get(f"/adoptions/edit/?id={adoption.id}").data.decode()
    values = MultiDict(form_pairs(changed, "admin-form"))
    values["issue"] = "第3期"
    assert client.post(f"/adoptions/edit/?id={adoption.id}", data=values).status_code == 302
    page = client.post(f"/items/edit/?id={item.id}", data=opened).data.decode()
    assert "本次保存未执行" in page
    stored = Adoption.get_by_id(adoption.id)
    assert (stored.issue, stored.version) == ("第3期", 2)
    assert Item.get_by_id(item.id).version == 1  # the item's own fields were not saved either
    fresh = _edit(client, item, **{"adoptions-0-issue": "第9期"})
    assert client.post(f"/items/edit/?id={item.id}", data=fresh).status_code == 302
    assert Adoption.get_by_id(adoption.id).issue == "第9期"


def test_a_stale_api_update_is_refused_with_if_match(app, world):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {issue_token(world['users']['clerk'])}"}
    etag = client.get("/api/v1/items/B-1", headers=headers).headers["ETag"]
    record = {"no": "B-1", "title": "接口改", "submitted_on": "2025-03-03", "units": ["C02"]}
    assert client.post("/api/v1/items", json=record, headers={**headers, "If-Match": etag}).status_code == 200
    stale = client.post("/api/v1/items", json={**record, "title": "再改"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 409 and "本次保存未执行" in stale.get_json()["error"]
    assert Item.get(Item.no == "B-1").title == "接口改"


def test_deleting_a_publication_with_adoptions_is_refused_one_by_one_and_in_bulk(client, auth, world):
    """Deleting a publication silently deleted its adoptions."""
    publication = world["provincial"]
    auth.login("admin")
    page = client.post("/publications/delete/", data={"id": publication.id}, follow_redirects=True).data.decode()
    assert "刊物「P01」还有2条采用引用它，不能删除" in page
    page = client.post("/publications/action/", data={"action": "delete", "rowid": [str(publication.id)]},
                       follow_redirects=True).data.decode()
    assert "不能删除" in page
    assert Publication.get_or_none(Publication.id == publication.id) is not None
    assert Adoption.select().where(Adoption.publication == publication).count() == 2
    spare = f.publication("P09", "city", "无人用")
    client.post("/publications/delete/", data={"id": spare.id})
    assert Publication.get_or_none(Publication.id == spare.id) is None
    assert entries_about("publication", spare.id)[-1].action == "publication.delete"


def test_deleting_a_unit_names_what_depends_on_it(world):
    assert changes.deletion_refusal(world["kaihua"]) == (
        "单位「C02」还有2条稿件、1条信息员引用它，不能删除；请先删除或改正这些记录。")
    with pytest.raises(changes.DeleteRefused):
        changes.delete(world["kaihua"])
    assert changes.deletion_refusal(world["department"]) is None


def test_trial_runs_are_deleted_or_archived_and_published_runs_never(client, auth, world, registry):
    trial = recalculate(registry, world["scheme"], "2025-03", author="t").run
    kept = recalculate(registry, world["scheme"], "2025-04", author="t").run
    published = results.publish(recalculate(registry, world["scheme"], "2025", author="t").run, "admin")
    auth.login("clerk")
    client.post(f"/results/run/{kept.id}/discard", data={"what": "archive"})
    assert ScoreRun.get_by_id(kept.id).archived
    client.post(f"/results/run/{trial.id}/discard", data={"what": "delete"})
    assert ScoreRun.get_or_none(ScoreRun.id == trial.id) is None
    for what in ("delete", "archive"):
        page = client.post(f"/results/run/{published.id}/discard", data={"what": what},
                           follow_redirects=True).data.decode()
        assert "已发布的计算结果不能" in page
    stored = ScoreRun.get_by_id(published.id)
    assert stored.published and not stored.archived
    assert [(e.action, e.actor) for e in entries_about("score_run") if e.action != "run.publish"] == [
        ("run.archive", "clerk"), ("run.delete", "clerk")]


# ---------------------------------------------------------------- undoing an import

def _import(tmp_path, rows, name="稿件.csv"):
    with changes.acting("张科长", "command"):
        return import_files([_csv(tmp_path / name, rows)])


def test_an_import_is_undone_as_a_whole(world, tmp_path):
    header = ["稿件编号", "标题", "报送日期", "报送单位"]
    report = _import(tmp_path, [header, ["I-1", "新稿", "2025-03-05", "C01"],
                                ["B-1", "导入改", "2025-03-03", "C02;C01"]])
    adoptions = _import(tmp_path, [["稿件编号", "刊物代码", "期号", "采用日期", "采用形式"],
                                   ["I-1", "P01", "第8期", "2025-03-09", "全文"]], name="采用.csv")
    assert undo_batch(adoptions.batch) == 1
    assert Adoption.select().where(Adoption.issue == "第8期").count() == 0
    assert undo_batch(report.batch) == 2
    assert Item.get_or_none(Item.no == "I-1") is None
    restored = Item.get(Item.no == "B-1")
    assert restored.title == "开化县动态"
    assert changes.item_links(restored)["units"] == ["C02"]
    with pytest.raises(UndoRefused, match="已经撤销过了"):
        undo_batch(report.batch)
    assert audit.verify_chain() is None


def test_an_import_is_not_undone_after_a_published_run_or_a_later_change(world, tmp_path, registry):
    header = ["稿件编号", "标题", "报送日期", "报送单位"]
    changed_later = _import(tmp_path, [header, ["I-2", "新稿", "2025-03-05", "C01"]])
    item = Item.get(Item.no == "I-2")
    item.title = "后来又改"
    item.save()
    with pytest.raises(UndoRefused, match="在导入之后又被修改"):
        undo_batch(changed_later.batch)
    published_after = _import(tmp_path, [header, ["I-3", "新稿", "2025-03-05", "C01"]])
    results.publish(recalculate(registry, world["scheme"], "2025", author="t").run, "admin")
    with pytest.raises(UndoRefused, match="已发布了计算结果"):
        undo_batch(published_after.batch)
    assert Item.get_or_none(Item.no == "I-3") is not None


def test_the_panel_undoes_an_import_batch(client, auth, world, tmp_path):
    report = _import(tmp_path, [["稿件编号", "标题", "报送日期", "报送单位"], ["I-4", "新稿", "2025-03-05", "C01"]])
    auth.login("admin")
    page = client.get(f"/audit/?batch={report.batch}").data.decode()
    assert 'id="undo-batch"' in page
    page = client.post("/audit/undo", data={"batch": report.batch}, follow_redirects=True).data.decode()
    assert f"已撤销导入批次 {report.batch}" in page
    assert Item.get_or_none(Item.no == "I-4") is None
    assert Unit.select().count() == 3


def test_an_import_in_the_panel_is_on_record_as_the_accounts(client, auth, world):
    import io
    auth.login("admin")
    upload = ("稿件编号,标题,报送日期,报送单位\nI-9,面板导入,2025-03-05,C01\n").encode("utf-8-sig")
    checked = client.post("/import/check", data={"files": [(io.BytesIO(upload), "稿件.csv")]},
                          content_type="multipart/form-data").data.decode()
    token = checked.split('name="token" value="')[1].split('"')[0]
    done = client.post("/import/confirm", data={"token": token}).data.decode()
    assert 'id="import-batch"' in done
    [entry] = [e for e in entries_about("item") if e.item == "I-9"]
    assert (entry.actor, entry.source, entry.action) == ("admin", "import: 稿件.csv", "item.create")



def test_every_table_of_scored_data_has_its_words_in_the_log():
    """A new model of the data scores depend on (a DataModel) needs its name in the change log."""
    from kaohe.core.storage import changes
    from kaohe.core.storage.models import MODELS, DataModel
    tables = {m._meta.table_name for m in MODELS if issubclass(m, DataModel)}
    assert tables - set(changes.NAMES) == set()
