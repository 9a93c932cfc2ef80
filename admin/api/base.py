"""The API's plumbing: the blueprint, token authentication, roles, JSON replies and errors, operation metadata."""

import datetime
import functools
import json
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, Response, current_app, g, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from kaohe.admin.i18n import DEFAULT_LOCALE, REQUEST_LOCALES, select_locale, word
from kaohe.core.domain.errors import KaoheError, NotFound
from kaohe.core.domain.sentences import listing, say, sentence_of
from kaohe.core.exchange.reading import ImportFailed
from kaohe.core.storage import policy
from kaohe.core.storage.models import ROLES
from kaohe.core.storage.tokens import user_for_token

PREFIX = "/api/v1"
bp = Blueprint("kaohe_api", __name__, url_prefix=PREFIX)

ALL_ROLES = ("admin", "clerk", "reporter", "viewer")
STAFF = tuple(sorted(policy.STAFF))  # in ROLES order: admin, clerk
WRITERS = ("admin", "clerk", "reporter")
SCORE_READERS = ("admin", "clerk", "viewer")

# At most this many records in one write; a larger import goes through `kaohe import` or in parts.
MAX_RECORDS = 5000

INVALID = say("数据有误")


class ApiError(Exception):
    """An answer other than success: its HTTP status, a message and per-field messages, each a
    Sentence (say) or a word of the catalogue, said in the client's language by `error_reply`."""

    def __init__(self, status, message, fields=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


def _json_default(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ---------------------------------------------------------------- the client's language

# The API's messages (errors, refusals, field messages) are Chinese unless the client prefers
# English (Accept-Language); its data (names, titles, stored texts, a success's words) stay as stored.
CONTENT_LANGUAGES = {DEFAULT_LOCALE: "zh-Hans-CN", "en": "en"}


def for_api():
    """Whether the request is the API's: a route of the blueprint, or a path under /api/v1 that no
    route took (an error of routing, answered in JSON by admin/__init__.py)."""
    return request.blueprint == bp.name or request.path == PREFIX or request.path.startswith(PREFIX + "/")


def api_locale():
    """For the API's requests (else None): English when the client's Accept-Language prefers
    English (en, en-US, …) to Chinese (zh, zh-CN, …); Chinese otherwise, also when it likes them
    equally or names neither. The panel's session language does not apply to the API."""
    if not for_api():
        return None
    return "en" if _quality("en") > _quality("zh") else DEFAULT_LOCALE


REQUEST_LOCALES.append(api_locale)


def _quality(language):
    """How much the client wants `language`: its best quality among the tags of that language
    (en-US counts for en), else the quality of `*`; 0 when it names neither."""
    named, anything = None, 0
    for tag, quality in request.accept_languages:
        primary = tag.lower().replace("_", "-").split("-", 1)[0]
        if primary == language:
            named = max(named or 0, quality)
        elif tag == "*":
            anything = max(anything, quality)
    return anything if named is None else named


def said(messages):
    """Messages (a str or Sentence, or dicts and lists of them, as marshmallow gives `fields`) in
    the client's language; the keys (field names, record indexes) as they are."""
    if isinstance(messages, dict):
        return {key: said(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [said(value) for value in messages]
    if isinstance(messages, str):
        return word(messages)
    return messages


def reply(data, status=200, headers=None, language=DEFAULT_LOCALE):
    """A JSON response with the Chinese left readable (not \\u-escaped). Its Content-Language is
    that of its messages (an error's), else Chinese: the data's own words are Chinese."""
    body = json.dumps(data, ensure_ascii=False, default=_json_default)
    response = Response(body, status=status, headers=headers, mimetype="application/json")
    response.headers["Content-Language"] = CONTENT_LANGUAGES[language]
    response.vary.add("Accept-Language")
    return response


def error_reply(status, message, fields=None):
    """An error in JSON, its message and field messages said in the client's language (in
    Chinese as they are: a Sentence is its Chinese text)."""
    language = select_locale()
    data = {"error": word(message)}
    if fields is not None:
        data["fields"] = fields if language == DEFAULT_LOCALE else said(fields)
    headers = {"WWW-Authenticate": 'Bearer realm="kaohe"'} if status == 401 else None
    return reply(data, status, headers, language=language)


@bp.errorhandler(ApiError)
def _api_error(error):
    response = error_reply(error.status, error.message, error.fields)
    if error.status == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request.path))
    return response


@bp.errorhandler(ImportFailed)
def _import_failed(error):
    single = getattr(g, "api_single", False)
    found = {}
    problems = []
    for row_error in error.errors:
        if row_error.row is None:
            problems.append(row_error.message)
            continue
        place = found.setdefault(str(row_error.row - 1), {})
        place.setdefault(row_error.column or "_schema", []).append(row_error.message)
    if problems:
        return error_reply(422, say("数据有误：{problems}", problems=listing(problems, "；")), found)
    return error_reply(422, INVALID, found.get("0", {}) if single else found)


@bp.errorhandler(NotFound)
def _not_found(error):
    return error_reply(404, sentence_of(error))


@bp.errorhandler(KaoheError)
def _kaohe_error(error):
    return error_reply(400, sentence_of(error))


HTTP_MESSAGES = {400: say("请求有误"), 404: say("找不到这个接口或记录"), 405: say("此接口不支持这种请求方法"),
                 413: say("请求体过大"), 414: say("请求的网址过长"), 415: say("请求体应为 JSON"),
                 431: say("请求头过大"), 500: say("服务器内部错误"), 501: say("不支持这种请求方法")}


FALLBACK = "fallback"


def allowed_methods(path):
    """The methods the API's routes take at `path` (none: no route has it)."""
    from werkzeug.routing import Map, Rule
    rules = Map([Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
                 for rule in current_app.url_map.iter_rules()
                 if rule.endpoint.startswith(bp.name + ".")
                 and rule.endpoint != f"{bp.name}.{FALLBACK}"])
    return sorted(set(rules.bind("").allowed_methods(path)) - {"HEAD", "OPTIONS"})


def not_allowed(shown):
    """The refusal of a method the path does not take, with the methods it does."""
    return say("此接口不支持 {method} 请求，可用：{methods}", method=request.method, methods=listing(shown))


def http_error_reply(error):
    """An HTTP error in JSON: the status, a message, and for 405 the methods allowed."""
    code = error.code or 500
    shown = allowed_methods(request.path) if code == 405 else []
    if shown:
        response = error_reply(code, not_allowed(shown))
        response.headers["Allow"] = ", ".join(shown)
    elif code == 405:
        response = error_reply(404, HTTP_MESSAGES[404])
    else:
        response = error_reply(code, HTTP_MESSAGES.get(code, error.name))
    return response


@bp.errorhandler(HTTPException)
def _http_error(error):
    return http_error_reply(error)


@bp.errorhandler(500)
def _server_error(error):
    return error_reply(500, say("服务器内部错误，请联系管理员"))


@bp.before_request
def authenticate():
    """Every API request carries `Authorization: Bearer <token>`; the panel's session cookie is ignored."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, say("缺少身份令牌：请在请求头中加入 Authorization: Bearer <令牌>"))
    user = user_for_token(token.strip())
    if user is None:
        raise ApiError(401, say("身份令牌无效或已被吊销"))
    if not user.active:
        raise ApiError(401, say("此账号已停用"))
    if user.role == "reporter" and user.unit_id is None:
        raise ApiError(403, say("此单位信息员账号未指定所属单位，请联系管理员"))
    g.api_user = user


@bp.after_request
def _options_allow(response):
    """An OPTIONS answer lists the methods of the route asked about, not the catch-all's."""
    if request.method == "OPTIONS" and response.status_code < 300:
        shown = allowed_methods(request.path)
        response.headers["Allow"] = ", ".join(shown + (["HEAD"] if "GET" in shown else []) + ["OPTIONS"])
    return response


def current_user():
    return g.api_user


def is_reporter():
    return g.api_user.role == "reporter"


# ---------------------------------------------------------------- operations

@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route, and the roles the route lets in.

    `body` is the schema of the request body (`many` when a list of them is accepted too),
    `query` the schema of the query parameters, `response` the schema of a success.
    """
    summary: str
    roles: tuple
    tag: str
    description: str = ""
    query: type | None = None
    body: type | None = None
    many: bool = False
    response: type | None = None
    body_required: bool = True
    errors: tuple = (401, 403)
    accepted: type | None = None  # the schema of a 202 answer (work begun, not yet done)


def operation(**kwargs):
    """Declare a view's roles and its OpenAPI description; only those roles get in (403 otherwise)."""
    op = Operation(**kwargs)

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **view_kwargs):
            role = g.api_user.role
            if role not in op.roles:
                raise ApiError(403, say("{role}账号无权{operation}（限{allowed}）",
                                        role=ROLES.get(role, role), operation=op.summary,
                                        allowed=listing(ROLES[r] for r in op.roles)))
            return view(*args, **view_kwargs)
        wrapped.api_operation = op
        return wrapped
    return decorate


def _json_kinds(field):
    """The JSON types a field of a record takes (None: any): the API's JSON is typed, where a
    spreadsheet cell is not, so 123 is not taken for the code "123"."""
    from kaohe.core.exchange.schemas import CodeList, Day, Flag, Moment, Text, Whole, Word
    if isinstance(field, Whole):
        return (int,)
    if isinstance(field, Flag):
        return (bool, str)
    if isinstance(field, CodeList):
        return (list, str)
    if isinstance(field, (Text, Word, Day, Moment)):
        return (str,)
    return None


def wrong_types(schema, record):
    """{field: [message]} for each value of `record` whose JSON type the field does not take."""
    if not isinstance(record, dict):
        return {}
    by_key = {field.data_key or name: field for name, field in schema.fields.items()}
    found = {}
    for key, value in record.items():
        field = by_key.get(key)
        kinds = _json_kinds(field) if field is not None else None
        if kinds is None or value is None:
            continue
        if isinstance(value, bool) and bool not in kinds:
            found[key] = [WRONG_TYPE[kinds]]
        elif not isinstance(value, kinds):
            found[key] = [WRONG_TYPE[kinds]]
        elif isinstance(value, list) and not all(isinstance(v, str) for v in value):
            found[key] = [say("类型不对：列表中应为文字")]
    return found


# What a field of each of _json_kinds' kinds of JSON says of a value of another type.
WRONG_TYPE = {(int,): say("类型不对：应为整数"), (bool, str): say("类型不对：应为true/false或文字"),
              (list, str): say("类型不对：应为列表或文字"), (str,): say("类型不对：应为文字")}


def load_query(schema_class):
    """The query parameters through their schema; 422 with a message per parameter.

    A parameter given empty (`?to=`) is refused rather than taken as not given: leave it out.
    """
    empty = {name: [say("不能为空：不需要时请省略此参数")] for name, value in request.args.items()
             if not value.strip()}
    if empty:
        raise ApiError(422, INVALID, empty)
    try:
        return schema_class().load(request.args.to_dict())
    except ValidationError as error:
        raise ApiError(422, INVALID, error.messages) from None


def json_body():
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, say("请求体应为 JSON，并带有 Content-Type: application/json"))
    return data


