"""The panel's editor of a scheme's rule rows: cards built from each kind's schema, rows added,
removed and moved by posting the form, saved as a version in words, errors on their inputs, a
preset copied into rows with the same points, and only the administrator allowed.

The scheme is case 01 (钟楼区行政审批局, examples/schemes/01-zhonglou-shenpiju.toml) over the case's
data; its 2025-Q1 totals are expected.json's: BGS 67, FGK 36, TZK 35, SWK 5, ZWZX 35.
"""

import re
from decimal import Decimal

import pytest

from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import ParameterVersion, Scheme, UnitResult
from kaohe.core.storage.schemes import current_version
from tests.admin_support import account, app, auth, client, form_pairs, form_values, world  # noqa: F401
from tests.case_support import CASES, ROOT

D = Decimal
RULES = "p.scheme_rules.rules"
Q1 = {"BGS": "67", "FGK": "36", "TZK": "35", "SWK": "5", "ZWZX": "35"}


@pytest.fixture
def zhonglou(kaohe):
    code, out, err = kaohe("import", CASES / "01-zhonglou-shenpiju" / "data")
    assert code == 0, out + err
    code, out, err = kaohe("scheme", "import", ROOT / "examples" / "schemes" / "01-zhonglou-shenpiju.toml")
    assert code == 0, out + err
    account("admin", "admin")
    account("clerk", "clerk")
    account("viewer", "viewer")
    return Scheme.get(Scheme.name == "钟楼区行政审批局信息工作考核评分细则")


def _tune(client, scheme, **data):
    if not data:
        return client.get(f"/schemes/{scheme.id}/tune").data.decode()
    return client.post(f"/schemes/{scheme.id}/tune", data=data).data.decode()


def _post(client, scheme, page, action, **changes):
    """Post the form of `page` as a browser would, with `changes` typed in and `action` pressed."""
    values = form_values(page, "tune-form")
    values.update(changes)
    values["action"] = action
    return client.post(f"/schemes/{scheme.id}/tune", data=values).data.decode()


def _value(page, name):
    match = re.search(r'name="%s" id="[^"]*" value="([^"]*)"' % re.escape(name), page)
    assert match, name
    return match.group(1)


def _rule_names(page):
    return re.findall(r'name="p\.scheme_rules\.rules\.\d+\.name" id="[^"]*" value="([^"]*)"', page)


def _preview_row(body, code):
    match = re.search(r'data-unit="%s">.*?class="text-right before">([^<]*)</td>\s*'
                      r'<td class="text-right after">([^<]*)</td>' % code, body, re.S)
    assert match, f"no preview row for {code}"
    return match.group(1), match.group(2)


def _points(registry, scheme, period):
    run = recalculate(registry, scheme, period, author="test").run
    return {r.unit.code: r.points for r in UnitResult.select().where(UnitResult.run == run)}


