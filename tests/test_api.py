"""The JSON API end to end: writes, reads, validation, tokens and roles, and the OpenAPI document."""

import hashlib
import re

import pytest

from kaohe import cli as climod
from kaohe.core.runs.results import publish
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemUnit,
    UrgentFollowUp,
    UrgentReport,
    User,
)
from kaohe.core.storage.tokens import issue_token
from tests.api_support import (  # noqa: F401 (fixtures)
    BASE,
    EXAMPLE_ADOPTIONS,
    EXAMPLE_INSTRUCTION,
    EXAMPLE_ITEM,
    SCHEME,
    api,
    app,
    office,
)

CREATED_ONE = {"created": 1, "updated": 0, "unchanged": 0}


def post_example(api, units=("KH",), as_="clerk"):
    assert api.post("/items", {**EXAMPLE_ITEM, "units": list(units)}, as_=as_).get_json() == CREATED_ONE
    assert api.post("/adoptions", EXAMPLE_ADOPTIONS, as_=as_).get_json() == \
        {"created": 2, "updated": 0, "unchanged": 0}
    assert api.post("/instructions", EXAMPLE_INSTRUCTION, as_=as_).get_json() == CREATED_ONE


def points_by_unit(response):
    return {row["unit"]: (row["points"], row["rank"]) for row in response.get_json()["rows"]}


# ---------------------------------------------------------------- the example, through the API

def test_domain_example_posted_recalculated_and_ranked(api):
    post_example(api)
    response = api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    assert response.status_code == 200
    body = response.get_json()
    assert {k: v for k, v in body.items() if k not in ("run", "fingerprint")} == {
        "scheme": SCHEME, "period": "2025-03", "period_title": "2025年3月", "units": 3,
        "lines": 3, "points": "90.00", "yuan": "0.00", "official": False}
    assert len(body["fingerprint"]) == 64

    ranking = api.get(f"/schemes/{SCHEME}/ranking", query_string={"period": "2025-03"}).get_json()
    assert (ranking["run"], ranking["period"], ranking["official"]) == (body["run"], "2025-03", False)
    assert ranking["rows"][0] == {
        "unit": "KH", "name": "开化县", "pool": "county", "rank": 1, "points": "90.00",
        "yuan": "0.00", "converted": None, "adoption_rate": "1.0000", "submitted": 1,
        "adopted": 1, "national": 1, "provincial": 1, "city": 0, "vetoed": False,
        "veto_reason": "", "tie_break": ""}
    assert points_by_unit(api.get(f"/schemes/{SCHEME}/ranking?period=2025-03")) == {
        "KH": ("90.00", 1), "CS": ("0.00", 2), "FG": ("0.00", 1)}

    lines = api.get(f"/schemes/{SCHEME}/units/KH/lines?period=2025-03").get_json()
    assert (lines["points"], lines["rank"], lines["pool"]) == ("90.00", 1, "county")
    assert [(line["rule"], line["item"], line["points"], line["explanation"]) for line in lines["lines"]] == [
        ("adoption", "2025-0001", "20.00", "《专报信息》（省级）全文采用，计20分"),
        ("adoption", "2025-0001", "20.00", "《国办信息》（国家级）综合采用，计20分"),
        ("instruction", "2025-0001", "50.00", "王副省长（省级领导）2025年3月20日批示，计50分"),
    ]


def test_joint_report_splits_45_each(api):
    post_example(api, units=("KH", "CS"))
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    assert points_by_unit(api.get(f"/schemes/{SCHEME}/ranking?period=2025-03&pool=county")) == {
        "CS": ("45.00", 1), "KH": ("45.00", 2)}  # the tie goes to the lower unit code


def test_recalc_without_body_scores_the_year(api):
    post_example(api)
    body = api.post(f"/schemes/{SCHEME}/recalc").get_json()
    assert (body["period"], body["period_title"], body["points"]) == ("2025", "2025年", "90.00")


# ---------------------------------------------------------------- items: upsert, list, detail

