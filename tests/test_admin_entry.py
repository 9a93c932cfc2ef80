"""Entering data by hand: typed dates, searchable choosers, search by author and unit, Chinese messages."""

import html
import json
import re

from kaohe.core.storage.models import Adoption, Item, ItemUnit, UnitFact, UrgentReport
from tests import factories as f
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


# ---------------------------------------------------------------- dates

def test_a_typed_date_is_the_browsers_date_input_and_saves(client, auth, world):
    auth.login("clerk")
    page = client.get("/adoptions/new/").data.decode()
    assert 'id="adopted_on"' in page and 'type="date"' in page
    assert 'data-role="datepicker"' not in page  # Flask-Admin's English picker is gone
    response = client.post("/adoptions/new/", data={
        "item": str(world["item_b"].id), "publication": str(world["national"].id), "issue": "第9期",
        "adopted_on": "2025-12-22", "form": "full"})
    assert response.status_code == 302
    adoption = Adoption.get(Adoption.issue == "第9期")
    assert adoption.adopted_on.isoformat() == "2025-12-22"
    assert adoption.item_id == world["item_b"].id


def test_a_date_typed_with_slashes_is_understood(client, auth, world):
    auth.login("clerk")
    client.post("/adoptions/new/", data={
        "item": str(world["item_b"].id), "publication": str(world["national"].id), "issue": "第10期",
        "adopted_on": "2025/12/22", "form": "full"})
    assert Adoption.get(Adoption.issue == "第10期").adopted_on.isoformat() == "2025-12-22"


def test_a_bad_date_gives_one_chinese_error_naming_the_field(client, auth, world):
    auth.login("clerk")
    body = client.post("/adoptions/new/", data={
        "item": str(world["item_b"].id), "publication": str(world["national"].id), "issue": "第11期",
        "adopted_on": "0002-01-01025-12-22", "form": "full"}).data.decode()
    assert "「采用日期」不是有效的日期：0002-01-01025-12-22（请写作 2025-12-22）" in body
    assert "该字段是必填字段" not in body
    assert "Failed to create record" not in body and "未能保存，请按各栏下方的提示改正后再保存。" in body
    assert 'value="0002-01-01025-12-22"' in body  # what was typed stays, to be corrected
    assert Adoption.get_or_none(Adoption.issue == "第11期") is None


def test_an_empty_required_date_says_it_is_required(client, auth, world):
    auth.login("clerk")
    body = client.post("/adoptions/new/", data={
        "item": str(world["item_b"].id), "publication": str(world["national"].id), "issue": "12",
        "adopted_on": "", "form": "full"}).data.decode()
    assert "该字段是必填字段" in body and "不是有效的日期" not in body


def test_a_date_and_time_is_a_datetime_local_input(client, auth, world):
    auth.login("clerk")
    page = client.get("/urgent/new/").data.decode()
    assert 'type="datetime-local"' in page
    response = client.post("/urgent/new/", data={
        "no": "U-1", "unit": str(world["kaihua"].id), "title": "山体滑坡", "severity": "III",
        "occurred_at": "2025-03-01T10:00", "reported_at": "2025-03-01 14:30", "status": "reported"})
    assert response.status_code == 302
    report = UrgentReport.get(UrgentReport.no == "U-1")
    assert (report.occurred_at.isoformat(), report.reported_at.isoformat()) == \
        ("2025-03-01T10:00:00", "2025-03-01T14:30:00")
    edit = client.get(f"/urgent/edit/?id={report.id}").data.decode()
    assert 'value="2025-03-01T14:30"' in edit


# ---------------------------------------------------------------- choosers

def test_the_adoption_form_does_not_list_every_item(client, auth, world):
    unit = world["kaihua"]
    for n in range(300):
        f.item(unit, "2025-05-01", no=f"M-{n:03d}", title=f"批量稿件{n}")
    auth.login("clerk")
    page = client.get("/adoptions/new/").data.decode()
    assert "批量稿件" not in page and "<option" not in page.split('id="item"')[1][:200]
    assert 'data-role="select2-ajax"' in page and "/adoptions/ajax/lookup/?name=item" in page
    assert len(page) < 40_000


def _lookup(client, view, name, query, **extra):
    response = client.get(f"/{view}/ajax/lookup/", query_string=dict(name=name, query=query, **extra))
    return response.status_code, (json.loads(response.data) if response.status_code == 200 else None)


def test_the_item_chooser_finds_by_number_and_title_a_few_at_a_time(client, auth, world):
    for n in range(40):
        f.item(world["kaihua"], "2025-05-01", no=f"M-{n:03d}", title=f"批量稿件{n}")
    auth.login("clerk")
    status, rows = _lookup(client, "adoptions", "item", "B-1")
    assert status == 200 and rows == [[world["item_b"].id, "B-1 开化县动态"]]
    status, rows = _lookup(client, "adoptions", "item", "开化县")
    assert [row[1] for row in rows] == ["B-1 开化县动态"]
    _, rows = _lookup(client, "adoptions", "item", "批量稿件", limit=500)
    assert len(rows) == 20  # bounded whatever the client asks


def test_unit_reporter_and_publication_choosers(client, auth, world):
    auth.login("clerk")
    _, rows = _lookup(client, "items", "units", "C0")
    assert [row[1] for row in rows] == ["C01 常山县", "C02 开化县"]
    _, rows = _lookup(client, "items", "units", "发改")
    assert [row[1] for row in rows] == ["D01 市发改委"]
    _, rows = _lookup(client, "items", "authors", "开化")
    assert [row[1] for row in rows] == ["R02 李四（开化县）"]
    _, rows = _lookup(client, "items", "publication", "国办")
    assert [row[1] for row in rows] == ["P02 《国办信息》（国家级）"]