def test_the_editor_shows_each_rule_row_of_the_scheme_with_its_kind_and_values(client, auth, zhonglou):
    auth.login("admin")
    page = _tune(client, zhonglou)
    assert _rule_names(page) == ["adoption", "instruction", "solicitation", "quota", "late",
                                 "criticised", "rate", "base"]
    # each card: its kind's Chinese title and description, its label, article and unit
    for title in ("稿件计分（分值表）", "领导批示计分", "约稿计分", "报送/采用任务", "加减分（办公室记录）",
                  "采用率门槛", "基础分（扣完为止）"):
        assert f'<span class="mr-2 rule-title">{title}</span>' in page
    assert "按分值表给稿件计分：每次采用，或每篇首次采用" in page
    assert _value(page, f"{RULES}.0.label") == "录用计分"
    assert _value(page, f"{RULES}.7.source") == "细则：基础得分为6分，扣完为止，加分无上限"
    assert re.search(r'name="%s\.4\.unit".*?<option value="分" selected>' % re.escape(RULES), page, re.S)
    assert "合计规则：作用于其前各条规则的得分" in page  # base_floor
    # every parameter, labelled, with the scheme's values: words by their Chinese labels
    assert _value(page, f"{RULES}.0.params.table.4.levels") == "省级、省直厅局、部委、国家级"
    assert _value(page, f"{RULES}.0.params.table.4.categories") == "调研"
    assert _value(page, f"{RULES}.0.params.table.4.points") == "50"
    assert _value(page, f"{RULES}.1.params.levels.city") == "20"
    assert _value(page, f"{RULES}.4.params.kinds") == "迟报"
    assert _value(page, f"{RULES}.7.params.deductions_of") == "quota、late、criticised、rate"
    assert "扣分来自的规则（不填为此前全部规则的扣分）" in page
    assert "采用率低于（%）" in page and "严格低于（等于时不扣）" in page
    # conditions: a three-way choice and optional dates, folded when nothing is set
    assert re.search(r'<select name="%s\.0\.params\.when\.negative"[^>]*>\s*<option value="" selected>不限'
                     % re.escape(RULES), page)
    assert f'type="date" name="{RULES}.0.params.when.from_date"' in page
    assert "<strong>适用条件</strong>：<span class=\"text-muted group-summary\">不限</span>" in page
    # the kinds one may add, by title (the built-in ones, total-level kinds apart)
    assert '<option value="banded_conversion">分档折算</option>' in page
    assert '<optgroup label="合计规则（作用于其前的规则）">' in page
    # posted back unchanged, the form is the stored configuration: nothing changes
    body = _post(client, zhonglou, page, "preview", period="2025-Q1")
    assert "参数没有变化。" in body and "0家单位有变化" in body
    assert _preview_row(body, "ZWZX") == ("35", "35")