def test_items_upsert_by_number(api):
    assert api.post("/items", EXAMPLE_ITEM).get_json() == CREATED_ONE
    assert api.post("/items", EXAMPLE_ITEM).get_json() == {"created": 0, "updated": 0, "unchanged": 1}
    changed = {**EXAMPLE_ITEM, "title": "开化县全面推进河长制", "units": "KH、CS"}
    assert api.post("/items", changed).get_json() == {"created": 0, "updated": 1, "unchanged": 0}
    item = api.get("/items/2025-0001").get_json()
    assert (item["title"], item["units"]) == ("开化县全面推进河长制", ["KH", "CS"])
    assert Item.select().count() == 1


def test_items_list_filters_and_pages(api):
    api.post("/items", [
        {**EXAMPLE_ITEM, "no": "A1", "submitted_on": "2025-03-01"},
        {**EXAMPLE_ITEM, "no": "A2", "units": ["CS"], "reporters": ["R2"], "submitted_on": "2025-03-05",
         "negative": "是"},
        {**EXAMPLE_ITEM, "no": "A3", "submitted_on": "2025-04-02", "category": "problem"},
    ])
    everything = api.get("/items").get_json()
    assert [i["no"] for i in everything["items"]] == ["A1", "A2", "A3"]
    assert everything["items"][1] == {
        "no": "A2", "title": "开化县推进河长制", "submitted_on": "2025-03-05", "units": ["CS"],
        "reporters": ["R2"], "category": "experience", "negative": True, "solicitation": None,
        "state": "accepted", "review_comment": "", "version": 1}
    assert (everything["total"], everything["pages"], everything["page"], everything["per_page"]) == (3, 1, 1, 50)
    assert [i["no"] for i in api.get("/items?unit=KH").get_json()["items"]] == ["A1", "A3"]
    march = api.get("/items", query_string={"from": "2025-03-02", "to": "2025-03-31"}).get_json()
    assert [i["no"] for i in march["items"]] == ["A2"]
    second = api.get("/items?per_page=2&page=2").get_json()
    assert ([i["no"] for i in second["items"]], second["total"], second["pages"]) == (["A3"], 3, 2)


def test_items_list_refuses_bad_parameters(api):
    response = api.get("/items?page=0&to=2025-02-30&colour=red")
    assert response.status_code == 422
    assert response.get_json() == {"error": "数据有误", "fields": {
        "page": ["不能小于 1"], "to": ["「2025-02-30」不是有效的日期，应为 2025-03-08 的形式"],
        "colour": ["未知的字段"]}}
    assert api.get("/items?unit=ZZ").get_json() == {"error": "数据有误",
                                                    "fields": {"unit": ["单位代码「ZZ」不存在"]}}


def test_item_detail_with_adoptions_and_instructions(api):
    post_example(api)
    assert api.get("/items/2025-0001").get_json() == {
        "no": "2025-0001", "title": "开化县推进河长制", "submitted_on": "2025-03-01",
        "units": ["KH"], "reporters": ["R1"], "category": "experience", "negative": False,
        "solicitation": None, "state": "accepted", "review_comment": "", "version": 1,
        "adoptions": [
            {"item": "2025-0001", "publication": "SZB", "issue": "2025年第12期",
             "adopted_on": "2025-03-10", "form": "full"},
            {"item": "2025-0001", "publication": "GB", "issue": "第3期", "adopted_on": "2025-03-12",
             "form": "combined"}],
        "instructions": [{"item": "2025-0001", "leader_level": "provincial", "leader": "王副省长",
                          "instructed_on": "2025-03-20"}]}
    response = api.get("/items/2025-9999")
    assert (response.status_code, response.get_json()) == (404, {"error": "没有编号为「2025-9999」的稿件"})


def test_urgent_report_written_and_scored(api):
    body = {"no": "JJ-1", "unit": "KH", "title": "某镇山体滑坡", "severity": "较大",
            "occurred_at": "2025-03-08 14:30", "reported_at": "2025-03-08 19:00"}
    assert api.post("/urgent-reports", body).get_json() == CREATED_ONE
    stored = UrgentReport.get(UrgentReport.no == "JJ-1")
    assert (stored.severity, stored.status, str(stored.reported_at)) == ("III", "reported", "2025-03-08 19:00:00")
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    lines = api.get(f"/schemes/{SCHEME}/units/KH/lines?period=2025-03").get_json()
    assert lines["points"] == "-20.00"  # III: 4 hours allowed, reported after 4.5: late −20


