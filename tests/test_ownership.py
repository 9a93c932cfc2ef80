"""Who may read and change what (issue 12): a role × route matrix, and each attack of the issue as a regression test."""

import pytest

from kaohe.core.storage.models import Adoption, Instruction, Item, ItemAuthor, ItemUnit, Unit, UrgentReport
from kaohe.core.storage.tokens import issue_token
from tests import factories as f
from werkzeug.datastructures import MultiDict

from tests.admin_support import app, auth, client, form_pairs, world  # noqa: F401 (fixtures)

ROLES = ("admin", "clerk", "reporter", "viewer", None)  # None: not logged in


def _login(client, auth, role):
    if role is not None:
        auth.login(role)


def links(item):
    units = [l.unit.code for l in ItemUnit.select().where(ItemUnit.item == item).order_by(ItemUnit.position)]
    authors = [l.reporter.code for l in ItemAuthor.select().where(ItemAuthor.item == item)
               .order_by(ItemAuthor.position)]
    return units, authors


# ---------------------------------------------------------------- the matrix

# (method, path, expected status by role). `{own}` is an item of the reporter's unit (常山县),
# `{other}` one of 开化县, `{joint}` their joint report. 302 for a page the role may open but
# not use (Flask-Admin sends it back to the list) or, for anonymous, to the login page.
MATRIX = [
    ("GET", "/items/", {"admin": 200, "clerk": 200, "reporter": 200, "viewer": 403, None: 302}),
    ("GET", "/items/new/", {"admin": 200, "clerk": 200, "reporter": 200, "viewer": 403, None: 302}),
    ("GET", "/items/details/?id={own}", {"admin": 200, "clerk": 200, "reporter": 200, "viewer": 403, None: 302}),
    ("GET", "/items/details/?id={other}", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/items/edit/?id={other}", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/items/edit/?id={other}", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/items/delete/?id={other}", {"admin": 302, "clerk": 302, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/items/action/", {"admin": 302, "clerk": 302, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/items/review/{own}", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/items/review/{own}", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    # the item form's searchable choosers (a reporter's finds its own unit only: test_admin_entry)
    ("GET", "/items/ajax/lookup/?name=units&query=C", {"admin": 200, "clerk": 200, "reporter": 200,
                                                       "viewer": 403, None: 302}),
    ("GET", "/adoptions/ajax/lookup/?name=item&query=A", {"admin": 200, "clerk": 200, "reporter": 403,
                                                          "viewer": 403, None: 302}),
    ("GET", "/adoptions/", {"admin": 200, "clerk": 200, "reporter": 200, "viewer": 403, None: 302}),
    ("POST", "/adoptions/new/", {"admin": 200, "clerk": 200, "reporter": 302, "viewer": 403, None: 302}),
    ("POST", "/instructions/new/", {"admin": 200, "clerk": 200, "reporter": 302, "viewer": 403, None: 302}),
    ("GET", "/urgent/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/urgent/new/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/facts/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/targets/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/solicitations/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/adjustments/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/adjustments/new/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/unit_kinds/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/unit_kinds/new/", {"admin": 200, "clerk": 200, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/units/action/", {"admin": 302, "clerk": 302, "reporter": 403, "viewer": 403, None: 302}),
    ("GET", "/audit/", {"admin": 200, "clerk": 403, "reporter": 403, "viewer": 403, None: 302}),
    ("POST", "/audit/undo", {"admin": 302, "clerk": 403, "reporter": 403, "viewer": 403, None: 302}),
]


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_role_route_matrix(client, auth, world, role):
    _login(client, auth, role)
    answered = {}
    for number, (method, path, expected) in enumerate(MATRIX):
        other = f.item([world["kaihua"]], "2025-05-01", no=f"B-9{number}")  # fresh: some routes delete
        spare = f.unit(f"X{number}", "待删单位")
        url = path.format(own=world["item_a"].id, other=other.id, joint=world["joint"].id)
        data = {}
        if path == "/items/action/":
            data = {"action": "delete", "rowid": [str(other.id)]}
        elif path == "/units/action/":
            data = {"action": "delete", "rowid": [str(spare.id)]}
        elif "/review/" in path:
            data = {"decision": "return", "comment": ""}  # refused (no comment): the page again
        answered[f"{method} {path}"] = client.open(url, method=method, data=data).status_code
        if role in ("reporter", "viewer", None):  # nothing of 开化县's, nor any unit, was touched
            assert Item.get_or_none(Item.id == other.id) is not None, (method, path)
            assert Unit.get_or_none(Unit.id == spare.id) is not None, (method, path)
    assert answered == {f"{m} {p}": expected[role] for m, p, expected in MATRIX}


def test_the_reporter_lists_only_its_units_rows(client, auth, world):
    f.instruction(world["item_b"], "provincial")
    auth.login("reporter")
    items = client.get("/items/").data.decode()
    assert "A-1" in items and "J-1" in items and "B-1" not in items
    adoptions = client.get("/adoptions/").data.decode()
    assert "开化县动态" not in adoptions
    assert "B-1" not in client.get("/instructions/").data.decode()


# ---------------------------------------------------------------- the attacks of the issue

def test_a_reporters_bulk_delete_of_another_units_item_is_refused(client, auth, world):
    """The list page's bulk delete selected rows without the reporter scope and cascaded."""
    target = world["item_b"]  # 开化县's, with an adoption
    auth.login("reporter")
    response = client.post("/items/action/", data={"action": "delete", "rowid": [str(target.id)]})
    assert response.status_code == 403
    assert Item.get_or_none(Item.id == target.id) is not None
    assert Adoption.select().where(Adoption.item == target).count() == 1
    # mixed with one of its own, nothing goes either
    own = f.item([world["changshan"]], "2025-05-02", no="A-9", state="pending")
    response = client.post("/items/action/", data={"action": "delete",
                                                    "rowid": [str(own.id), str(target.id)]})
    assert response.status_code == 403
    assert Item.get_or_none(Item.id == own.id) is not None


def test_a_reporter_deletes_its_own_waiting_item_but_not_an_accepted_or_joint_one(client, auth, world):
    own = f.item([world["changshan"]], "2025-05-02", no="A-9", state="pending")
    auth.login("reporter")
    client.post("/items/action/", data={"action": "delete", "rowid": [str(own.id)]})
    assert Item.get_or_none(Item.id == own.id) is None
    page = client.post("/items/action/", data={"action": "delete", "rowid": [str(world["item_a"].id)]},
                       follow_redirects=True).data.decode()
    assert "已审核入库，单位信息员不能再修改" in page
    assert Item.get_or_none(Item.id == world["item_a"].id) is not None


def test_saving_a_joint_items_form_as_the_browser_sends_it_keeps_the_other_units_and_authors(
        client, auth, world):
    """The reporter's form offered only its own unit, and saving rebuilt the links from it."""
    joint = world["joint"]
    joint.state = "returned"
    joint.save()
    ItemAuthor.create(item=joint, reporter=world["reporter_b"], position=0)  # 开化县's author
    ItemAuthor.create(item=joint, reporter=world["reporter_a"], position=1)
    auth.login("reporter")
    page = client.get(f"/items/edit/?id={joint.id}").data.decode()
    values = MultiDict(form_pairs(page, "admin-form"))
    assert values.get("version") == "2"  # the form carries the row's version (saved once above)
    values["title"] = "两县合报（修改）"
    response = client.post(f"/items/edit/?id={joint.id}", data=values)
    assert response.status_code == 302, response.data.decode()[:500]
    saved = Item.get_by_id(joint.id)
    assert saved.title == "两县合报（修改）"
    assert links(saved) == (["C01", "C02"], ["R02", "R01"])
    assert saved.state == "pending"  # a resubmission waits for the office


def test_a_reporter_cannot_add_adoptions_or_instructions_through_the_items_inline_forms(client, auth, world):
    """+150 points: national adoptions and instructions on its own items, through the item page."""
    own = f.item([world["changshan"]], "2025-05-02", no="A-9", state="returned")
    auth.login("reporter")
    page = client.get(f"/items/edit/?id={own.id}").data.decode()
    assert "adoptions-0" not in page and 'id="adoptions"' not in page
    values = MultiDict(form_pairs(page, "admin-form"))
    values.update({"adoptions-0-publication": str(world["national"].id), "adoptions-0-issue": "9",
                   "adoptions-0-adopted_on": "2025-05-05", "adoptions-0-form": "full",
                   "instructions-0-leader_level": "national", "instructions-0-leader": "某",
                   "instructions-0-instructed_on": "2025-05-06"})
    client.post(f"/items/edit/?id={own.id}", data=values)
    created = client.post("/items/new/", data={
        "no": "A-10", "title": "新", "submitted_on": "2025-06-01", "category": "news",
        "units": str(world["changshan"].id),
        "adoptions-0-publication": str(world["national"].id), "adoptions-0-issue": "10",
        "adoptions-0-adopted_on": "2025-06-05", "adoptions-0-form": "full"})
    assert created.status_code == 302
    assert Item.get(Item.no == "A-10").state == "pending"
    assert Adoption.select().where(Adoption.item.in_([own.id, Item.get(Item.no == "A-10").id])).count() == 0
    assert Instruction.select().count() == 0


def test_a_reporter_cannot_create_adoptions_directly(client, auth, world):
    auth.login("reporter")
    client.post("/adoptions/new/", data={"item": str(world["item_a"].id),
                                         "publication": str(world["national"].id), "issue": "1",
                                         "adopted_on": "2025-05-05", "form": "full"})
    assert Adoption.select().where(Adoption.item == world["item_a"]).count() == 1  # the world's only


def test_a_reporter_cannot_name_another_units_item_in_its_form(client, auth, world):
    auth.login("reporter")
    response = client.post("/items/new/", data={
        "no": "A-11", "title": "冒名", "submitted_on": "2025-06-01", "category": "news",
        "units": str(world["kaihua"].id)})
    assert Item.get_or_none(Item.no == "A-11") is None
    assert response.status_code == 200  # the form again: 开化县 is not a choice of this form


# ---------------------------------------------------------------- the API, the same policy

class Api:
    def __init__(self, client, world):
        self.client = client
        self.tokens = {name: issue_token(user) for name, user in world["users"].items()}

    def post(self, path, body=None, as_="clerk", **kwargs):
        headers = {"Authorization": f"Bearer {self.tokens[as_]}", **kwargs.pop("headers", {})}
        return self.client.post("/api/v1" + path, json=body, headers=headers, **kwargs)

    def get(self, path, as_="clerk"):
        return self.client.get("/api/v1" + path, headers={"Authorization": f"Bearer {self.tokens[as_]}"})


@pytest.fixture
def api(app, world):
    return Api(app.test_client(), world)


def test_through_the_api_a_reporter_neither_relinks_a_joint_item_nor_names_other_units_authors(api, world):
    joint = world["joint"]
    joint.state = "returned"
    joint.save()
    ItemAuthor.create(item=joint, reporter=world["reporter_b"], position=0)
    record = {"no": "J-1", "title": "两县合报", "submitted_on": "2025-04-01", "units": ["C01"],
              "reporters": ["R01"]}
    answer = api.post("/items", record, as_="reporter")
    assert answer.status_code == 200, answer.get_json()
    assert links(Item.get_by_id(joint.id)) == (["C01", "C02"], ["R02", "R01"])
    stolen = api.post("/items", {**record, "no": "A-20", "units": ["C01"], "reporters": ["R02"]},
                      as_="reporter")
    assert (stolen.status_code, stolen.get_json()) == (403, {
        "error": "单位信息员只能把本单位的信息员列为作者：李四不是常山县的信息员"})
    assert Item.get_or_none(Item.no == "A-20") is None


def test_through_the_api_a_reporter_rewrites_no_urgent_report_and_adds_no_points(api, world):
    """A severity-II report 7 h 47 min late became a severity-IV one reported after 5 minutes."""
    report = f.urgent(world["changshan"], "II", "2025-03-08 08:00", "2025-03-08 15:47", no="JJ-1")
    answer = api.post("/urgent-reports", {"no": "JJ-1", "unit": "C01", "title": "t", "severity": "IV",
                                          "occurred_at": "2025-03-08 08:00",
                                          "reported_at": "2025-03-08 08:05"}, as_="reporter")
    assert answer.status_code == 403
    stored = UrgentReport.get_by_id(report.id)
    assert (stored.severity, str(stored.reported_at)) == ("II", "2025-03-08 15:47:00")
    for path, body in (("/adoptions", {"item": "A-1", "publication": "P02", "issue": "9",
                                       "adopted_on": "2025-03-20", "form": "full"}),
                       ("/instructions", {"item": "A-1", "leader_level": "national",
                                          "instructed_on": "2025-03-20"})):
        assert api.post(path, body, as_="reporter").status_code == 403
    assert Adoption.select().where(Adoption.item == world["item_a"]).count() == 1
    assert Instruction.select().count() == 0


def test_the_api_refuses_a_reporters_change_to_an_accepted_item(api, world):
    answer = api.post("/items", {"no": "A-1", "title": "改标题", "submitted_on": "2025-03-02",
                                 "units": ["C01"]}, as_="reporter")
    assert (answer.status_code, answer.get_json()) == (403, {
        "error": "稿件「A-1」已审核入库，单位信息员不能再修改；如需更正请联系录入员"})
    assert Item.get_by_id(world["item_a"].id).title == "<script>alert(1)</script>常山县经验"