def test_a_unit_reporters_choosers_offer_their_own_unit_only(client, auth, world):
    auth.login("reporter")  # of 常山县
    _, rows = _lookup(client, "items", "units", "")
    assert [row[1] for row in rows] == ["C01 常山县"]
    _, rows = _lookup(client, "items", "authors", "")
    assert [row[1] for row in rows] == ["R01 张三（常山县）"]
    # an author of another unit, posted by hand, is not found and refused
    body = client.post("/items/new/", data={
        "no": "A-20", "title": "常山县稿件", "submitted_on": "2025-05-01", "category": "news",
        "units": str(world["changshan"].id), "authors": str(world["reporter_b"].id)}).data.decode()
    assert Item.get_or_none(Item.no == "A-20") is None and "所选的「作者」不存在或不可选" in body


def test_choosers_answer_only_those_who_may_fill_in_the_form(client, auth, world):
    auth.login("reporter")  # reads adoptions, may not enter them
    assert _lookup(client, "adoptions", "item", "")[0] == 403
    auth.logout()
    auth.login("viewer")
    assert _lookup(client, "items", "units", "")[0] == 403
    auth.logout()
    assert client.get("/items/ajax/lookup/?name=units&query=").status_code in (302, 403)


def test_an_item_saved_through_the_choosers_keeps_units_and_authors_in_order(client, auth, world):
    auth.login("clerk")
    response = client.post("/items/new/", data={
        "no": "J-2", "title": "两县再合报", "submitted_on": "2025-06-01", "category": "news",
        "units": f"{world['kaihua'].id},{world['changshan'].id}",
        "authors": str(world["reporter_b"].id),
        "adoptions-0-publication": str(world["provincial"].id), "adoptions-0-issue": "3",
        "adoptions-0-adopted_on": "2025-06-05", "adoptions-0-form": "full"})
    assert response.status_code == 302
    item = Item.get(Item.no == "J-2")
    assert [link.unit.code for link in item.unit_links.order_by(ItemUnit.position)] == ["C02", "C01"]
    assert [link.reporter.code for link in item.author_links] == ["R02"]
    assert item.adoptions.get().publication.code == "P01"
    edit = client.get(f"/items/edit/?id={item.id}").data.decode()
    assert _chosen(edit, "units") == [[world["kaihua"].id, "C02 开化县"], [world["changshan"].id, "C01 常山县"]]
    assert _chosen(edit, "authors") == [[world["reporter_b"].id, "R02 李四（开化县）"]]
    assert _chosen(edit, "adoptions-0-publication") == [world["provincial"].id, "P01 《省政府信息》（省级）"]


def _chosen(page, field_id):
    """The rows a chooser shows as chosen (its data-json), from an edit page's HTML."""
    tag = re.search(r'<input[^>]*\bid="%s"[^>]*>' % re.escape(field_id), page).group(0)
    return json.loads(html.unescape(re.search(r'data-json="([^"]*)"', tag).group(1)))


# ---------------------------------------------------------------- search and words

def test_items_are_found_by_author_and_by_unit_code(client, auth, world):
    auth.login("clerk")
    by_author = client.get("/items/?search=张三").data.decode()
    assert "常山县经验" in by_author and "开化县动态" not in by_author
    by_unit = client.get("/items/?search=C02").data.decode()
    assert "开化县动态" in by_unit and "两县合报" in by_unit and "常山县经验" not in by_unit
    # the joint item is listed once although two units match
    assert client.get("/items/?search=县").data.decode().count("两县合报") == 1


def test_adoptions_are_found_by_item_and_publication(client, auth, world):
    auth.login("clerk")
    body = client.get("/adoptions/?search=国办").data.decode()
    assert "两县合报" in body and "开化县动态" not in body


def test_the_list_pages_speak_a_clerks_chinese(client, auth, world):
    auth.login("clerk")
    body = client.get("/items/").data.decode()
    assert 'placeholder="搜索：稿件编号、标题、作者、报送单位代码或名称"' in body
    assert 'placeholder="None"' not in body
    assert "每页20条" in body and "20 items" not in body
    assert "批量操作" in body and "选中的" not in body


def test_the_facts_list_names_the_fact(client, auth, world):
    UnitFact.create(unit=world["kaihua"], year=2025, kind="provincial_county_rank", value="12")
    auth.login("clerk")
    body = client.get("/facts/").data.decode()
    assert "全省县域排名（provincial_county_rank）" in body


def test_a_units_parent_is_chosen_by_searching_and_may_stay_empty(client, auth, world):
    from kaohe.core.storage.models import Unit
    auth.login("clerk")
    assert 'name="parent"' in client.get("/units/new/").data.decode()
    _, rows = _lookup(client, "units", "parent", "开化")
    assert rows == [[world["kaihua"].id, "C02 开化县"]]
    assert client.post("/units/new/", data={"code": "T01", "name": "开化县某乡", "kind": "township", "pool": "township",
                                            "parent": str(world["kaihua"].id)}).status_code == 302
    assert client.post("/units/new/", data={"code": "T02", "name": "独立乡", "kind": "township", "pool": "township",
                                            "parent": ""}).status_code == 302
    assert Unit.get(Unit.code == "T01").parent_id == world["kaihua"].id
    assert (Unit.get(Unit.code == "T02").parent_id, Unit.get(Unit.code == "T02").pool) == (None, "township")