def load_body(schema_class, empty_allowed=False):
    """A JSON object through its schema; with `empty_allowed`, no body at all counts as {}."""
    data = {} if empty_allowed and not request.get_data() else json_body()
    if not isinstance(data, dict):
        raise ApiError(400, say("请求体应为一个 JSON 对象"))
    schema = schema_class()
    problems = wrong_types(schema, data)
    if problems:
        raise ApiError(422, INVALID, problems)
    try:
        return schema.load(data)
    except ValidationError as error:
        raise ApiError(422, INVALID, error.messages) from None


def records_body(schema_class):
    """The records of a write: one JSON object or a list of them, each checked by the kind's schema.

    Returns (raw records, loaded records). Any problem answers 422 for the whole request, with the
    messages per field, keyed by the record's index ("0", "1", …) when a list was sent.
    """
    data = json_body()
    single = isinstance(data, dict)
    g.api_single = single
    records = [data] if single else data
    if not isinstance(records, list) or not records:
        raise ApiError(400, say("请求体应为一条记录（JSON 对象）或记录的列表（JSON 数组），且不能为空"))
    if len(records) > MAX_RECORDS:
        raise ApiError(400, say("一次最多提交 {limit} 条记录（本次 {count} 条），请分批提交",
                                limit=MAX_RECORDS, count=len(records)))
    schema = schema_class()
    loaded, problems = [], {}
    for index, record in enumerate(records):
        wrong = wrong_types(schema, record)
        if wrong:
            problems[str(index)] = wrong
            continue
        try:
            loaded.append(schema.load(record))
        except ValidationError as error:
            problems[str(index)] = error.messages
    if problems:
        raise ApiError(422, INVALID, problems.get("0", {}) if single else problems)
    return records, loaded