def test_follow_up_reports_are_the_offices_to_write(api):
    api.post("/urgent-reports", {"no": "JJ-1", "unit": "KH", "title": "某镇山体滑坡", "severity": "较大",
                                 "occurred_at": "2025-03-08 14:30", "reported_at": "2025-03-08 15:10"})
    body = {"report": "jj-1", "reported_at": "2025-03-08T17:00:00+08:00", "content": "已转移群众12人"}
    assert api.post("/urgent-follow-ups", body).get_json() == CREATED_ONE
    follow_up = UrgentFollowUp.get()
    assert (follow_up.report.no, str(follow_up.reported_at), follow_up.content, follow_up.created_by) == (
        "JJ-1", "2025-03-08 17:00:00", "已转移群众12人", "clerk")
    assert api.post("/urgent-follow-ups", body).get_json() == {"created": 0, "updated": 0, "unchanged": 1}
    refused = api.post("/urgent-follow-ups", {**body, "content": "改"}, as_="reporter")
    assert refused.status_code == 403
    unknown = api.post("/urgent-follow-ups", {**body, "report": "JJ-9"})
    assert unknown.status_code == 422 and "事件编号「JJ-9」不存在" in str(unknown.get_json())
    assert UrgentFollowUp.get().content == "已转移群众12人"


# ---------------------------------------------------------------- validation

def test_one_record_errors_per_field(api):
    response = api.post("/items", {"no": "X1", "submitted_on": "2025-13-01", "units": "KH",
                                   "category": "小说", "extra": 1})
    assert response.status_code == 422
    assert response.get_json() == {"error": "数据有误", "fields": {
        "title": ["必须填写"],
        "submitted_on": ["「2025-13-01」不是有效的日期，应为 2025-03-08 的形式"],
        "category": ["未知的类别「小说」，应为 动态/经验/问题/建议/调研/综合/预警"],
        "extra": ["未知的字段"]}}


def test_list_errors_keyed_by_index_and_nothing_written(api):
    response = api.post("/adoptions", [
        EXAMPLE_ADOPTIONS[0],
        {"item": "2025-0001", "publication": "SZB", "adopted_on": "2025-03-11", "form": "转载"},
    ])
    assert response.status_code == 422
    assert response.get_json() == {"error": "数据有误", "fields": {
        "1": {"form": ["未知的采用形式「转载」，应为 全文/综合/简讯/上报"]}}}
    assert Adoption.select().count() == 0


def test_list_reference_errors_write_nothing(api):
    response = api.post("/items", [EXAMPLE_ITEM, {**EXAMPLE_ITEM, "no": "2025-0002", "units": ["KH", "ZZ"]},
                                   {**EXAMPLE_ITEM, "title": "重复"}])
    assert response.status_code == 422
    assert response.get_json() == {"error": "数据有误", "fields": {
        "1": {"units": ["单位代码「ZZ」不存在（数据库和本次导入的文件中都没有）"]},
        "2": {"no": ["稿件编号「2025-0001」与第1行重复"]}}}
    assert Item.select().count() == 0 and ItemUnit.select().count() == 0


def test_adoption_of_unknown_item_refused(api):
    response = api.post("/adoptions", EXAMPLE_ADOPTIONS[0])
    assert (response.status_code, response.get_json()) == (422, {"error": "数据有误", "fields": {
        "item": ["稿件编号「2025-0001」不存在（数据库和本次导入的文件中都没有）"]}})


def test_urgent_report_times_checked(api):
    response = api.post("/urgent-reports", {"no": "JJ-2", "unit": "KH", "title": "火灾", "severity": "I",
                                            "occurred_at": "2025-03-08 14:30",
                                            "reported_at": "2025-03-08 14:00"})
    assert response.get_json() == {"error": "数据有误", "fields": {"reported_at": ["首报时间早于发生时间"]}}


@pytest.mark.parametrize("kwargs,message", [
    ({"data": "not json", "content_type": "application/json"},
     "请求体应为 JSON，并带有 Content-Type: application/json"),
    ({"json": []}, "请求体应为一条记录（JSON 对象）或记录的列表（JSON 数组），且不能为空"),
    ({"json": 5}, "请求体应为一条记录（JSON 对象）或记录的列表（JSON 数组），且不能为空"),
])
def test_malformed_bodies(api, kwargs, message):
    response = api.post("/items", **kwargs)
    assert (response.status_code, response.get_json()) == (400, {"error": message})


