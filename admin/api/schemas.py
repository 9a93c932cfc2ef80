"""The API's own schemas: query parameters, requests and answers that are not an import kind.

Records written through the API use the import's schemas in `kaohe.core.exchange.schemas` unchanged; these
describe the rest, and every answer is dumped through its schema, so the OpenAPI document built
from them is what the API sends.
"""

from decimal import ROUND_HALF_UP

from marshmallow import Schema, ValidationError, fields, validate

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import say, sentence_of
from kaohe.core.exchange.schemas import (
    AdoptionSchema,
    Code,
    Day,
    InstructionSchema,
    ItemSchema,
    KindSchema,
    Moment,
    Text,
    Whole,
)
from kaohe.core.storage.models import JOB_STATES

MAX_ID = 2**31 - 1  # the largest id a record of this database may have
MAX_PAGE = 10_000_000


class Amount(fields.Decimal):
    """Points or 元: an exact decimal with two places, sent as a string ("161.50")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "90.00")
        super().__init__(places=2, rounding=ROUND_HALF_UP, as_string=True, **kwargs)


class Rate(fields.Decimal):
    """A rate with four places, sent as a string ("0.4545")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "0.5000")
        super().__init__(places=4, rounding=ROUND_HALF_UP, as_string=True, **kwargs)


def _check_period(value):
    try:
        return parse_period(value)
    except KaoheError as error:
        raise ValidationError(sentence_of(error)) from None


def _check_month(value):
    if _check_period(value).kind != "month":
        raise ValidationError(say("应为 2025-03 这样的月份"))


# ---------------------------------------------------------------- errors and write reports

class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={
        "description": "出了什么问题（中文；请求头 Accept-Language 优先英文时为英文）",
        "example": "数据有误"})
    fields_ = fields.Dict(
        data_key="fields",
        metadata={"description": "每个字段的问题：{字段: [说明]}；提交列表时按记录序号（从0起）分组："
                                 "{\"0\": {字段: [说明]}}；说明的语言同 error，字段名不变",
                  "example": {"title": ["必须填写"]}})


class WriteReportSchema(Schema):
    created = fields.Integer(required=True, metadata={"description": "新增的记录数"})
    updated = fields.Integer(required=True, metadata={"description": "已有并被更新的记录数"})
    unchanged = fields.Integer(required=True, metadata={"description": "已有且内容相同的记录数"})


# ---------------------------------------------------------------- items

class ItemQuerySchema(KindSchema):
    unit = Code(metadata={"description": "只列出这家单位报送（含合报）的稿件"})
    from_ = Day(data_key="from", metadata={"description": "报送日期不早于此日（含）"})
    to = Day(metadata={"description": "报送日期不晚于此日（含）"})
    page = Whole(minimum=1, maximum=MAX_PAGE, load_default=1, metadata={"description": "页码，从1起"})
    per_page = Whole(minimum=1, maximum=500, load_default=50, metadata={"description": "每页条数（最多500）"})


# ---- the review step (issue 12, ownership and review: trust-data)

class ItemStateSchema(ItemSchema):
    """An item as answered: its fields, its review state and comment, and its row version."""
    state = fields.String(dump_only=True, metadata={
        "description": "审核状态：pending 待审核、accepted 已审核入库、returned 退回修改", "enum": [
            "pending", "accepted", "returned"]})
    review_comment = fields.String(dump_only=True, metadata={"description": "审核意见（退回时写明要修改什么）"})
    version = fields.Integer(dump_only=True, metadata={
        "description": "记录的版本号；修改时放在 If-Match 请求头中，记录已被他人修改则答 409"})


class ReviewSchema(KindSchema):
    comment = Text(max_length=1000, load_default="", metadata={"description": "审核意见；退回时必填"})


class ItemPageSchema(Schema):
    items = fields.List(fields.Nested(ItemStateSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "符合条件的稿件总数"})
    pages = fields.Integer(required=True)


class ItemDetailSchema(ItemStateSchema):
    adoptions = fields.List(fields.Nested(AdoptionSchema), metadata={"description": "采用情况"})
    instructions = fields.List(fields.Nested(InstructionSchema), metadata={"description": "领导批示"})


# ---------------------------------------------------------------- schemes and runs

class SchemeOutSchema(Schema):
    name = fields.String(required=True)
    title = fields.String(required=True)
    year = fields.Integer(required=True)
    units = fields.Integer(required=True, metadata={"description": "成员单位数"})
    version = fields.Integer(required=True, metadata={"description": "当前参数版本号"})
    rulesets = fields.List(fields.String(), required=True, metadata={"description": "启用的规则集，按顺序"})


class SchemeListSchema(Schema):
    schemes = fields.List(fields.Nested(SchemeOutSchema), required=True)


