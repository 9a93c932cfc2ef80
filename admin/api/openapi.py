"""The OpenAPI 3 document of the API, built by apispec from the routes and their marshmallow schemas."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import current_app

from kaohe.core.domain.vocab import FALSE_WORDS, TRUE_WORDS
from kaohe.core.exchange.schemas import (
    CELL_WORDS,
    VOCABULARY_NOUNS,
    AdoptionSchema,
    Code,
    CodeList,
    Day,
    Flag,
    FollowUpSchema,
    InstructionSchema,
    ItemSchema,
    Moment,
    Pool,
    Text,
    UrgentReportSchema,
    Whole,
    Word,
)
from kaohe.core.storage.models import ROLES

from . import views
from .base import ALL_ROLES, PREFIX, bp, operation, reply
from .schemas import MAX_ID, Amount, ErrorSchema, Rate

ERRORS = {
    400: "请求有误：不是 JSON、不是对象或列表、记录过多，或计算、通报所需的数据不全",
    401: "缺少身份令牌、令牌无效或账号已停用",
    403: "账号的角色或所属单位不允许",
    404: "找不到考核方案、单位、稿件或计算结果",
    422: "数据有误：fields 按字段（提交列表时按记录序号）列出每个问题",
    429: "请求过于频繁：Retry-After 为可再试前的秒数",
}

_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

DESCRIPTION = """政务信息考核计分的数据交换接口。

