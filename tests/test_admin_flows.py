"""The panel's flows: tuning with a preview, versions and restore, publishing, escaping, reporters' limits."""

import re

from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Item, ParameterVersion, ScoreRun, UnitResult
from tests.admin_support import app, auth, client, form_values, world  # noqa: F401 (fixtures)

GRID_CELL = "p.provincial.adoption.provincial.full"


def _preview_row(body, code):
    """(before, after) totals of a unit in the preview table."""
    match = re.search(r'data-unit="%s">.*?class="text-right before">([^<]*)</td>\s*'
                      r'<td class="text-right after">([^<]*)</td>' % code, body, re.S)
    assert match, f"no preview row for {code}"
    return match.group(1), match.group(2)


def _ranking_points(body, name):
    match = re.search(r'class="unit-link">%s</a></td>\s*<td class="text-right points">([^<]*)<'
                      % re.escape(name), body)
    assert match, name
    return match.group(1)


def _recalc(client, scheme):
    response = client.post("/results/recalc", data={"scheme": scheme.id, "period": "2025"})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).data.decode()


def test_tuning_preview_save_recalculate_restore(client, auth, world):
    scheme = world["scheme"]
    auth.login("admin")
    page = client.get(f"/schemes/{scheme.id}/tune").data.decode()
    values = form_values(page, "tune-form")
    assert values[GRID_CELL] == "20"
    assert "采用计分（按刊物级别和采用形式）" in page and "依据：" in page and "分" in page

    # Preview: 常山县 20 + 25 = 45 becomes 30 + 25 = 55; 开化县 stays 5 + 25 = 30; nothing stored.
    values[GRID_CELL] = "30"
    body = client.post(f"/schemes/{scheme.id}/tune", data={**values, "action": "preview"}).data.decode()
    assert _preview_row(body, "C01") == ("45", "55")
    assert _preview_row(body, "C02") == ("30", "30")
    assert re.search(r'class="table-warning moved" data-unit="C01"', body)
    assert not re.search(r'class="table-warning moved" data-unit="C02"', body)
    assert ParameterVersion.select().where(ParameterVersion.scheme == scheme).count() == 1
    assert ScoreRun.select().count() == 0

    # Saving without a reason is refused next to the field; with one it makes version 2.
    body = client.post(f"/schemes/{scheme.id}/tune", data={**values, "action": "save"}).data.decode()
    assert "请填写修改原因" in body
    assert ParameterVersion.select().count() == 1
    response = client.post(f"/schemes/{scheme.id}/tune",
                           data={**values, "action": "save", "reason": "省级全文提高到30分"})
    assert response.status_code == 302
    version = ParameterVersion.get((ParameterVersion.scheme == scheme) & (ParameterVersion.number == 2))
    assert version.author == "admin" and version.reason == "省级全文提高到30分"
    versions = client.get(f"/schemes/{scheme.id}/versions").data.decode()
    # the change is named in the parameters' own words, with the path on hover
    assert "省政府信息采用计分 · 采用计分（按刊物级别和采用形式） · 省级全文采用</span>：20.00 → 30.00" in versions
    assert 'title="rulesets.provincial.params.adoption.provincial.full"' in versions
    assert "20.00 → 30.00" in versions and "省级全文提高到30分" in versions

    # A recalculation reflects it.
    ranking = _recalc(client, scheme)
    assert _ranking_points(ranking, "常山县") == "55"
    assert _ranking_points(ranking, "开化县") == "30"

    # Restoring version 1 stores version 3 with the old values; the next run has the old totals.
    response = client.post(f"/schemes/{scheme.id}/versions/1/restore", data={"reason": ""})
    assert response.status_code == 302
    latest = ParameterVersion.select().order_by(ParameterVersion.number.desc()).first()
    assert latest.number == 3 and latest.config == ParameterVersion.get_by_id(1).config
    ranking = _recalc(client, scheme)
    assert _ranking_points(ranking, "常山县") == "45"


def test_tuning_errors_are_chinese_next_to_the_field_and_nothing_is_saved(client, auth, world):
    scheme = world["scheme"]
    auth.login("admin")
    values = form_values(client.get(f"/schemes/{scheme.id}/tune").data.decode(), "tune-form")
    values[GRID_CELL] = "很多"
    body = client.post(f"/schemes/{scheme.id}/tune",
                       data={**values, "action": "save", "reason": "试试"}).data.decode()
    assert re.search(r'name="%s"[^>]*value="很多"[^>]*is-invalid' % re.escape(GRID_CELL), body)
    assert "不是有效的数字" in body
    assert ParameterVersion.select().count() == 1


