"""The office's own records in the panel: 加减分, its own unit kinds, targets by period and scheme."""

import datetime
from decimal import Decimal

from kaohe.core.scoring import engine
from kaohe.core.storage.models import Adjustment, AuditLog, Target, Unit, UnitKind
from kaohe.core.storage.schemes import create_scheme, current_version, save_config
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def test_a_clerk_records_a_deduction_and_the_adjustment_rule_scores_it(client, auth, world,
                                                                        registry):
    auth.login("clerk")
    page = client.get("/adjustments/new/").data.decode()
    assert "扣分填负数" in page and "事由" in page
    response = client.post("/adjustments/new/", data={
        "unit": str(world["changshan"].id), "date": "2025-03-20", "points": "-2", "yuan": "",
        "kind": "差错", "reason": "所报稿件数据有误，被市政府办公室通报",
        "reference": "被上级部门通报的，每次扣2分"})
    assert response.status_code == 302
    row = Adjustment.get()
    assert (row.unit_id, row.date, row.points, row.kind) == (
        world["changshan"].id, datetime.date(2025, 3, 20), Decimal("-2.00"), "差错")
    # on record, by whom, from the panel
    logged = AuditLog.get(AuditLog.action == "adjustment.create")
    assert (logged.actor, logged.source) == ("clerk", "panel")
    # a scheme with an adjustment row takes it: 常山县 45 − 2 = 43
    scheme = create_scheme(registry, "加减分方案", 2025, ["provincial", "scheme_rules"],
                           author="test")
    config = dict(current_version(scheme).config)
    config["rulesets"] = [entry if entry["name"] != "scheme_rules" else {
        "name": "scheme_rules", "enabled": True, "params": {"joint_split": "equal", "rules": [
            {"kind": "adjustment", "name": "adjustment", "label": "加减分"}]}}
        for entry in config["rulesets"]]
    save_config(registry, scheme, config, author="test", reason="加减分")
    outcome = engine.compute(registry, scheme, "2025")
    points = {t.code: t.points for t in outcome.units.values()}
    assert points["C01"] == Decimal("43.00") and points["C02"] == Decimal("30.00")
    listed = client.get("/adjustments/").data.decode()
    assert "所报稿件数据有误" in listed and "-2" in listed


def test_an_adjustment_needs_points_or_yuan_and_says_so_in_chinese(client, auth, world):
    auth.login("clerk")
    body = client.post("/adjustments/new/", data={
        "unit": str(world["changshan"].id), "date": "2025-03-20", "points": "", "yuan": "",
        "kind": "", "reason": "无分值", "reference": ""}).data.decode()
    assert "分值：分值和金额至少填写一项" in body
    assert Adjustment.select().count() == 0


def test_an_adjustments_reporter_belongs_to_its_unit(client, auth, world):
    auth.login("clerk")
    body = client.post("/adjustments/new/", data={
        "unit": str(world["changshan"].id), "date": "2025-03-20", "points": "1",
        "reason": "表扬", "reporter": str(world["reporter_b"].id)}).data.decode()
    assert "信息员不属于该单位" in body
    assert Adjustment.select().count() == 0


def test_viewers_and_reporters_may_not_record_adjustments(client, auth, world):
    for role in ("viewer", "reporter"):
        auth.login(role)
        response = client.post("/adjustments/new/", data={
            "unit": str(world["changshan"].id), "date": "2025-03-20", "points": "5",
            "reason": "自己加分"})
        assert response.status_code in (302, 403)
        assert Adjustment.select().count() == 0, role
        auth.logout()


def test_an_office_defines_a_unit_kind_and_gives_it_to_a_unit(client, auth, world):
    auth.login("clerk")
    response = client.post("/unit_kinds/new/", data={"code": "ｄｉｓｈｉ", "name": "设区市"})
    assert response.status_code == 302
    kind = UnitKind.get()
    assert (kind.code, kind.name) == ("dishi", "设区市")  # folded as the import folds codes
    form = client.get("/units/new/").data.decode()
    assert '<option value="dishi">设区市</option>' in form
    response = client.post("/units/new/", data={"code": "S01", "name": "衢州市", "kind": "dishi",
                                                "pool": ""})
    assert response.status_code == 302
    unit = Unit.get(Unit.code == "S01")
    assert (unit.kind, unit.pool) == ("dishi", "dishi")
    assert "设区市" in client.get("/units/").data.decode()
    # a kind that units still use cannot be deleted
    client.post("/unit_kinds/delete/", data={"id": str(kind.id)})
    assert UnitKind.get_or_none(UnitKind.id == kind.id) is not None
    page = client.get("/unit_kinds/").data.decode()
    assert "单位类型「dishi」还有1条报送单位引用它，不能删除" in page


def test_a_built_in_kind_is_not_defined_again(client, auth, world):
    auth.login("clerk")
    body = client.post("/unit_kinds/new/", data={"code": "县区", "name": "县区"}).data.decode()
    assert "类型代码：「县区」是内置的单位类型，无需再定义" in body
    assert UnitKind.select().count() == 0


def test_a_quarterly_target_of_one_scheme_is_entered_and_checked(client, auth, world):
    auth.login("clerk")
    response = client.post("/targets/new/", data={
        "unit": str(world["changshan"].id), "year": "2025", "period": "2025-Q1",
        "scheme": "测试方案", "submit_target": "6", "adopt_target": "2"})
    assert response.status_code == 302
    target = Target.get()
    assert (target.period, target.scheme, target.submit_target) == ("2025-Q1", "测试方案", 6)
    listed = client.get("/targets/").data.decode()
    assert "2025-Q1" in listed and "测试方案" in listed
    body = client.post("/targets/new/", data={
        "unit": str(world["kaihua"].id), "year": "2024", "period": "2025-Q1",
        "submit_target": "6"}).data.decode()
    assert "期间：期间「2025-Q1」不在2024年度内" in body
    body = client.post("/targets/new/", data={
        "unit": str(world["kaihua"].id), "year": "2025", "period": "一季度",
        "submit_target": "6"}).data.decode()
    assert "不是有效的期间" in body
    assert Target.select().count() == 1