def test_too_many_records(api, monkeypatch):
    from kaohe.admin.api import base
    monkeypatch.setattr(base, "MAX_RECORDS", 2)
    response = api.post("/instructions", [EXAMPLE_INSTRUCTION] * 3)
    assert (response.status_code, response.get_json()["error"]) == (
        400, "一次最多提交 2 条记录（本次 3 条），请分批提交")


def test_recalc_period_checked(api):
    assert api.post(f"/schemes/{SCHEME}/recalc", {"period": "2024-03"}).get_json() == {
        "error": "数据有误", "fields": {"period": ["期间 2024-03 不在考核方案「市政府系统」的年度 2025 内"]}}
    response = api.post(f"/schemes/{SCHEME}/recalc", {"period": "三月"})
    assert (response.status_code, response.get_json()) == (422, {"error": "数据有误", "fields": {
        "period": ["无法识别的期间「三月」：应为 2025、2025-H1、2025-Q1 或 2025-03 的形式"]}})
    missing = api.post("/schemes/不存在/recalc", {"period": "2025-03"})
    assert (missing.status_code, missing.get_json()) == (
        404, {"error": "没有名为「不存在」的考核方案；已有方案：市政府系统"})


# ---------------------------------------------------------------- reading results

def test_schemes_listed(api):
    assert api.get("/schemes", as_="viewer").get_json() == {"schemes": [{
        "name": SCHEME, "title": "市政府系统政务信息考核办法", "year": 2025, "units": 3, "version": 1,
        "rulesets": ["provincial", "county_bonus", "urgent_penalty"]}]}


def test_ranking_prefers_the_official_run(api):
    post_example(api)
    first = api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"}).get_json()["run"]
    api.post("/items", {**EXAMPLE_ITEM, "no": "2025-0002", "units": ["CS"]})
    api.post("/adoptions", {"item": "2025-0002", "publication": "SZB", "issue": "13",
                            "adopted_on": "2025-03-15", "form": "brief"})
    second = api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"}).get_json()["run"]
    latest = api.get(f"/schemes/{SCHEME}/ranking?period=2025-03", as_="viewer").get_json()
    assert (latest["run"], latest["official"], points_by_unit_dict(latest)["CS"]) == (second, False, "3.00")
    from kaohe.core.storage.models import ScoreRun
    publish(ScoreRun.get_by_id(first), "admin")
    official = api.get(f"/schemes/{SCHEME}/ranking?period=2025-03", as_="viewer").get_json()
    assert (official["run"], official["official"], points_by_unit_dict(official)["CS"]) == (first, True, "0.00")
    chosen = api.get(f"/schemes/{SCHEME}/ranking?run={second}", as_="viewer").get_json()
    assert (chosen["run"], chosen["official"]) == (second, False)
    unknown = api.get(f"/schemes/{SCHEME}/ranking?run=999")
    assert (unknown.status_code, unknown.get_json()) == (
        404, {"error": "考核方案「市政府系统」没有编号为 999 的计算结果"})
    never = api.get(f"/schemes/{SCHEME}/ranking?period=2025-05")
    assert never.status_code == 404 and never.get_json()["error"].startswith("考核方案「市政府系统」2025年5月尚未计算")


def points_by_unit_dict(body):
    return {row["unit"]: row["points"] for row in body["rows"]}


def test_awards_of_the_year(api):
    post_example(api)
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025"})
    awards = api.get(f"/schemes/{SCHEME}/awards", as_="viewer").get_json()
    assert {k: v for k, v in awards.items() if k != "run"} == {
        "scheme": SCHEME, "period": "2025", "official": False,
        "units": [{"pool": "county", "code": "KH", "name": "开化县", "points": "90.00", "award_rank": 1}],
        "reporters": [{"code": "R1", "name": "张三", "unit": "KH", "points": "90.00", "award_rank": 1}],
        "excluded_units": [{"code": "CS", "name": "常山县", "reason": "总分不为正，不参加评先"},
                           {"code": "FG", "name": "市发改委", "reason": "总分不为正，不参加评先"}],
        "excluded_reporters": []}


