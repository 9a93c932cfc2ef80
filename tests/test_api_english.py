"""The API in English: a client whose Accept-Language prefers English gets every message — the
error, each field's messages, HTTP errors, refusals — in English, its data as stored; without the
header, or preferring Chinese, the very Chinese it always got. Content-Language says which."""

import json

import pytest

from kaohe.admin.i18n import word
from kaohe.core.storage.models import ROLES
from tests.api_support import (  # noqa: F401 (fixtures)
    BASE,
    EXAMPLE_INSTRUCTION,
    EXAMPLE_ITEM,
    SCHEME,
    api,
    app,
    office,
)
from tests.english_support import HAN, english

EN = {"Accept-Language": "en"}


def call(api, method, path, as_="clerk", language=None, **kwargs):
    headers = {**api._headers(as_), **({"Accept-Language": language} if language else {})}
    return api.client.open(BASE + path, method=method, headers=headers, **kwargs)


def answer(response):
    return response.status_code, response.get_json()


def chinese_left(response, data=()):
    """The Chinese of an error body once the data values sent (and echoed) are taken out."""
    text = response.get_data(as_text=True)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, "")
    return HAN.findall(text)


@pytest.fixture
def items(api):
    """The example item of 开化县 and an item of 常山县 (the reporter's unit is 开化县)."""
    assert api.post("/items", EXAMPLE_ITEM).status_code == 200
    other = {**EXAMPLE_ITEM, "no": "CS-1", "units": ["CS"], "reporters": []}
    assert api.post("/items", other).status_code == 200


BAD_ITEM = {"no": "X1", "title": "长" * 501, "submitted_on": "2025-13-01", "units": "KH",
            "category": "小说", "extra": 1}
UNKNOWN_UNIT = {**EXAMPLE_ITEM, "no": "X2", "units": ["KH", "ZZ"]}

# (method, path, role, json body) → (status, the English body, the Chinese body)
CASES = {
    "no token": (("GET", "/items", None, None), 401, {
        "error": "Missing token: send the header Authorization: Bearer <token>"}, {
        "error": "缺少身份令牌：请在请求头中加入 Authorization: Bearer <令牌>"}),
    "another unit's item": (("GET", "/items/CS-1", "reporter", None), 403, {
        "error": "Item 「CS-1」 was not submitted by your unit; a unit reporter cannot view it"}, {
        "error": "稿件「CS-1」不是本单位报送的，单位信息员不能查看"}),
    "another unit's items": (("GET", "/items?unit=CS", "reporter", None), 403, {
        "error": "A unit reporter can list only its own unit's items"}, {
        "error": "单位信息员只能查询本单位的稿件"}),
    "a role's refusal": (("POST", f"/schemes/{SCHEME}/recalc", "reporter", {"period": "2025-03"}), 403, {
        "error": "Unit reporter accounts may not use “Recalculate” (allowed: Administrator, Clerk)"}, {
        "error": "单位信息员账号无权重新计算（限管理员、录入员）"}),
    "unknown item": (("GET", "/items/2025-9999", "clerk", None), 404, {
        "error": "There is no item numbered 「2025-9999」"}, {
        "error": "没有编号为「2025-9999」的稿件"}),
    "unknown route": (("GET", "/nothing/here", "clerk", None), 404, {
        "error": "No such endpoint: GET /api/v1/nothing/here"}, {
        "error": "没有这个接口：GET /api/v1/nothing/here"}),
    "method": (("DELETE", "/items", "admin", None), 405, {
        "error": "This endpoint does not support DELETE; allowed: GET, POST"}, {
        "error": "此接口不支持 DELETE 请求，可用：GET、POST"}),
    "method no route takes": (("TRACE", "/items", "admin", None), 405, {
        "error": "This endpoint does not support TRACE; allowed: GET, POST"}, {
        "error": "此接口不支持 TRACE 请求，可用：GET、POST"}),
    "bad fields": (("POST", "/items", "clerk", BAD_ITEM), 422, {
        "error": "Invalid data", "fields": {
            "title": ["At most 500 characters (this has 501)"],
            "submitted_on": ["「2025-13-01」 is not a valid date; write it as 2025-03-08"],
            "category": [("Category 「小说」 is unknown; it should be news/experience/problem/proposal/"
                          "research/synthesis/warning (or their Chinese words)")],
            "extra": ["Unknown field"]}}, {
        "error": "数据有误", "fields": {
            "title": ["不能超过500个字（现有501个字）"],
            "submitted_on": ["「2025-13-01」不是有效的日期，应为 2025-03-08 的形式"],
            "category": ["未知的类别「小说」，应为 动态/经验/问题/建议/调研/综合/预警"],
            "extra": ["未知的字段"]}}),
    "missing field": (("POST", "/items", "clerk", {k: v for k, v in EXAMPLE_ITEM.items() if k != "title"}),
                      422, {"error": "Invalid data", "fields": {"title": ["Required"]}},
                      {"error": "数据有误", "fields": {"title": ["必须填写"]}}),
    "unknown unit code": (("POST", "/items", "clerk", [EXAMPLE_ITEM, UNKNOWN_UNIT]), 422, {
        "error": "Invalid data", "fields": {"1": {"units": [
            "Unit code 「ZZ」 does not exist (neither in the database nor in the files of this import)"]}}}, {
        "error": "数据有误", "fields": {"1": {"units": [
            "单位代码「ZZ」不存在（数据库和本次导入的文件中都没有）"]}}}),
    "unknown unit in a query": (("GET", "/items?unit=ZZ", "clerk", None), 422, {
        "error": "Invalid data", "fields": {"unit": ["Unit code 「ZZ」 does not exist"]}}, {
        "error": "数据有误", "fields": {"unit": ["单位代码「ZZ」不存在"]}}),
    "wrong type": (("POST", "/items", "clerk", {**EXAMPLE_ITEM, "negative": 3}), 422, {
        "error": "Invalid data", "fields": {"negative": ["Wrong type: must be true/false or a string"]}}, {
        "error": "数据有误", "fields": {"negative": ["类型不对：应为true/false或文字"]}}),
    "period": (("POST", f"/schemes/{SCHEME}/recalc", "clerk", {"period": "三月"}), 422, {
        "error": "Invalid data", "fields": {"period": [
            "Unrecognised period 「三月」: write it as 2025, 2025-H1, 2025-Q1 or 2025-03"]}}, {
        "error": "数据有误", "fields": {"period": [
            "无法识别的期间「三月」：应为 2025、2025-H1、2025-Q1 或 2025-03 的形式"]}}),
    "unknown job": (("GET", "/jobs/999", "clerk", None), 404, {
        "error": "There is no recalculation job 999"}, {"error": "没有编号为 999 的计算任务"}),
}
DATA_SENT = ("小说", "三月", "长" * 501)  # what a case sends that its messages quote