def test_switching_a_rule_set_previews_and_saves(client, auth, world):
    scheme = world["scheme"]
    auth.login("admin")
    values = form_values(client.get(f"/schemes/{scheme.id}/tune").data.decode(), "tune-form")
    values.pop("enabled.provincial")
    body = client.post(f"/schemes/{scheme.id}/tune", data={**values, "action": "preview"}).data.decode()
    assert _preview_row(body, "C01") == ("45", "0")
    values["enabled.county_bonus"] = "on"
    values["order.county_bonus"] = "1"
    values["order.provincial"] = "2"
    response = client.post(f"/schemes/{scheme.id}/tune",
                           data={**values, "action": "save", "reason": "只计县区加分"})
    assert response.status_code == 302
    config = ParameterVersion.select().order_by(ParameterVersion.number.desc()).first().config
    assert [(e["name"], e["enabled"]) for e in config["rulesets"]][:2] == [
        ("county_bonus", True), ("provincial", False)]


def test_publishing_freezes_a_run(client, auth, world, registry):
    scheme = world["scheme"]
    auth.login("admin")
    first = recalculate(registry, scheme, "2025", author="test").run
    response = client.post(f"/results/run/{first.id}/publish")
    assert response.status_code == 302
    body = client.get(f"/results/run/{first.id}/").data.decode()
    assert 'id="official-badge"' in body and "结果已冻结" in body
    # Later edits and recalculations leave it alone; it stays official until another is published.
    values = form_values(client.get(f"/schemes/{scheme.id}/tune").data.decode(), "tune-form")
    values[GRID_CELL] = "100"
    client.post(f"/schemes/{scheme.id}/tune", data={**values, "action": "save", "reason": "改分"})
    Item.update(title="改过的标题").where(Item.id == world["item_a"].id).execute()
    second_body = _recalc(client, scheme)
    assert _ranking_points(second_body, "常山县") == "125"
    body = client.get(f"/results/run/{first.id}/").data.decode()
    assert _ranking_points(body, "常山县") == "45" and 'id="official-badge"' in body
    assert client.post(f"/results/run/{first.id}/publish").status_code == 302  # refused, flashed
    second = ScoreRun.select().order_by(ScoreRun.id.desc()).first()
    client.post(f"/results/run/{second.id}/publish")
    assert 'id="official-badge"' not in client.get(f"/results/run/{first.id}/").data.decode()
    assert 'id="official-badge"' in client.get(f"/results/run/{second.id}/").data.decode()
    assert UnitResult.get((UnitResult.run == first) & (UnitResult.unit == world["changshan"])).points == 45
    awards = client.get(f"/results/awards?scheme={scheme.id}").data.decode()
    assert "常山县" in awards and "先进单位" in awards


def test_clerk_recalculates_but_does_not_publish_or_tune(client, auth, world):
    scheme = world["scheme"]
    auth.login("clerk")
    _recalc(client, scheme)
    run = ScoreRun.select().first()
    assert client.post(f"/results/run/{run.id}/publish").status_code == 403
    assert not ScoreRun.get_by_id(run.id).published
    assert client.post(f"/schemes/{scheme.id}/tune", data={"action": "save"}).status_code == 403
    assert client.post(f"/schemes/{scheme.id}/versions/1/restore").status_code == 403


def test_viewer_and_reporter_cannot_recalculate(client, auth, world):
    for role in ("viewer", "reporter"):
        auth.login(role)
        assert client.post("/results/recalc", data={"scheme": world["scheme"].id}).status_code == 403
        auth.logout()
    assert ScoreRun.select().count() == 0


def test_script_in_a_title_is_escaped_everywhere(client, auth, world, registry):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    other = recalculate(registry, world["scheme"], "2025-04", author="test").run
    auth.login("admin")
    pages = ["/items/", f"/items/details/?id={world['item_a'].id}",
             f"/items/edit/?id={world['item_a'].id}", "/adoptions/",
             f"/results/run/{run.id}/unit/{world['changshan'].id}",
             f"/results/diff?a={other.id}&b={run.id}"]
    for page in pages:
        body = client.get(page).data.decode()
        assert "<script>alert(1)</script>" not in body, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or \
            "&lt;script&gt;alert(1)&lt;/script&gt;".replace("&gt;", "&#62;") in body, page