class RecalcSchema(KindSchema):
    period = Text(max_length=16, validate=_check_period,
                  metadata={"description": "期间：2025、2025-H1、2025-Q1 或 2025-03（默认方案年度）",
                            "example": "2025-03"})
    note = Text(max_length=500, load_default="", metadata={"description": "备注"})


class RecalcResultSchema(Schema):
    run = fields.Integer(required=True, metadata={"description": "计算编号"})
    scheme = fields.String(required=True)
    period = fields.String(required=True)
    period_title = fields.String(required=True)
    units = fields.Integer(required=True, metadata={"description": "参加计算的单位数"})
    lines = fields.Integer(required=True, metadata={"description": "计分明细条数"})
    points = Amount(required=True, metadata={"description": "各单位得分合计"})
    yuan = Amount(required=True, metadata={"description": "各单位奖惩金额合计（元）"})
    official = fields.Boolean(required=True, metadata={"description": "新的计算总是未发布的"})
    fingerprint = fields.String(required=True, metadata={"description": "输入数据与参数的指纹"})


class JobSchema(Schema):
    job = fields.Integer(required=True, metadata={"description": "计算任务编号"})
    joined = fields.Boolean(metadata={"description": "是否加入了同一期间正在进行的计算"})
    scheme = fields.String(required=True)
    period = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(JOB_STATES)),
                          metadata={"description": "queued 排队中、running 计算中、done 已完成、failed 失败"})
    stage = fields.String(required=True, metadata={"description": "正在进行的阶段（计分时含规则集名）"})
    step = fields.Integer(required=True, metadata={"description": "本阶段已完成的步数"})
    steps = fields.Integer(required=True, metadata={"description": "本阶段的总步数"})
    progress = fields.String(required=True, metadata={"description": "进度的说明"})
    run = fields.Integer(allow_none=True, metadata={"description": "完成后的计算编号"})
    message = fields.String(required=True, metadata={"description": "失败的原因"})
    requested_by = fields.String(required=True)
    requested_at = Moment(required=True)
    started_at = Moment(allow_none=True)
    finished_at = Moment(allow_none=True)


class RunQuerySchema(KindSchema):
    period = Text(max_length=16, validate=_check_period,
                  metadata={"description": "期间（默认方案年度）", "example": "2025-03"})
    run = Whole(minimum=1, maximum=MAX_ID,
                metadata={"description": "指定计算编号（不指定时用正式发布的结果，没有时用最近一次计算）"})


class RankingQuerySchema(RunQuerySchema):
    pool = Text(max_length=64, metadata={"description": "只看一个考核组别，如 county"})


class RunHeaderSchema(Schema):
    run = fields.Integer(required=True, metadata={"description": "计算编号"})
    scheme = fields.String(required=True)
    period = fields.String(required=True)
    official = fields.Boolean(required=True, metadata={"description": "是否为本期正式发布的结果"})


class RankingRowSchema(Schema):
    unit = fields.String(required=True, metadata={"description": "单位代码"})
    name = fields.String(required=True)
    pool = fields.String(required=True)
    rank = fields.Integer(required=True)
    points = Amount(required=True)
    yuan = Amount(required=True)
    converted = Amount(allow_none=True, metadata={"description": "折算分（未启用折算时为 null）"})
    adoption_rate = Rate(required=True)
    submitted = fields.Integer(required=True)
    adopted = fields.Integer(required=True)
    national = fields.Integer(required=True)
    provincial = fields.Integer(required=True)
    city = fields.Integer(required=True)
    vetoed = fields.Boolean(required=True)
    veto_reason = fields.String(required=True)
    tie_break = fields.String(required=True, metadata={"description": "同分时排在下一名之前的理由"})


class RankingSchema(RunHeaderSchema):
    rows = fields.List(fields.Nested(RankingRowSchema), required=True,
                       metadata={"description": "按考核组别、名次排列；单位信息员只看到本单位一行"})


class ScoreLineSchema(Schema):
    ruleset = fields.String(required=True)
    rule = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "score 计分、flag 提示、veto 否决"})
    item = fields.String(allow_none=True, metadata={"description": "稿件编号"})
    title = fields.String(allow_none=True, metadata={"description": "稿件标题"})
    points = Amount(required=True)
    yuan = Amount(required=True)
    explanation = fields.String(required=True, metadata={"description": "为什么得这些分"})


class UnitLinesSchema(RunHeaderSchema):
    unit = fields.String(required=True)
    name = fields.String(required=True)
    pool = fields.String(required=True)
    rank = fields.Integer(required=True)
    points = Amount(required=True)
    yuan = Amount(required=True)
    lines = fields.List(fields.Nested(ScoreLineSchema), required=True)


class AwardUnitSchema(Schema):
    pool = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    points = Amount(required=True)
    award_rank = fields.Integer(required=True)


class AwardReporterSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "所在单位代码"})
    points = Amount(required=True)
    award_rank = fields.Integer(required=True)


class ExcludedSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    reason = fields.String(required=True)


class AwardsSchema(RunHeaderSchema):
    units = fields.List(fields.Nested(AwardUnitSchema), required=True, metadata={"description": "先进单位"})
    reporters = fields.List(fields.Nested(AwardReporterSchema), required=True,
                            metadata={"description": "先进个人"})
    excluded_units = fields.List(fields.Nested(ExcludedSchema), required=True)
    excluded_reporters = fields.List(fields.Nested(ExcludedSchema), required=True)


# ---------------------------------------------------------------- the monthly notification

class NotificationQuerySchema(KindSchema):
    month = Text(max_length=16, required=True, validate=_check_month,
                 metadata={"description": "通报的月份", "example": "2025-03"})


class LevelColumnSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class NotificationRunSchema(Schema):
    period = fields.String(required=True)
    title = fields.String(required=True)
    run_id = fields.Integer(required=True)
    official = fields.Boolean(required=True)
    status = fields.String(required=True)
    created_at = Moment(required=True)


class LevelCountsSchema(Schema):
    national = fields.Integer(required=True)
    provincial = fields.Integer(required=True)
    city = fields.Integer(required=True)
    county = fields.Integer(required=True)


class NotificationRowSchema(Schema):
    rank = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    submitted = fields.Integer(required=True, metadata={"description": "本月报送"})
    adoptions = fields.Nested(LevelCountsSchema, required=True, metadata={"description": "本月各级采用"})
    adoptions_total = fields.Integer(required=True)
    points = Amount(required=True, metadata={"description": "本月得分"})
    total = Amount(required=True, metadata={"description": "年度累计得分"})
    submitted_ytd = fields.Integer(required=True)
    adopted_ytd = fields.Integer(required=True)
    adoption_rate = Rate(required=True)
    adoption_rate_text = fields.String(required=True)
    tie_break = fields.String(required=True)


class NotificationPoolSchema(Schema):
    pool = fields.String(required=True)
    label = fields.String(required=True)
    rows = fields.List(fields.Nested(NotificationRowSchema), required=True)
    no_adoption = fields.List(fields.String(), required=True, metadata={"description": "年内尚无采用的单位"})


class NotificationInstructionSchema(Schema):
    date = Day(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    leader = fields.String(required=True)
    item_no = fields.String(required=True)
    item_title = fields.String(required=True)
    units = fields.List(fields.String(), required=True)


class DocumentHeadingSchema(Schema):
    """What every notification and report says it is about: the scheme and the period."""
    scheme = fields.String(required=True)
    scheme_title = fields.String(required=True)
    period = fields.String(required=True)
    period_title = fields.String(required=True)
    title = fields.String(required=True)


class NotificationSchema(DocumentHeadingSchema):
    issuer = fields.String(required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    runs = fields.List(fields.Nested(NotificationRunSchema), required=True)
    all_official = fields.Boolean(required=True)
    notice = fields.String(required=True)
    level_columns = fields.List(fields.Nested(LevelColumnSchema), required=True)
    pools = fields.List(fields.Nested(NotificationPoolSchema), required=True)
    instructions = fields.List(fields.Nested(NotificationInstructionSchema), required=True)
    stale = fields.String(required=True, metadata={"description": "所用计算之后数据或参数有改动时的说明，否则为空"})
    caveats = fields.List(fields.String(), required=True)
    whole_year = fields.Dict(required=True, metadata={
        "description": "年度累计与全年计算的差别：只在全年计算时计入的规则（12月通报逐单位列出）"})
    generated_at = Moment(required=True)


# ---------------------------------------------------------------- the further reports

class ReportQuerySchema(KindSchema):
    period = Text(max_length=16, validate=_check_period,
                  metadata={"description": "期间（默认方案年度）", "example": "2025-Q1"})
    reporter = Text(max_length=64, metadata={"description": "信息员编号（信息员个人页）"})


class ReportRunSchema(Schema):
    id = fields.Integer(required=True)
    period = fields.String(required=True)
    official = fields.Boolean(required=True)


class ReportSectionSchema(Schema):
    heading = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw()), required=True,
                       metadata={"description": "每行的单元格，与 columns 对应；得分为两位小数的字符串"})
    amounts = fields.List(fields.Integer(), required=True,
                          metadata={"description": "得分所在的列（从1数）"})


class ReportSchema(DocumentHeadingSchema):
    kind = fields.String(required=True)
    run = fields.Nested(ReportRunSchema, allow_none=True, required=True,
                        metadata={"description": "所依据的计算；按现在的数据统计的报表为 null"})
    basis = fields.String(required=True)
    notice = fields.String(required=True)
    stale = fields.String(required=True)
    sections = fields.List(fields.Nested(ReportSectionSchema), required=True)
    notes = fields.List(fields.String(), required=True)
    generated_at = Moment(required=True)