def test_rows_added_removed_and_moved_by_the_form_then_saved_and_scored(client, auth, zhonglou,
                                                                        registry):
    auth.login("admin")
    page = _tune(client, zhonglou)
    # remove 录用率 (row 7): nothing is stored yet
    page = _post(client, zhonglou, page, "rules.remove:scheme_rules:6")
    assert "已删除第7条规则「录用率」" in page
    assert _rule_names(page) == ["adoption", "instruction", "solicitation", "quota", "late",
                                 "criticised", "base"]
    # add a points table: a row of defaults named after its kind, at the end
    page = _post(client, zhonglou, page, "rules.add:scheme_rules",
                 **{"new_rule_kind.scheme_rules": "item_points"})
    assert "已新增第8条规则「稿件计分（分值表）」" in page
    assert _rule_names(page)[-1] == "item_points"
    assert _value(page, f"{RULES}.7.label") == "稿件计分（分值表）"
    # its values typed, then moved above 基础得分 (its values go with it)
    page = _post(client, zhonglou, page, "rules.up:scheme_rules:7", **{
        f"{RULES}.7.name": "bonus", f"{RULES}.7.label": "省直及国家级另加",
        f"{RULES}.7.source": "试行：省直、国家级录用另加5分",
        f"{RULES}.7.params.table.0.levels": "国家级、省直厅局", f"{RULES}.7.params.table.0.points": "5"})
    assert _rule_names(page)[-2:] == ["bonus", "base"]
    assert _value(page, f"{RULES}.6.params.table.0.levels") == "国家级、省直厅局"
    assert ParameterVersion.select().where(ParameterVersion.scheme == zhonglou).count() == 2

    # the preview of 2025-Q1 on the unsaved rows: 录用率 gone, SWK 0/2 and ZWZX 1/4 lose no
    # point (SWK 5 + 1 = 6); Z12 of ZWZX adopted by 省直《江苏政务服务动态》 (简讯, 03-25) gets
    # the new 5: 35 + 1 + 5 = 41; the others had no rate deduction and no such adoption.
    body = _post(client, zhonglou, page, "preview", period="2025-Q1")
    assert {code: _preview_row(body, code) for code in Q1} == {
        "BGS": ("67", "67"), "FGK": ("36", "36"), "TZK": ("35", "35"), "SWK": ("5", "6"),
        "ZWZX": ("35", "41")}
    response = client.post(f"/schemes/{zhonglou.id}/tune", data={
        **form_values(body, "tune-form"), "action": "save", "reason": "取消录用率，省直及国家级另加"})
    assert response.status_code == 302
    config = current_version(zhonglou).config
    rows = next(e for e in config["rulesets"] if e["name"] == "scheme_rules")["params"]["rules"]
    assert [r["name"] for r in rows] == ["adoption", "instruction", "solicitation", "quota", "late",
                                         "criticised", "bonus", "base"]
    bonus = rows[6]
    assert (bonus["kind"], bonus["label"], bonus["unit"], bonus["source"]) == (
        "item_points", "省直及国家级另加", "分", "试行：省直、国家级录用另加5分")
    assert bonus["params"]["table"] == [{"label": "", "levels": ["national", "provincial_dept"],
                                         "forms": [], "categories": [], "publications": [],
                                         "tags": [], "points": "5.00", "counted": True}]
    assert rows[0] == next(e for e in ParameterVersion.get(number=2, scheme=zhonglou).config[
        "rulesets"] if e["name"] == "scheme_rules")["params"]["rules"][0]  # untouched rows stay
    assert _points(registry, zhonglou, "2025-Q1") == {
        "BGS": D("67.00"), "FGK": D("36.00"), "TZK": D("35.00"), "SWK": D("6.00"), "ZWZX": D("41.00")}

    # the versions list says it in Chinese, in the rows' own words
    versions = client.get(f"/schemes/{zhonglou.id}/versions").data.decode()
    assert "方案计分规则 · 计分规则「省直及国家级另加」</span>：（无） → 新增第7条：稿件计分（分值表）「省直及国家级" \
           "另加」（bonus，分）：分值表（按顺序取第一条相符的行） 1行" in versions
    assert "方案计分规则 · 计分规则「录用率」</span>：采用率门槛「录用率」（rate，分）：扣分 1.00 → （已删除）" \
        in versions  # its other values are its kind's defaults
    assert "计分规则顺序" not in versions  # a row added or removed is not a new order
    assert "{" not in versions.split('id="versions"')[1].split("</table>")[0]


def test_a_changed_value_and_a_new_order_are_named_in_the_rows_words(client, auth, zhonglou):
    auth.login("admin")
    page = _post(client, zhonglou, _tune(client, zhonglou), "rules.up:scheme_rules:4")
    assert "已将规则「报送不及时」移到第4条" in page
    response = client.post(f"/schemes/{zhonglou.id}/tune", data={
        **form_values(page, "tune-form"), "action": "save", "reason": "区级批示提高到15分",
        f"{RULES}.1.params.levels.county": "15", f"{RULES}.3.params.kinds": "迟报，超时",
        f"{RULES}.0.params.when.negative": "true"})
    assert response.status_code == 302
    versions = client.get(f"/schemes/{zhonglou.id}/versions").data.decode()
    assert "方案计分规则 · 计分规则「领导批示」 · 批示计分（按批示领导级别） · 县级</span>：10.00 → 15.00" in versions
    assert "方案计分规则 · 计分规则「报送不及时」 · 类别（不填为全部）</span>：迟报 → 迟报、超时" in versions
    assert "方案计分规则 · 计分规则「录用计分」 · 适用条件 · 负反馈</span>：不限 → 是" in versions
    assert "方案计分规则 · 计分规则顺序</span>：录用计分、领导批示、专题约稿、报送数量、报送不及时、被上级通报、录用率、" \
           "基础得分 → 录用计分、领导批示、专题约稿、报送不及时、报送数量、被上级通报、录用率、基础得分" in versions