def test_unit_lines_of_unknown_unit(api):
    post_example(api)
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    response = api.get(f"/schemes/{SCHEME}/units/ZZ/lines?period=2025-03")
    assert (response.status_code, response.get_json()) == (404, {"error": "找不到单位代码「ZZ」"})


# ---------------------------------------------------------------- tokens and authentication

def test_missing_and_bad_tokens(api):
    response = api.get("/schemes", as_=None)
    assert response.status_code == 401
    assert response.get_json() == {"error": "缺少身份令牌：请在请求头中加入 Authorization: Bearer <令牌>"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="kaohe"'
    for header in ("Bearer kh_wrong", "Basic YWRtaW46eA==", "Bearer", f"Token {api.tokens['admin']}"):
        response = api.client.get(BASE + "/schemes", headers={"Authorization": header})
        assert response.status_code == 401, header
    assert api.client.get(BASE + "/schemes", headers={"Authorization": "Bearer kh_wrong"}).get_json() == \
        {"error": "身份令牌无效或已被吊销"}


def test_only_the_tokens_digest_is_stored_and_a_new_one_revokes_the_old(api, office):
    user = User.get(User.username == "clerk")
    old = office["tokens"]["clerk"]
    assert user.token_hash == hashlib.sha256(old.encode()).hexdigest() and old not in user.token_hash
    api.tokens["clerk"] = issue_token(user)
    assert api.get("/schemes").status_code == 200
    api.tokens["clerk"] = old
    assert api.get("/schemes").get_json() == {"error": "身份令牌无效或已被吊销"}


def test_inactive_account_refused(api):
    User.update(active=False).where(User.username == "viewer").execute()
    response = api.get("/schemes", as_="viewer")
    assert (response.status_code, response.get_json()) == (401, {"error": "此账号已停用"})


def test_session_cookie_is_not_accepted_and_csrf_not_needed(api):
    from kaohe.admin.auth import session_values
    user = User.get(User.username == "admin")
    with api.client.session_transaction() as session, api.client.application.app_context():
        session.update(session_values(user))  # a logged-in session, as the login page makes it
    assert api.client.get("/").status_code == 200  # the panel takes the session …
    assert api.client.get(BASE + "/schemes").status_code == 401  # … the API does not
    # CSRF protection is on in this app; a token-authenticated write needs no CSRF token
    assert api.post("/items", EXAMPLE_ITEM, as_="admin").get_json() == CREATED_ONE


def test_kaohe_token_command(api, capsys):
    User.create(username="oa", password_hash="!", role="clerk")
    code = climod.main(["token", "oa"])
    out, err = capsys.readouterr()
    dbmod.configure()
    token = out.strip()
    assert code == 0 and re.fullmatch(r"kh_[A-Za-z0-9_-]{43}", token)
    assert "只显示这一次" in err
    api.tokens["oa"] = token
    assert api.get("/schemes", as_="oa").status_code == 200
    with pytest.raises(SystemExit) as done:
        climod.main(["token", "nobody"])
    assert done.value.code == 1 and "没有用户「nobody」" in capsys.readouterr().err
    dbmod.configure()
    assert climod.main(["token", "oa", "--revoke"]) == 0
    assert "已吊销账号「oa」的令牌" in capsys.readouterr().out
    dbmod.configure()
    assert api.get("/schemes", as_="oa").status_code == 401


# ---------------------------------------------------------------- roles

WRITES = [("/items", EXAMPLE_ITEM), ("/adoptions", EXAMPLE_ADOPTIONS), ("/instructions", EXAMPLE_INSTRUCTION),
          ("/urgent-reports", {"no": "JJ-1", "unit": "KH", "title": "t", "severity": "IV",
                               "occurred_at": "2025-03-08 14:30", "status": "漏报"}),
          (f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})]


@pytest.mark.parametrize("path,body", WRITES, ids=[w[0] for w in WRITES])
def test_viewer_cannot_write(api, path, body):
    response = api.post(path, body, as_="viewer")
    assert response.status_code == 403
    assert response.get_json()["error"].startswith("查阅者账号无权")


