"""The cells of the import files as marshmallow fields: words, codes, dates, amounts and lists in, clean values out, errors in Chinese."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from marshmallow import fields

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