def test_an_invalid_value_is_refused_in_chinese_next_to_its_input(client, auth, zhonglou):
    auth.login("admin")
    page = _tune(client, zhonglou)
    table = f"{RULES}.0.params.table"
    body = _post(client, zhonglou, page, "save", reason="试试", **{
        f"{RULES}.1.params.levels.city": "二十",  # an amount
        f"{table}.1._delete": "1", f"{table}.2.points": "十分",  # a table row after a deleted one
        f"{table}.3.levels": "市级、区级",  # a word the vocabulary does not have
        f"{RULES}.5.name": "late"})  # a name twice
    for name, message in ((f"{RULES}.1.params.levels.city", "不是有效的数字"),
                          (f"{table}.2.points", "不是有效的数字"),
                          (f"{table}.3.levels", "第2项：应为以下之一：national（国家级）"),
                          (f"{RULES}.5.name", "规则名「late」重复")):
        assert re.search(r'name="%s"[^>]*class="[^"]*is-invalid.*?field-error">%s'
                         % (re.escape(name), re.escape(message)), body, re.S), name
    assert _value(body, f"{RULES}.1.params.levels.city") == "二十"  # as typed
    assert "有参数填写不正确，请按红字提示修改。" in body
    assert ParameterVersion.select().where(ParameterVersion.scheme == zhonglou).count() == 2


def test_a_preset_copied_into_rows_scores_the_same_to_the_cent(client, auth, world, registry):
    # build_world: 常山县 20 + 25 = 45, 开化县 5 + 25 = 30, 市发改委 0 under `provincial`.
    scheme = world["scheme"]
    auth.login("admin")
    page = _tune(client, scheme)
    assert 'id="copy-preset-provincial"' in page and 'id="copy-preset-county_bonus"' not in page
    body = _post(client, scheme, page, "preset.copy:provincial", period="2025")
    assert "已将「省政府信息采用计分」的2条规则复制为本方案的计分规则，并停用「省政府信息采用计分」" in body
    assert "0家单位有变化" in body
    assert [_preview_row(body, code) for code in ("C01", "C02", "D01")] == [
        ("45", "45"), ("30", "30"), ("0", "0")]
    values = form_values(body, "tune-form")
    assert "enabled.provincial" not in values and values["enabled.scheme_rules"] == "on"
    assert _rule_names(body) == ["adoption", "instruction"]
    # the overrides first, then the level × form grid: 3 + 6 × 4 rows, with the scheme's values
    assert values[f"{RULES}.0.params.table.0.publications"] == "政务工作交流"
    assert values[f"{RULES}.0.params.table.26.levels"] == "县级"
    assert values[f"{RULES}.1.params.levels.national"] == "100"
    response = client.post(f"/schemes/{scheme.id}/tune",
                           data={**values, "action": "save", "reason": "改为本方案的计分规则"})
    assert response.status_code == 302
    config = current_version(scheme).config
    assert [(e["name"], e["enabled"]) for e in config["rulesets"]][:2] == [
        ("scheme_rules", True), ("provincial", False)]
    assert _points(registry, scheme, "2025") == {"C01": D("45.00"), "C02": D("30.00"),
                                                  "D01": D("0.00")}


def test_a_preset_is_copied_with_the_values_typed_in_the_form(client, auth, world):
    scheme = world["scheme"]
    auth.login("admin")
    page = _tune(client, scheme)
    body = _post(client, scheme, page, "preset.copy:provincial", period="2025",
                 **{"p.provincial.adoption.provincial.full": "30"})
    # 常山县's provincial full adoption: 20 → 30, so 45 → 55 against the saved version
    assert _preview_row(body, "C01") == ("45", "55") and _preview_row(body, "C02") == ("30", "30")
    pairs = dict(form_pairs(body, "tune-form"))
    row = next(n for n in range(3, 27) if pairs[f"{RULES}.0.params.table.{n}.levels"] == "省级"
               and pairs[f"{RULES}.0.params.table.{n}.forms"] == "全文采用")
    assert pairs[f"{RULES}.0.params.table.{row}.points"] == "30"