def test_explanation_lists_lines_by_rule_set_with_items_and_sentences(client, auth, world, registry):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("clerk")
    ranking = client.get(f"/results/run/{run.id}/").data.decode()
    link = f"/results/run/{run.id}/unit/{world['changshan'].id}"
    assert link in ranking
    body = client.get(link).data.decode()
    assert "常山县：45分" in body
    assert "省政府信息采用计分" in body and "小计" in body
    assert "A-1" in body and "J-1" in body and "两县合报" in body
    assert "全文采用，计20分" in body


# ---------------------------------------------------------------- unit reporters

def test_reporter_sees_only_their_units_items(client, auth, world):
    auth.login("reporter")
    body = client.get("/items/").data.decode()
    assert "A-1" in body and "J-1" in body and "B-1" not in body
    adoptions = client.get("/adoptions/").data.decode()
    assert "开化县动态" not in adoptions


def test_reporter_cannot_read_or_write_another_units_item_by_url(client, auth, world):
    other = world["item_b"]
    auth.login("reporter")
    assert client.get(f"/items/edit/?id={other.id}").status_code == 403
    assert client.get(f"/items/details/?id={other.id}").status_code == 403
    response = client.post(f"/items/edit/?id={other.id}", data={
        "no": "B-1", "title": "改掉别人的稿件", "submitted_on": "2025-03-03", "category": "news",
        "units": str(world["changshan"].id)})
    assert response.status_code == 403
    assert Item.get_by_id(other.id).title == "开化县动态"
    response = client.post("/items/delete/", data={"id": other.id})
    assert response.status_code in (302, 403)
    assert Item.get_or_none(Item.id == other.id) is not None


def test_reporter_creates_items_for_their_unit_only(client, auth, world):
    auth.login("reporter")
    response = client.post("/items/new/", data={
        "no": "A-9", "title": "常山县新稿件", "submitted_on": "2025-05-01", "category": "news",
        "units": str(world["changshan"].id)})
    assert response.status_code == 302
    item = Item.get(Item.no == "A-9")
    assert [link.unit.code for link in item.unit_links] == ["C01"]
    client.post("/items/new/", data={
        "no": "A-10", "title": "冒名开化县", "submitted_on": "2025-05-01", "category": "news",
        "units": str(world["kaihua"].id)})
    assert Item.get_or_none(Item.no == "A-10") is None


def test_reporter_reads_their_units_explanation_only(client, auth, world, registry):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("reporter")
    mine = client.get(f"/results/run/{run.id}/unit/{world['changshan'].id}")
    assert mine.status_code == 200 and "常山县" in mine.data.decode()
    assert client.get(f"/results/run/{run.id}/unit/{world['kaihua'].id}").status_code == 403
    response = client.get(f"/results/run/{run.id}/")
    assert response.status_code == 302 and f"/unit/{world['changshan'].id}" in response.headers["Location"]


# ---------------------------------------------------------------- data pages

def test_item_with_adoption_inline_saves_all_or_nothing(client, auth, world):
    auth.login("clerk")
    data = {"no": "N-1", "title": "新稿件", "submitted_on": "2025-06-01", "category": "news",
            "units": str(world["kaihua"].id),
            "adoptions-0-publication": str(world["provincial"].id), "adoptions-0-issue": "7",
            "adoptions-0-adopted_on": "2025-06-05", "adoptions-0-form": "full"}
    assert client.post("/items/new/", data=data).status_code == 302
    item = Item.get(Item.no == "N-1")
    assert item.adoptions.count() == 1
    # A bad inline date: the form is shown again with the error, and no item is stored.
    bad = dict(data, no="N-2", **{"adoptions-0-adopted_on": "不是日期"})
    response = client.post("/items/new/", data=bad)
    assert response.status_code == 200
    assert Item.get_or_none(Item.no == "N-2") is None


def test_validation_errors_are_shown_in_chinese(client, auth, world):
    auth.login("clerk")
    body = client.post("/units/new/", data={"code": "", "name": "", "kind": "county"}).data.decode()
    assert "该字段是必填字段" in body or "必填" in body


def test_the_run_list_shows_the_rule_set_versions_each_run_used(client, auth, world, registry):
    scheme = world["scheme"]
    run = recalculate(registry, scheme, author="测试")
    auth.login("admin")
    body = client.get(f"/results/?scheme={scheme.id}").data.decode()
    assert run.run.ruleset_versions  # e.g. {"provincial": "1.0", ...}
    for name, number in run.run.ruleset_versions.items():
        assert f"{name} {number}" in body