# who may read what: (path, {role: status}); 404 where the account passes but nothing is computed
READS = [
    ("/schemes", {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 200}),
    ("/items", {"admin": 200, "clerk": 200, "viewer": 403, "reporter": 200}),
    (f"/schemes/{SCHEME}/ranking?period=2025-03", {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 200}),
    (f"/schemes/{SCHEME}/units/KH/lines?period=2025-03",
     {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 200}),
    (f"/schemes/{SCHEME}/units/CS/lines?period=2025-03",
     {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 403}),
    (f"/schemes/{SCHEME}/awards?period=2025-03", {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 403}),
    (f"/schemes/{SCHEME}/notification?month=2025-01",
     {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 403}),
    ("/openapi.json", {"admin": 200, "clerk": 200, "viewer": 200, "reporter": 200}),
]


@pytest.mark.parametrize("path,expected", READS, ids=[r[0] for r in READS])
def test_read_access_by_role(api, path, expected):
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-01"})
    assert {role: api.get(path, as_=role).status_code for role in expected} == expected


def test_reporter_writes_only_its_units_items(api):
    refused = api.post("/items", {**EXAMPLE_ITEM, "units": ["CS"]}, as_="reporter")
    assert (refused.status_code, refused.get_json()) == (403, {
        "error": "单位信息员只能报送本单位的稿件：稿件「2025-0001」的报送单位中没有本单位（开化县，KH）"})
    assert Item.select().count() == 0
    # a joint report that includes its unit is its unit's item
    assert api.post("/items", {**EXAMPLE_ITEM, "units": ["CS", "KH"]}, as_="reporter").get_json() == CREATED_ONE
    api.post("/items", {**EXAMPLE_ITEM, "no": "CS-1", "units": ["CS"]}, as_="clerk")
    taken = api.post("/items", {**EXAMPLE_ITEM, "no": "CS-1", "units": ["KH"]}, as_="reporter")
    assert (taken.status_code, taken.get_json()) == (
        403, {"error": "稿件「CS-1」是其他单位报送的，单位信息员不能修改"})
    # Adoptions, instructions and urgent reports are the office's records (issue 12): a reporter
    # writes none of them, not even on its own unit's items.
    adoption = api.post("/adoptions", [EXAMPLE_ADOPTIONS[0], {**EXAMPLE_ADOPTIONS[1], "item": "CS-1"}],
                        as_="reporter")
    assert (adoption.status_code, adoption.get_json()) == (
        403, {"error": "单位信息员账号无权登记采用（限管理员、录入员）"})
    instruction = api.post("/instructions", {**EXAMPLE_INSTRUCTION, "item": "CS-1"}, as_="reporter")
    assert instruction.status_code == 403
    assert Adoption.select().count() == 0 and Instruction.select().count() == 0
    assert api.post("/adoptions", EXAMPLE_ADOPTIONS, as_="reporter").status_code == 403
    urgent = api.post("/urgent-reports", {"no": "JJ-9", "unit": "KH", "title": "t", "severity": "IV",
                                          "occurred_at": "2025-03-08 14:30", "status": "漏报"},
                      as_="reporter")
    assert (urgent.status_code, urgent.get_json()) == (
        403, {"error": "单位信息员账号无权登记紧急信息（限管理员、录入员）"})
    assert Adoption.select().count() == 0 and UrgentReport.select().count() == 0


def test_reporter_reads_only_its_unit(api):
    post_example(api)
    api.post("/items", {**EXAMPLE_ITEM, "no": "CS-1", "units": ["CS"], "reporters": []})
    assert [i["no"] for i in api.get("/items", as_="reporter").get_json()["items"]] == ["2025-0001"]
    other = api.get("/items?unit=CS", as_="reporter")
    assert (other.status_code, other.get_json()) == (403, {"error": "单位信息员只能查询本单位的稿件"})
    item = api.get("/items/CS-1", as_="reporter")
    assert (item.status_code, item.get_json()) == (
        403, {"error": "稿件「CS-1」不是本单位报送的，单位信息员不能查看"})
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    ranking = api.get(f"/schemes/{SCHEME}/ranking?period=2025-03", as_="reporter").get_json()
    assert [(row["unit"], row["points"]) for row in ranking["rows"]] == [("KH", "90.00")]
    lines = api.get(f"/schemes/{SCHEME}/units/CS/lines?period=2025-03", as_="reporter")
    assert (lines.status_code, lines.get_json()) == (403, {"error": "单位信息员只能查看本单位的计分明细"})