def test_county_bonus_copied_keeps_its_top_list_bonus(client, auth, world):
    # county_bonus is a preset of rows only (top_list is a unit_fact row): 常山县 ranked 12th in
    # the province gets the year's +50 from the copied rows, 45 → 95; 开化县 has no rank, 30.
    from tests import factories as f
    f.fact(world["changshan"], "provincial_county_rank", 12)
    scheme = world["scheme"]
    auth.login("admin")
    page = _tune(client, scheme)
    body = _post(client, scheme, page, "preset.copy:county_bonus", period="2025",
                 **{"enabled.county_bonus": "on"})
    assert _preview_row(body, "C01") == ("45", "95") and _preview_row(body, "C02") == ("30", "30")
    pairs = dict(form_pairs(body, "tune-form"))
    names = sorted(v for k, v in pairs.items() if re.fullmatch(rf"{re.escape(RULES)}\.\d+\.name", k))
    assert names == ["negative_feedback", "top_list"]
    assert "enabled.county_bonus" not in form_values(body, "tune-form")


@pytest.mark.parametrize("role", ["clerk", "viewer"])
def test_only_the_administrator_edits_rule_rows(client, auth, zhonglou, role):
    auth.login(role)
    assert client.get(f"/schemes/{zhonglou.id}/tune").status_code == 403
    for action in ("rules.add:scheme_rules", "rules.remove:scheme_rules:0",
                   "rules.up:scheme_rules:1", "preset.copy:provincial", "save"):
        response = client.post(f"/schemes/{zhonglou.id}/tune", data={
            "action": action, "new_rule_kind.scheme_rules": "cap", "reason": "试试"})
        assert response.status_code == 403, action
    assert "调整规则集与参数" not in client.get(f"/schemes/{zhonglou.id}/").data.decode()
    assert ParameterVersion.select().where(ParameterVersion.scheme == zhonglou).count() == 2


def test_the_editor_speaks_english_in_english_mode(client, auth, zhonglou):
    auth.login("admin")
    client.get("/lang/en")
    page = _tune(client, zhonglou)
    for words in ("Add rule", "Move up", "Move down", "Rule 1", "Rule name", "Article it rests on",
                  "Total-level rule: acts on the points of the rules before it"):
        assert words in page, words
    for words in ("新增规则", "上移", ">规则名<", ">依据条款<"):
        assert words not in page, words  # the kinds' own labels stay as their schemas say


def test_the_environment_preset_copied_scores_the_same(client, auth, world, registry):
    # the same world under `environment`: its seven rows (adoptions, instructions, depth,
    # solicitations, the quota in 元, the direct points' watch) stand for it to the cent.
    from kaohe.core.storage.schemes import create_scheme
    scheme = create_scheme(registry, "环保方案", 2025, ["environment"], author="test")
    before = _points(registry, scheme, "2025")
    auth.login("admin")
    body = _post(client, scheme, _tune(client, scheme), "preset.copy:environment", period="2025")
    assert "已将「环保系统政务信息考核与奖励办法」的7条规则复制为本方案的计分规则" in body
    assert "0家单位有变化" in body
    assert re.search(r'name="%s\.5\.unit".*?<option value="元" selected>' % re.escape(RULES), body, re.S)
    assert re.search(r'name="%s\.5\.params\.per_missing"[^>]*>\s*<div class="input-group-append">'
                     r'<span class="input-group-text">元' % re.escape(RULES), body)  # in the row's unit
    response = client.post(f"/schemes/{scheme.id}/tune", data={
        **form_values(body, "tune-form"), "action": "save", "reason": "改为本方案的计分规则"})
    assert response.status_code == 302
    assert _points(registry, scheme, "2025") == before == {
        "C01": D("45.00"), "C02": D("30.00"), "D01": D("0.00")}


