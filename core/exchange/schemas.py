"""Marshmallow schemas for each data kind: cell words, dates and lists in, clean values out, errors in Chinese."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validates_schema

from kaohe.core.domain.vocab import (
    CATEGORIES,
    FALSE_WORDS,
    FORMS_SHORT,
    SEVERITIES,
    TRUE_WORDS,
    URGENT_STATUSES,
    normalize,
)

# What each vocabulary is called in a message, and the words a cell should hold, code by code.
# These words are also what an export writes, so an exported file imports back unchanged.
VOCABULARY_NOUNS = {
    "form": "采用形式",
    "level": "级别",
    "kind": "单位类型",
    "severity": "事件级别",
    "status": "状态",
    "category": "类别",
}

CELL_WORDS = {
    "form": dict(FORMS_SHORT),
    "level": {"national": "国家", "ministry": "部委", "provincial": "省", "provincial_dept": "省直",
              "city": "市", "county": "县"},
    "kind": {"county": "县区", "department": "部门", "township": "乡镇", "direct_point": "直报点",
             "bureau": "系统单位", "division": "处室"},
    "severity": dict(SEVERITIES),
    "status": dict(URGENT_STATUSES),
    "category": dict(CATEGORIES),
}

LIST_SEPARATORS = re.compile(r"[;；、,，\n]")
ROMAN = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV"}

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MOMENT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+|T|\s*日\s*)"
                     r"(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*秒?$")


def cell_word(vocabulary, code):
    """The Chinese word a cell holds for a code name (the code itself when it has no word)."""
    return CELL_WORDS[vocabulary].get(code, code)


def _text_of(value):
    """The text of a cell value as a spreadsheet holds it: 330824.0 is the code 330824."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.second == 0 else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


# Control characters no one types: PostgreSQL refuses NUL in text and xlsx cannot hold the rest.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Cell(fields.Field):
    """A field whose messages are in Chinese; an empty cell counts as not filled in."""

    default_error_messages = {
        "required": "必须填写",
        "null": "必须填写",
        "validator_failed": "取值无效",
        "control": "含有不可见的控制字符（U+{code:04X}），请删去后再导入",
    }

    def deserialize(self, value, attr=None, data=None, **kwargs):
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            found = _CONTROL.search(text) if isinstance(text, str) else None
            if found:
                raise self.make_error("control", code=ord(found.group()))
        return super().deserialize(value, attr, data, **kwargs)