def test_reporter_and_viewer_cannot_recalculate(api):
    for role, label in (("reporter", "单位信息员"), ("viewer", "查阅者")):
        response = api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"}, as_=role)
        assert (response.status_code, response.get_json()) == (
            403, {"error": f"{label}账号无权重新计算（限管理员、录入员）"})


# ---------------------------------------------------------------- the rest of /api/v1

def test_unknown_paths_and_methods_answer_json(api):
    response = api.client.delete(BASE + "/items", headers=api._headers("admin"))
    assert (response.status_code, response.get_json()) == (
        405, {"error": "此接口不支持 DELETE 请求，可用：GET、POST"})
    response = api.get("/nothing/here")
    assert (response.status_code, response.get_json()) == (404, {"error": "没有这个接口：GET /api/v1/nothing/here"})
    assert api.get("/nothing/here", as_=None).status_code == 401


# ---------------------------------------------------------------- the OpenAPI document

def test_openapi_document_matches_the_routes(app, api):
    document = api.get("/openapi.json", as_="viewer").get_json()
    assert document["openapi"] == "3.0.3"
    in_app = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(BASE + "/"):
            continue
        if rule.endpoint == "kaohe_api.fallback":
            continue  # answers unknown URLs with a JSON 404/405; not an operation
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        # HEAD and OPTIONS are answered by Flask itself for every route
        in_app |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    in_document = {(path, method) for path, operations in document["paths"].items()
                   for method in operations if method in ("get", "post", "put", "patch", "delete")}
    assert in_app == in_document
    assert ("/api/v1/schemes/{name}/notification", "get") in in_document
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "kaohe token 用户名 生成的令牌（只显示一次）"}
    assert document["security"] == [{"bearerAuth": []}]


def test_openapi_document_uses_the_import_schemas(api):
    document = api.get("/openapi.json").get_json()
    from kaohe.core.exchange.schemas import ItemSchema, UrgentReportSchema
    schemas = document["components"]["schemas"]
    assert set(schemas["Item"]["properties"]) == set(ItemSchema().fields)
    assert sorted(schemas["Item"]["required"]) == ["no", "submitted_on", "title", "units"]
    assert set(schemas["UrgentReport"]["properties"]) == set(UrgentReportSchema().fields)
    post_items = document["paths"]["/api/v1/items"]["post"]
    assert post_items["requestBody"]["content"]["application/json"]["schema"]["oneOf"] == [
        {"$ref": "#/components/schemas/Item"},
        {"type": "array", "items": {"$ref": "#/components/schemas/Item"}, "minItems": 1}]
    assert post_items["x-roles"] == ["admin", "clerk", "reporter"]
    assert set(post_items["responses"]) == {"200", "400", "401", "403", "422"}
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/items"]["get"]["parameters"]}
    assert sorted(parameters) == ["from", "page", "per_page", "to", "unit"]
    assert parameters["from"]["schema"] == {"type": "string", "format": "date"}
    lines = document["paths"]["/api/v1/schemes/{name}/units/{code}/lines"]["get"]
    assert [p["name"] for p in lines["parameters"] if p["in"] == "path"] == ["name", "code"]
    ranking_row = schemas["RankingRow"]["properties"]
    assert ranking_row["points"]["type"] == "string" and ranking_row["points"]["format"] == "decimal"


def test_openapi_document_needs_a_token(api):
    assert api.get("/openapi.json", as_=None).status_code == 401


# ---------------------------------------------------------------- an OA system's month