def test_the_first_row_added_switches_the_scheme_rules_on(client, auth, world):
    scheme = world["scheme"]
    auth.login("admin")
    page = _tune(client, scheme)
    assert "enabled.scheme_rules" not in form_values(page, "tune-form")
    page = _post(client, scheme, page, "rules.add:scheme_rules",
                 **{"new_rule_kind.scheme_rules": "adjustment"})
    assert "已新增第1条规则「加减分（办公室记录）」（规则名 adjustment）" in page
    assert "「方案计分规则」已启用。" in page
    assert form_values(page, "tune-form")["enabled.scheme_rules"] == "on"
    page = _post(client, scheme, page, "rules.remove:scheme_rules:0")
    assert _rule_names(page) == [] and 'id="no-rules-scheme_rules"' in page


def test_a_row_whose_kind_is_not_loaded_is_kept_and_said(client, auth, zhonglou, registry):
    # a row of a plugin's kind, stored while the plugin was loaded
    config = current_version(zhonglou).config
    rows = config["rulesets"][0]["params"]["rules"]
    rows.insert(2, {"kind": "water_quality", "name": "water", "label": "水质信息", "source": "",
                    "unit": "分", "params": {"bonus": "2.00"}})
    ParameterVersion.create(scheme=zhonglou, number=3, config=config, author="plugin", reason="水利")
    auth.login("admin")
    page = _tune(client, zhonglou)
    assert "规则类型“water_quality”的插件没有加载，此条规则保持原样（可删除）。" in page
    body = _post(client, zhonglou, page, "preview")
    assert "kind：未知的规则类型「water_quality」" in body  # on its card, nothing saved
    # removed: the saved version cannot be previewed against (its row does not load), and
    # says why; the rows save, and the versions list names the row gone by its label
    page = _post(client, zhonglou, page, "rules.remove:scheme_rules:2")
    body = _post(client, zhonglou, page, "preview")
    assert "预览失败：规则集「方案计分规则」的参数有误：scheme_rules.rules.2.kind：未知的规则类型「water_quality」" in body
    response = client.post(f"/schemes/{zhonglou.id}/tune", data={
        **form_values(page, "tune-form"), "action": "save", "reason": "水利插件已卸载"})
    assert response.status_code == 302
    assert _rule_names(_tune(client, zhonglou)) == [
        "adoption", "instruction", "solicitation", "quota", "late", "criticised", "rate", "base"]
    versions = client.get(f"/schemes/{zhonglou.id}/versions").data.decode()
    assert "方案计分规则 · 计分规则「水质信息」</span>：water_quality「水质信息」（water，分） → （已删除）" in versions


def test_every_kind_can_be_added_with_its_defaults_and_previewed(client, auth, zhonglou, registry):
    # Each registered kind (built-in or plugged) gets a card from its schema alone: added with
    # its defaults, the page posted back as shown previews with no error on any input. A veto row
    # must name what it counts: its defaults say so, in Chinese, naming the row.
    auth.login("admin")
    page = _tune(client, zhonglou)
    for kind in sorted(set(registry.rule_kinds) - {"veto"}):
        page = _post(client, zhonglou, page, "rules.add:scheme_rules",
                     **{"new_rule_kind.scheme_rules": kind})
        assert f"规则「{registry.rule_kinds[kind].title}」" in page, kind
    body = _post(client, zhonglou, page, "preview", period="2025-Q1")
    assert re.findall(r'class="[^"]*field-error[^"]*">([^<]*)', body) == []
    assert "预览失败" not in body and "家单位有变化" in body
    page = _post(client, zhonglou, page, "rules.add:scheme_rules", **{"new_rule_kind.scheme_rules": "veto"})
    body = _post(client, zhonglou, page, "preview", period="2025-Q1")
    assert "预览失败：规则「veto」应填写计次的规则（of）或任务规则（unless）" in body