每个请求都须带 `Authorization: Bearer <令牌>`（本文档也一样）；令牌由管理员在服务器上运行
`kaohe token 用户名` 生成，只显示一次，重新生成即吊销旧令牌。接口不接受管理面板的登录会话。
角色：admin 全部；clerk 录入数据、计算、查看；reporter 只能报送和查看本单位的稿件及其采用、
批示、紧急信息，只能看本单位的排名行和明细；viewer 只读（排名、明细、评先、通报）。
写入的记录与导入文件使用同一套字段、校验和按编号更新的规则。分值与金额为两位小数的字符串，如 "90.00"。
时间可写作北京时间 `2025-03-08 14:30`，或带时区的 RFC 3339 时间 `2025-03-20T08:00:00+08:00`。
出错时返回 {"error": "说明", "fields": {字段: [说明]}}，任何错误（包括不支持的请求方法 405、不存在的地址 404、
请求过于频繁 429、数据库正忙 503）都是 JSON。
说明默认为中文；请求头 `Accept-Language` 优先英文（`en`、`en-US` 等，且优先于 `zh`）时为英文，
同等或优先中文时为中文。数据（单位名称、稿件标题、计分说明等保存的文字）和字段名不随语言改变。
响应头 `Content-Language` 为所用语言（`zh-Hans-CN` 或 `en`），并带 `Vary: Accept-Language`。
(Messages are in English when `Accept-Language` prefers English to Chinese; data and field names
stay as they are.)"""


# What the server refuses in a text, as JSON Schema patterns (Python's `\\s` is str.isspace, as
# the strip of core/exchange/schemas.py): the control characters other than white space, and, in
# a code, white space and the list separators. A value is stripped before it is checked, so
# white space around it is allowed, and an optional field may be blank (it counts as not given).
_CONTROL = "\\x00-\\x08\\x0e-\\x1b\\x7f"
_SEPARATORS = ";；、,，"
FLAG_WORDS = (TRUE_WORDS | FALSE_WORDS) - {""}


def _text_pattern(field, required=None):
    required = field.required if required is None else required
    if isinstance(field, Code):
        inner = f"[^{_SEPARATORS}\\s{_CONTROL}]{{1,{field.max_length}}}"
    else:
        inner = (f"[^\\s{_CONTROL}](?:[^{_CONTROL}]{{0,{max(field.max_length - 2, 0)}}}"
                 f"[^\\s{_CONTROL}])?")
    inner = f"(?:{inner})" if required else f"(?:{inner})?"
    return f"^\\s*{inner}\\s*$"


def _field_property(self, field, ret=None, **kwargs):
    """An optional field of a record may be null or blank: it then counts as not given."""
    answer = _word_property(self, field, ret, **kwargs)
    in_query = type(field.parent).__name__.endswith("QuerySchema")  # a query's values are text
    if not field.required and isinstance(field, (Text, Word, Day, Moment, Whole, Flag, CodeList)) \
            and not field.dump_only and not in_query:
        answer["nullable"] = True
    return answer


def _word_property(self, field, ret=None, **kwargs):
    """What each of the import's own field kinds looks like in JSON, with every constraint the
    server enforces (a generated client then sends only what is accepted)."""
    if isinstance(field, Word):
        codes = "、".join(CELL_WORDS[field.vocabulary])
        words = "/".join(CELL_WORDS[field.vocabulary].values())
        return {"type": "string",
                "enum": sorted(set(CELL_WORDS[field.vocabulary]) | set(CELL_WORDS[field.vocabulary].values())),
                "description": f"{VOCABULARY_NOUNS[field.vocabulary]}：代码 {codes}，"
                               f"或中文 {words}；返回时为代码"}
    if isinstance(field, CodeList):
        code = f"^\\s*[^{_SEPARATORS}\\s{_CONTROL}]{{1,64}}\\s*$"
        listed = {"type": "array", "items": {"type": "string", "pattern": code}, "uniqueItems": True}
        written = {"type": "string", "pattern": f"^[^{_CONTROL}]*$"}
        if field.required:
            listed["minItems"] = 1
            written["pattern"] = f"^[^{_CONTROL}]*[^{_SEPARATORS}\\s{_CONTROL}][^{_CONTROL}]*$"
        return {"oneOf": [listed, written],
                "description": "代码的列表，或以「、」「；」分隔的一段文字；返回时为列表"}
    if isinstance(field, Flag):
        return {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": sorted(FLAG_WORDS)}],
                "description": "true/false，或 是/否"}
    if isinstance(field, Moment):
        return {"type": "string", "example": "2025-03-08 14:30",
                "pattern": "^\\s*\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(?::\\d{2})?"
                           "(?:(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2}))?\\s*$",
                "description": "时间：北京时间 2025-03-08 14:30（秒可省略），或 RFC 3339 date-time "
                               "带时区，如 2025-03-20T08:00:00+08:00；返回时为北京时间"}
    if isinstance(field, Whole):
        bounds = {}
        if field.minimum is not None:
            bounds["minimum"] = field.minimum
        bounds["maximum"] = field.maximum if field.maximum is not None else MAX_ID
        return bounds
    if isinstance(field, Text):
        # The pattern bounds the length: white space around a value is not counted. A query
        # parameter is never blank (the API refuses `?pool=`: leave it out).
        in_query = type(field.parent).__name__.endswith("QuerySchema")
        answer = {"pattern": _text_pattern(field, required=field.required or in_query)}
        if field.required or in_query:
            answer["minLength"] = 1
        return answer
    return {}


def _schema_name(schema):
    cls = resolve_schema_cls(schema)
    name = cls.__name__
    return name[:-len("Schema")] if name.endswith("Schema") else name


def _openapi_path(rule):
    """`/api/v1/items/<path:no>` → (`/api/v1/items/{no}`, its path parameters)."""
    params = []

    def replace(match):
        params.append({"name": match.group("name"), "in": "path", "required": True,
                       "schema": {"type": "string"}})
        return "{" + match.group("name") + "}"
    return _CONVERTER.sub(replace, rule.rule), params


def _responses(op, has_path_params):
    codes = set(op.errors)
    if op.body is not None:
        codes |= {400, 422}
    if op.query is not None:
        codes.add(422)
        if "run" in op.query._declared_fields:
            codes.add(404)
    if has_path_params:
        codes.add(404)
    answers = {"200": {"description": "成功",
                       "content": {"application/json": {
                           "schema": op.response if op.response is not None else {"type": "object"}}}}}
    if op.accepted is not None:
        answers["202"] = {"description": "已受理，尚未完成：Location 为查询进度的地址",
                          "content": {"application/json": {"schema": op.accepted}}}
    for code in sorted(codes):
        answers[str(code)] = {"description": ERRORS[code],
                              "content": {"application/json": {"schema": "Error"}}}
    return answers


def _operation(endpoint, method, op, path_params):
    roles = "、".join(f"{role}（{ROLES[role]}）" for role in op.roles)
    operation_ = {
        "operationId": f"{endpoint.split('.', 1)[1]}",
        "tags": [op.tag],
        "summary": op.summary,
        "description": (op.description + "\n\n" if op.description else "") + f"可用角色：{roles}",
        "x-roles": list(op.roles),
        "responses": _responses(op, bool(path_params)),
    }
    parameters = list(path_params)
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    if parameters:
        operation_["parameters"] = parameters
    if op.body is not None:
        schema = op.body
        if op.many:
            schema = {"oneOf": [op.body, {"type": "array", "items": op.body, "minItems": 1}]}
        operation_["requestBody"] = {"required": op.body_required,
                                     "content": {"application/json": {"schema": schema}}}
    return operation_


def build_spec(app):
    """The document of every route of the blueprint; a route without `operation` is an error."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="Kaohe 政务信息考核计分 API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[plugin], info={"description": DESCRIPTION},
                   servers=[{"url": "/"}], security=[{"bearerAuth": []}])
    for field_class, mapping in ((Text, ("string", None)), (Code, ("string", None)),
                                 (Pool, ("string", None)), (Day, ("string", "date")),
                                 (Moment, ("string", None)), (Whole, ("integer", None)),
                                 (Word, ("string", None)), (CodeList, (None, None)),
                                 (Flag, (None, None)), (Amount, ("string", "decimal")),
                                 (Rate, ("string", "decimal"))):
        plugin.map_to_openapi_type(field_class, *mapping)
    plugin.converter.add_attribute_function(_field_property)
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "kaohe token 用户名 生成的令牌（只显示一次）"})
    spec.components.schema("Error", schema=ErrorSchema)
    for schema in (ItemSchema, AdoptionSchema, InstructionSchema, UrgentReportSchema, FollowUpSchema):
        spec.components.schema(_schema_name(schema), schema=schema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods))):
        if not rule.endpoint.startswith(bp.name + ".") or rule.endpoint == f"{bp.name}.{views.FALLBACK}":
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "api_operation", None)
        if op is None:
            raise RuntimeError(f"接口 {rule.endpoint} 没有用 @operation 说明，无法写入 OpenAPI 文档")
        path, path_params = _openapi_path(rule)
        operations = {method.lower(): _operation(rule.endpoint, method, op, path_params)
                      for method in sorted(rule.methods - {"HEAD", "OPTIONS"})}
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.route("/openapi.json", methods=["GET"])
@operation(summary="本接口的 OpenAPI 文档", tag="文档", roles=ALL_ROLES,
           description=f"OpenAPI 3 文档，列出 {PREFIX} 下每个接口的方法、参数、请求与返回的结构和所需角色。"
                       "与其他接口一样须带令牌。")
def openapi_document():
    document = current_app.extensions.get("kaohe_api_openapi")
    if document is None:
        document = current_app.extensions["kaohe_api_openapi"] = build_spec(current_app)
    return reply(document)