def test_oa_system_month_cycle(api):
    """January and February had no adoptions; March's come in from the OA system in one list."""
    api.post("/items", [
        EXAMPLE_ITEM,
        {"no": "2025-0002", "title": "常山县胡柚产业调研", "submitted_on": "2025-03-03",
         "units": "CS", "reporters": "R2", "category": "调研"},
        {"no": "2025-0003", "title": "常山县一季度经济运行", "submitted_on": "2025-03-05",
         "units": "CS"},
    ], as_="clerk")
    march = EXAMPLE_ADOPTIONS + [{"item": "2025-0002", "publication": "SZB", "issue": "2025年第13期",
                                  "adopted_on": "2025-03-18", "form": "简讯"}]
    assert api.post("/adoptions", march, as_="clerk").get_json() == {"created": 3, "updated": 0,
                                                                   "unchanged": 0}
    assert api.post("/instructions", [EXAMPLE_INSTRUCTION], as_="clerk").get_json() == CREATED_ONE
    for month in ("2025-01", "2025-02", "2025-03"):
        assert api.post(f"/schemes/{SCHEME}/recalc", {"period": month}, as_="clerk").status_code == 200

    ranking = api.get(f"/schemes/{SCHEME}/ranking?period=2025-03&pool=county", as_="viewer").get_json()
    assert [(r["unit"], r["points"], r["rank"], r["adoption_rate"]) for r in ranking["rows"]] == [
        ("KH", "90.00", 1, "1.0000"), ("CS", "3.00", 2, "0.5000")]
    lines = api.get(f"/schemes/{SCHEME}/units/CS/lines?period=2025-03", as_="viewer").get_json()
    assert [(line["item"], line["points"], line["explanation"]) for line in lines["lines"]] == [
        ("2025-0002", "3.00", "《专报信息》（省级）简讯采用，计3分")]

    notification = api.get(f"/schemes/{SCHEME}/notification?month=2025-03", as_="viewer").get_json()
    assert notification["title"] == "市政府系统政务信息工作通报（2025年第3期）"
    assert (notification["period"], notification["all_official"]) == ("2025-03", False)
    assert [r["period"] for r in notification["runs"]] == ["2025-01", "2025-02", "2025-03"]
    county = next(pool for pool in notification["pools"] if pool["pool"] == "county")
    assert [(r["code"], r["rank"], r["submitted"], r["adoptions"], r["points"], r["total"],
             r["adoption_rate_text"]) for r in county["rows"]] == [
        ("KH", 1, 1, {"national": 1, "provincial": 1, "city": 0, "county": 0}, "90.00", "90.00", "100.0%"),
        ("CS", 2, 2, {"national": 0, "provincial": 1, "city": 0, "county": 0}, "3.00", "3.00", "50.0%")]
    assert county["no_adoption"] == []
    department = next(pool for pool in notification["pools"] if pool["pool"] == "department")
    assert department["no_adoption"] == ["市发改委"]
    assert notification["instructions"] == [{
        "date": "2025-03-20", "level": "provincial", "level_label": "省级", "leader": "王副省长",
        "item_no": "2025-0001", "item_title": "开化县推进河长制", "units": ["开化县"]}]


def test_notification_needs_every_month_computed(api):
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025-03"})
    response = api.get(f"/schemes/{SCHEME}/notification?month=2025-03")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("考核方案「市政府系统」2025年1月、2025年2月尚未计算")
    assert api.get(f"/schemes/{SCHEME}/notification?month=2025").get_json() == {
        "error": "数据有误", "fields": {"month": ["应为 2025-03 这样的月份"]}}


def test_further_reports_and_a_reporters_page(api):
    """Issue 13: the further reports as JSON; a unit reporter reads its own unit's reporters only."""
    post_example(api)
    api.post(f"/schemes/{SCHEME}/recalc", {"period": "2025"})
    report = api.get(f"/schemes/{SCHEME}/reports/publications?period=2025-03", as_="viewer").get_json()
    assert (report["kind"], report["run"], report["period"]) == ("publications", None, "2025-03")
    assert report["sections"][0]["columns"][:3] == ["级别", "刊物代码", "刊物"]
    missing = api.get(f"/schemes/{SCHEME}/reports/quarterly?period=2025-Q1", as_="viewer")
    assert missing.status_code == 400 and "2025年第1季度尚未计算" in missing.get_json()["error"]
    assert api.get(f"/schemes/{SCHEME}/reports/weekly", as_="viewer").status_code == 404
    assert api.get(f"/schemes/{SCHEME}/reports/targets", as_="reporter").status_code == 403
    own = api.get(f"/schemes/{SCHEME}/reporters/R1?period=2025", as_="reporter")
    assert own.status_code == 200
    assert own.get_json()["sections"][0]["rows"][0][:2] == ["张三", "开化县"]
    assert api.get(f"/schemes/{SCHEME}/reporters/R2?period=2025", as_="reporter").status_code == 403
