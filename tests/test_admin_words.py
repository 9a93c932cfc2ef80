"""Words a clerk speaks: parameter changes in the schema's labels, the missing reason said at the top."""

from kaohe.core.storage.schemes import describe_value
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def test_parameter_values_are_described_in_the_schemas_own_words(registry):
    assert describe_value(registry, "rulesets.provincial.enabled", True) == "是"
    assert describe_value(registry, "rulesets.provincial.enabled", False) == "否"
    rows = [{"severity": "I"}, {"severity": "II"}]
    assert describe_value(registry, "rulesets.urgent_penalty.params.veto_severities", rows) == \
        "2行：事件级别 特别重大；事件级别 重大"
    assert describe_value(registry, "rulesets.urgent_penalty.params.veto_severities", []) == "无"
    assert describe_value(registry, "rulesets.provincial.params.adoption.provincial.full", "20.00") == "20.00"
    assert describe_value(registry, "awards.units.county", None) == "—"


def test_saving_without_a_reason_says_so_at_the_top_and_on_the_field(client, auth, world):
    from tests.admin_support import form_values
    auth.login("admin")
    scheme = world["scheme"]
    page = client.get(f"/schemes/{scheme.id}/tune").data.decode()
    values = form_values(page, "tune-form")
    values.update(action="save", reason="")
    body = client.post(f"/schemes/{scheme.id}/tune", data=values).data.decode()
    top = body.index("未保存：请在页面下方“修改原因”一栏写明为什么修改，再点保存。")
    assert top < body.index('id="tune-form"')
    assert 'id="reason" value="" class="form-control is-invalid" autofocus' in body
    assert "请填写修改原因" in body


def test_runs_and_comparison_name_rule_sets_by_their_titles(client, auth, world, registry):
    from kaohe.core.runs.store import recalculate
    from kaohe.core.storage import schemes
    scheme = world["scheme"]
    first = recalculate(registry, scheme, author="测试").run
    schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", "30",
                      author="测试", reason="提高省级全文采用分值")
    second = recalculate(registry, scheme, author="测试").run
    auth.login("admin")
    runs = client.get(f"/results/?scheme={scheme.id}").data.decode()
    assert "省政府信息采用计分 <span" in runs
    diff = client.get(f"/results/diff?a={first.id}&b={second.id}").data.decode()
    assert '<td title="provincial">省政府信息采用计分</td>' in diff


def test_english_mode_translates_the_panels_own_words(client, auth, world):
    auth.login("clerk")
    client.get("/lang/en")
    form = client.get("/adoptions/new/").data.decode()
    assert '<option value="full">Full text' in form and "全文采用" not in form
    assert 'data-placeholder="Type an item&#39;s number or title"' in form \
        or "data-placeholder=\"Type an item's number or title\"" in form
    body = client.post("/adoptions/new/", data={
        "item": str(world["item_b"].id), "publication": str(world["national"].id), "issue": "1",
        "adopted_on": "2025-13-45", "form": "full"}).data.decode()
    assert "is not a valid date: 2025-13-45 (write it as 2025-12-22)" in body
    items = client.get("/items/").data.decode()
    assert 'placeholder="Search: ' in items and "搜索：" not in items