@pytest.mark.parametrize("case", CASES)
def test_every_message_in_english_and_the_same_chinese_otherwise(api, items, case):
    (method, path, role, body), status, in_english, in_chinese = CASES[case]
    kwargs = {"json": body} if body is not None else {}
    english_ = call(api, method, path, role, "en", **kwargs)
    assert answer(english_) == (status, in_english)
    assert chinese_left(english_, DATA_SENT) == []
    assert english_.headers["Content-Language"] == "en"
    assert "Accept-Language" in english_.headers["Vary"]
    for language in ("zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "en, zh", None):
        chinese = call(api, method, path, role, language, **kwargs)
        assert answer(chinese) == (status, in_chinese), language
        assert chinese.headers["Content-Language"] == "zh-Hans-CN"
        assert "Accept-Language" in chinese.headers["Vary"]
    if status == 405:
        assert english_.headers["Allow"] == "GET, POST"
    if status == 401:
        assert english_.headers["WWW-Authenticate"] == 'Bearer realm="kaohe"'


def test_chinese_bodies_are_byte_identical_without_the_header(api, items):
    for (method, path, role, body), _status, _english, in_chinese in CASES.values():
        kwargs = {"json": body} if body is not None else {}
        plain = call(api, method, path, role, **kwargs).get_data()
        assert plain == json.dumps(in_chinese, ensure_ascii=False).encode()
        assert call(api, method, path, role, "zh-CN", **kwargs).get_data() == plain


@pytest.mark.parametrize("header,english_", [
    ("en", True), ("en-US", True), ("EN-gb", True), ("en-US,en;q=0.9,zh;q=0.8", True),
    ("fr, en;q=0.5", True), ("zh;q=0.5, *", True),
    ("zh-CN", False), ("zh-CN,zh;q=0.9,en;q=0.8", False), ("en, zh", False), ("zh, en", False),
    ("zh-TW;q=0.9, en;q=0.9", False), ("fr", False), ("*", False), ("en;q=0, *", False), ("", False),
])
def test_english_only_when_preferred_to_chinese(api, header, english_):
    response = call(api, "GET", "/items/2025-9999", language=header or None)
    wanted = "There is no item numbered 「2025-9999」" if english_ else "没有编号为「2025-9999」的稿件"
    assert response.get_json() == {"error": wanted}
    assert response.headers["Content-Language"] == ("en" if english_ else "zh-Hans-CN")


def test_too_many_records_says_its_counts(api, monkeypatch):
    from kaohe.admin.api import base
    monkeypatch.setattr(base, "MAX_RECORDS", 2)
    response = call(api, "POST", "/instructions", language="en", json=[EXAMPLE_INSTRUCTION] * 3)
    assert answer(response) == (400, {
        "error": "At most 2 records in one request (this one has 3); send them in batches"})
    response = call(api, "POST", "/instructions", language="zh-CN", json=[EXAMPLE_INSTRUCTION] * 3)
    assert answer(response) == (400, {"error": "一次最多提交 2 条记录（本次 3 条），请分批提交"})


def test_refusals_of_the_token_and_the_core_in_english(api, items):
    response = api.client.get(BASE + "/schemes", headers={"Authorization": "Bearer nope", **EN})
    assert answer(response) == (401, {"error": "The token is invalid or has been revoked"})
    # a refusal of the ownership policy (core/storage/policy.py), a Sentence of the core
    response = call(api, "POST", "/items", "reporter", "en",
                    json={**EXAMPLE_ITEM, "no": "CS-1", "units": ["CS"]})
    assert answer(response) == (403, {
        "error": "Item 「CS-1」 was submitted by another unit; a unit reporter cannot change it"})
    response = call(api, "POST", "/adoptions", "reporter", "en", json={
        "item": "CS-1", "publication": "SZB", "adopted_on": "2025-03-10", "form": "全文"})
    assert answer(response) == (403, {
        "error": "Unit reporter accounts may not use “Record adoptions” (allowed: Administrator, Clerk)"})
    # a scheme's name and the missing months' commands are data; the rest is English
    response = call(api, "GET", f"/schemes/{SCHEME}/notification?month=2025-02", "viewer", "en")
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "Scheme 「市政府系统」 has not been calculated for 2025-01, 2025-02, so the notification cannot "
        "be made. Calculate those months first (kaohe recalc 市政府系统 --period 2025-01; kaohe recalc "
        "市政府系统 --period 2025-02), or choose to calculate the missing months automatically "
        "(--recalc-missing on the command line)")
    assert chinese_left(response, [SCHEME]) == []
    response = call(api, "GET", "/items?page=0&to=&colour=red", language="en")
    assert answer(response) == (422, {"error": "Invalid data", "fields": {
        "to": ["Must not be empty: leave the parameter out when it is not needed"]}})