class Text(Cell):
    """Free text of at most `max_length` characters."""

    default_error_messages = {"too_long": "不能超过{max_length}个字（现有{length}个字）"}

    def __init__(self, max_length=200, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        text = _text_of(value)
        if len(text) > self.max_length:
            raise self.make_error("too_long", max_length=self.max_length, length=len(text))
        return text

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Code(Text):
    """A code or number that other rows refer to: no list separators, no spaces inside."""

    default_error_messages = {"separator": "代码中不能含有空格或分隔符「{char}」"}

    def __init__(self, max_length=64, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        found = re.search(r"[;；、,，\s]", text)
        if found:
            raise self.make_error("separator", char=found.group() if found.group().strip() else "空格")
        return text


class CodeList(Cell):
    """Several codes: a list, or one text split on ; ； 、 , ，"""

    default_error_messages = {
        "invalid": "应为以「、」或「；」分隔的代码",
        "repeated": "「{code}」重复出现",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.code = Code()

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)):
            parts = [_text_of(part) for part in value if part is not None]
        elif isinstance(value, (str, int, float, Decimal)):
            parts = LIST_SEPARATORS.split(_text_of(value))
        else:
            raise self.make_error("invalid")
        codes = []
        for part in parts:
            part = part.strip()
            if not part:
                continue
            codes.append(self.code.deserialize(part))
            if codes.count(codes[-1]) > 1:
                raise self.make_error("repeated", code=codes[-1])
        if not codes:
            raise self.make_error("required")
        return codes

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Word(Cell):
    """A word of a controlled vocabulary: the Chinese word or the code name; gives the code name."""

    default_error_messages = {"unknown": "未知的{noun}「{word}」，应为 {words}"}

    def __init__(self, vocabulary, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = vocabulary

    def _deserialize(self, value, attr, data, **kwargs):
        word = _text_of(value)
        code = normalize(self.vocabulary, word)
        if code is None and self.vocabulary == "severity":
            bare = word.upper().translate(str.maketrans(ROMAN))
            bare = bare[:-1] if bare.endswith("级") else bare
            code = normalize("severity", bare)
        if code is None:
            words = "/".join(CELL_WORDS[self.vocabulary].values())
            if self.vocabulary == "severity":
                words = "I/II/III/IV 或 " + words
            raise self.make_error("unknown", noun=VOCABULARY_NOUNS[self.vocabulary], word=word,
                                  words=words)
        return code

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class UnitKindWord(Word):
    """A unit kind: a built-in kind's word or code gives its code; any other text is kept as the
    code of an office's own kind (the import checks that the 单位类型 sheet or the database has it)."""

    def __init__(self, **kwargs):
        super().__init__("kind", **kwargs)
        self.code = Code(max_length=32)

    def _deserialize(self, value, attr, data, **kwargs):
        word = _text_of(value)
        return normalize("kind", word) or self.code.deserialize(word)


class Pool(Text):
    """A pool (考核组别): a unit kind's word gives that kind's code; any other name is kept as written."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return normalize("kind", text) or text


class Day(Cell):
    """A date: 2025-03-08, 2025/3/8, 2025年3月8日, or a date cell of a workbook."""

    default_error_messages = {"invalid": "「{value}」不是有效的日期，应为 2025-03-08 的形式"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text_of(value)
        match = _DATE.match(text)
        if match is None:
            match = _MOMENT.match(text)
            if match is None or any(int(part or 0) for part in match.groups()[3:]):
                raise self.make_error("invalid", value=text)
        try:
            return datetime.date(*(int(part) for part in match.groups()[:3]))
        except ValueError:
            raise self.make_error("invalid", value=text) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class Moment(Cell):
    """A time of day on a date: 2025-03-08 14:30 (seconds optional), or a time cell of a workbook."""

    default_error_messages = {"invalid": "「{value}」不是有效的时间，应为 2025-03-08 14:30 的形式"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime.datetime):
            # a workbook stores times as fractions of a day: round away the float's last digits
            rounded = value + datetime.timedelta(microseconds=500_000)
            return rounded.replace(microsecond=0, tzinfo=None)
        text = _text_of(value)
        match = _MOMENT.match(text)
        if match is None:
            raise self.make_error("invalid", value=text)
        try:
            return datetime.datetime(*(int(part or 0) for part in match.groups()))
        except ValueError:
            raise self.make_error("invalid", value=text) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat(sep=" ")


class Flag(Cell):
    """Yes or no: 是/否, yes/no, true/false, 1/0; an empty cell is no."""

    default_error_messages = {"invalid": "「{value}」应为 是 或 否"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float, Decimal)) and value in (0, 1):
            return bool(value)
        word = _text_of(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise self.make_error("invalid", value=_text_of(value))

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Whole(Cell):
    """A whole number, at least `minimum` (and at most `maximum` when given)."""

    default_error_messages = {
        "invalid": "「{value}」不是整数",
        "too_small": "不能小于 {minimum}",
        "too_large": "不能大于 {maximum}",
    }

    def __init__(self, minimum=0, maximum=None, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid", value=_text_of(value))
        try:
            number = Decimal(_text_of(value).replace(",", ""))
        except InvalidOperation:
            raise self.make_error("invalid", value=_text_of(value)) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise self.make_error("invalid", value=_text_of(value))
        number = int(number)
        if self.minimum is not None and number < self.minimum:
            raise self.make_error("too_small", minimum=self.minimum)
        if self.maximum is not None and number > self.maximum:
            raise self.make_error("too_large", maximum=self.maximum)
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Year(Whole):
    default_error_messages = {"invalid": "「{value}」不是有效的年度，应为 2025 的形式"}

    def __init__(self, **kwargs):
        super().__init__(minimum=2000, maximum=2100, **kwargs)


class Tags(CodeList):
    """Words a scheme's rules may name (图片；视频): a list, or one text split like a code list."""

    default_error_messages = {"separator": "标签中不能含有分隔符「{char}」"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.code = Text(max_length=32)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)):
            for part in value:
                found = LIST_SEPARATORS.search(_text_of(part)) if part is not None else None
                if found:
                    raise self.make_error("separator", char=found.group().strip() or "换行")
        return super()._deserialize(value, attr, data, **kwargs)


class Amount(Cell):
    """Points or 元: an exact number with at most two places (−2, 0.5, 7.50); never a float's digits."""

    default_error_messages = {
        "invalid": "「{value}」不是数值",
        "places": "「{value}」最多保留两位小数",
        "too_large": "绝对值不能超过 {maximum}",
    }
    MAXIMUM = Decimal("1000000000")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid", value=_text_of(value))
        text = _text_of(value).replace(",", "").replace("，", "")
        if isinstance(value, float):
            text = repr(value)  # the shortest text that is this float: 0.1, not 0.1000000000000000055
        try:
            number = Decimal(text.removesuffix("分").removesuffix("元").strip())
        except InvalidOperation:
            raise self.make_error("invalid", value=_text_of(value)) from None
        if not number.is_finite():
            raise self.make_error("invalid", value=_text_of(value))
        if number != number.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
            raise self.make_error("places", value=_text_of(value))
        if abs(number) > self.MAXIMUM:
            raise self.make_error("too_large", maximum=self.MAXIMUM)
        return number.quantize(Decimal("0.01"))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class PeriodCell(Cell):
    """A period a target is set for: 2025, 2025-H1, 2025-Q1 or 2025-03 (kept as its label)."""

    default_error_messages = {"invalid": "「{value}」不是有效的期间，应为 2025、2025-H1、2025-Q1 或 2025-03 的形式"}

    def _deserialize(self, value, attr, data, **kwargs):
        from kaohe.core.domain.errors import KaoheError
        from kaohe.core.domain.periods import parse_period

        text = _text_of(value)
        try:
            period = parse_period(text)
        except KaoheError:
            raise self.make_error("invalid", value=text) from None
        if period.kind not in ("year", "half", "quarter", "month"):
            raise self.make_error("invalid", value=text)
        return period.label

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class KindSchema(Schema):
    """The common ground: unknown fields refused, blank values treated as not given."""

    error_messages = {"type": "应为一行数据（字段与值）", "unknown": "未知的字段"}

    class Meta:
        unknown = RAISE

    @pre_load
    def drop_blanks(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        kept = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
                continue
            kept[key] = value
        return kept


class UnitKindSchema(KindSchema):
    """An office's own unit kind: its code (what units' 单位类型 cells hold) and its name."""
    code = Code(max_length=32, required=True)
    name = Text(max_length=64, required=True)

    @validates_schema
    def not_built_in(self, data, **kwargs):
        if normalize("kind", data.get("code", "")) is not None:
            raise ValidationError(f"「{data['code']}」是内置的单位类型，无需再定义", "code")


class UnitSchema(KindSchema):
    code = Code(required=True)
    name = Text(required=True)
    kind = UnitKindWord(required=True)
    pool = Pool()
    sector = Text(max_length=32, load_default=None)
    parent = Code(load_default=None)

    @validates_schema
    def check_parent(self, data, **kwargs):
        if data.get("parent") and data["parent"] == data.get("code"):
            raise ValidationError("上级单位不能是本单位", "parent")

    @post_load
    def default_pool(self, data, **kwargs):
        if not data.get("pool"):
            data["pool"] = data["kind"]
        return data


class ReporterSchema(KindSchema):
    code = Code(required=True)
    name = Text(max_length=100, required=True)
    unit = Code(required=True)


class PublicationSchema(KindSchema):
    code = Code(required=True)
    name = Text(required=True)
    level = Word("level", required=True)
    issuer = Text(load_default=None)


class ItemSchema(KindSchema):
    no = Code(required=True)
    title = Text(max_length=500, required=True)
    submitted_on = Day(required=True)
    units = CodeList(required=True)
    reporters = CodeList(load_default=list)
    category = Word("category", load_default="news")
    negative = Flag(load_default=False)
    solicitation = Code(load_default=None)
    tags = Tags(load_default=list)


class AdoptionSchema(KindSchema):
    item = Code(required=True)
    publication = Code(required=True)
    issue = Text(max_length=64, load_default="")
    adopted_on = Day(required=True)
    form = Word("form", required=True)


class InstructionSchema(KindSchema):
    item = Code(required=True)
    leader_level = Word("level", required=True)
    leader = Text(max_length=100, load_default="")
    instructed_on = Day(required=True)


class UrgentReportSchema(KindSchema):
    no = Code(required=True)
    unit = Code(required=True)
    title = Text(max_length=500, required=True)
    severity = Word("severity", required=True)
    occurred_at = Moment(required=True)
    reported_at = Moment(load_default=None)
    status = Word("status", load_default="reported")
    misreported = Flag(load_default=False)
    reporter = Code(load_default=None)
    item = Code(load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def check_times(self, data, **kwargs):
        occurred, reported = data.get("occurred_at"), data.get("reported_at")
        if occurred and reported and reported < occurred:
            raise ValidationError("首报时间早于发生时间", "reported_at")
        if data.get("status") == "reported" and not reported and occurred:
            raise ValidationError("状态为已报时必须填写首报时间", "reported_at")


class UnitFactSchema(KindSchema):
    unit = Code(required=True)
    year = Year(required=True)
    kind = Code(required=True)
    value = Text(required=True)


class TargetSchema(KindSchema):
    """A quota: the year's unless 期间 names a half, quarter or month of it; for every scheme
    unless 考核方案 names one."""
    unit = Code(required=True)
    year = Year(load_default=None)
    period = PeriodCell(load_default=None)
    scheme = Text(max_length=100, load_default="")
    submit_target = Whole(required=True)
    adopt_target = Whole(load_default=0)

    @validates_schema
    def check_period(self, data, **kwargs):
        year, period = data.get("year"), data.get("period")
        if year is None and period is None:
            raise ValidationError("必须填写（或在期间中写明年度）", "year")
        if year is not None and period is not None and int(period[:4]) != year:
            raise ValidationError(f"期间「{period}」不在{year}年度内", "period")

    @post_load
    def year_of_period(self, data, **kwargs):
        """The year from the period; a whole year's period is left empty (as stored)."""
        if data.get("year") is None and data.get("period"):
            data["year"] = int(data["period"][:4])
        if data.get("period") in (None, str(data.get("year"))):
            data["period"] = ""
        return data


class AdjustmentSchema(KindSchema):
    """Points or 元 the office gives or deducts by hand: points or yuan, reason and date required."""
    unit = Code(required=True)
    date = Day(required=True)
    points = Amount(load_default=None)
    yuan = Amount(load_default=None)
    kind = Text(max_length=32, load_default="")
    reason = Text(max_length=500, required=True)
    reference = Text(max_length=500, load_default="")
    reporter = Code(load_default=None)
    item = Code(load_default=None)

    @validates_schema
    def check_amount(self, data, **kwargs):
        if data.get("points") is None and data.get("yuan") is None:
            raise ValidationError("分值和金额至少填写一项", "points")


class SolicitationSchema(KindSchema):
    no = Code(required=True)
    title = Text(max_length=500, required=True)
    issued_on = Day(required=True)
    due_on = Day(required=True)
    units = CodeList(required=True)

    @validates_schema(skip_on_field_errors=False)
    def check_dates(self, data, **kwargs):
        if data.get("issued_on") and data.get("due_on") and data["due_on"] < data["issued_on"]:
            raise ValidationError("截止日期早于下发日期", "due_on")


SCHEMAS = {
    "units": UnitSchema,
    "reporters": ReporterSchema,
    "publications": PublicationSchema,
    "solicitations": SolicitationSchema,
    "items": ItemSchema,
    "adoptions": AdoptionSchema,
    "instructions": InstructionSchema,
    "urgent": UrgentReportSchema,
    "facts": UnitFactSchema,
    "targets": TargetSchema,
    "adjustments": AdjustmentSchema,
    "unit_kinds": UnitKindSchema,
}