def test_data_stays_as_stored_and_says_it_is_chinese(api, items):
    response = call(api, "GET", "/items/2025-0001", language="en")
    assert response.status_code == 200
    assert response.get_json()["title"] == EXAMPLE_ITEM["title"]
    assert response.headers["Content-Language"] == "zh-Hans-CN"  # a success holds the data's words
    assert "Accept-Language" in response.headers["Vary"]


def test_every_operation_and_role_has_its_english(app):
    """The words a role's refusal names: the operation's summary and the roles."""
    catalogue = english()
    summaries = {view.api_operation.summary for endpoint, view in app.view_functions.items()
                 if endpoint.startswith("kaohe_api.") and hasattr(view, "api_operation")}
    assert len(summaries) >= 15
    assert sorted(s for s in summaries | set(ROLES.values()) if not catalogue.get(s, "").strip()) == []
    with app.test_request_context(BASE + "/schemes", headers=EN):
        assert word("登记领导批示") == "Record leaders' instructions"
    with app.test_request_context("/", headers=EN):  # the panel keeps to its session's language
        assert word("登记领导批示") == "登记领导批示"
    assert not HAN.search(catalogue["{role}账号无权{operation}（限{allowed}）"])


def test_every_vocabularys_words_are_said_as_its_codes(app):
    """A word a vocabulary lacks is refused naming the words it takes: in English its codes."""
    from marshmallow import ValidationError

    from kaohe.core.exchange.cells import CELL_WORDS, Word
    for vocabulary, words in CELL_WORDS.items():
        with pytest.raises(ValidationError) as refused:
            Word(vocabulary).deserialize("小说")
        with app.test_request_context(BASE + "/items", headers=EN):
            said = word(refused.value.messages[0])
        assert HAN.findall(said.replace("小说", "")) == [], said
        assert "/".join(words) in said, said


def test_a_too_large_body_and_a_busy_database_in_english(api, app, monkeypatch):
    from kaohe.admin import BUSY_MESSAGE
    from kaohe.admin.api.base import error_reply
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = call(api, "POST", "/items", language="en", data=b"[" + b"1," * (1 << 20) + b"1]",
                    content_type="application/json")
    assert answer(response) == (413, {"error": (
        "The submission is too large: at most 1 MB at a time; nothing was saved, please submit it in parts")})
    response = call(api, "POST", "/items", data=b"[" + b"1," * (1 << 20) + b"1]",
                    content_type="application/json")
    assert answer(response) == (413, {"error": "提交的内容过大：一次最多 1 MB，未保存；请分批提交"})
    with app.test_request_context(BASE + "/items", method="POST", headers=EN):
        assert json.loads(error_reply(503, BUSY_MESSAGE).get_data()) == {"error": (
            "Score results are being saved, please try again in a moment: the database is held by another "
            "write, and nothing was saved this time")}
