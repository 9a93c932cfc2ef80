"""The marshmallow field types that parse cells as offices type them: codes, words, dates, times, counts; errors in Chinese."""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields

from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import (
    CATEGORIES,
    FALSE_WORDS,
    FORMS_SHORT,
    SEVERITIES,
    TRUE_WORDS,
    UNIT_KINDS,
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

# Dates as offices type them (after NFKC: 2025－03－10 is 2025-03-10): 2025-03-08, 2025/3/8, 2025.3.8,
# 2025年3月8日 or 8号, 20250308; times add 14:30, 14:30:05, 14时30分, 14点30分 (T or a space between).
_DAY_PART = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
_DATE = re.compile(rf"^{_DAY_PART}$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MOMENT = re.compile(rf"^{_DAY_PART}\s*T?\s*"
                     r"(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*分?(?:\s*[:]?\s*(\d{1,2})\s*秒?)?$")
_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$", re.I)
# Excel stores a date as days since 1899-12-30; serials from 1990 to 2100 are taken as dates.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_SERIALS = range(32874, 73416)
# Times with a zone (RFC 3339) are kept as the offices' local time, China Standard Time.
LOCAL_ZONE = datetime.timezone(datetime.timedelta(hours=8))
# Units a count or a year may carry as a clerk types it: 120篇, 30条, 2025年.
_COUNT_UNITS = re.compile(r"\s*[篇条件个份]$")


def folded_text(value):
    """A cell's text with full-width letters, digits and marks made plain (ＸＱ００４ is XQ004)."""
    return unicodedata.normalize("NFKC", _text_of(value)).strip()


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
_UNHASHED = (list, dict, set, tuple)  # values a converter does not remember


class Cell(fields.Field):
    """A field whose messages are in Chinese; an empty cell counts as not filled in."""

    default_error_messages = {
        "required": "必须填写",
        "null": "必须填写",
        "validator_failed": "取值无效",
        "control": "含有不可见的控制字符（U+{code:04X}），请删去后再导入",
    }

    # Cells of a column repeat (dates, unit codes, words): a field remembers what the last few
    # thousand cell values gave, so a file of a million rows reads each distinct value once.
    remembers = True
    REMEMBERED = 4096

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if not self.remembers or isinstance(value, (list, dict)):
            return self._checked(value, attr, data, **kwargs)
        memo = self.__dict__.setdefault("_memo", {})
        key = (type(value), value)
        hit = memo.get(key)
        if hit is None:
            try:
                hit = (True, self._checked(value, attr, data, **kwargs))
            except ValidationError as error:
                hit = (False, error.messages)
            if len(memo) >= self.REMEMBERED:
                memo.clear()
            memo[key] = hit
        good, result = hit
        if not good:
            raise ValidationError(result)
        return list(result) if isinstance(result, list) else result

    def make_error(self, key, **kwargs):
        """marshmallow's error of `key`, its message a Sentence of the template (say)."""
        message = self.error_messages.get(key)
        if isinstance(message, str):
            return ValidationError(say(message, **kwargs))
        return super().make_error(key, **kwargs)

    def converter(self, name):
        """A function of one cell value giving what `deserialize(value, name)` gives, raising as it
        raises: made once per column of an import, so that a repeated value is one dict lookup."""
        deserialize = self.deserialize
        if not self.remembers:
            return lambda value: deserialize(value, name)
        memo = {}
        texts = {}  # the same for text, the most of a file's cells, by the text alone
        limit = self.REMEMBERED

        def convert(value):
            if value.__class__ is str:
                hit = texts.get(value, texts)
                if hit is texts:
                    hit = deserialize(value, name)  # a bad value raises and is not remembered
                    if len(texts) >= limit:
                        texts.clear()
                    texts[value] = hit
                return list(hit) if hit.__class__ is list else hit
            if value.__class__ in _UNHASHED:
                return deserialize(value, name)
            key = (value.__class__, value)
            hit = memo.get(key, memo)
            if hit is memo:
                hit = deserialize(value, name)
                if len(memo) >= limit:
                    memo.clear()
                memo[key] = hit
            return list(hit) if hit.__class__ is list else hit
        return convert

    def _plain(self):
        """Whether the field is as its class defines it: no validators or processors given."""
        return not (self.validators or self.pre_load or self.post_load)

    def _checked(self, value, attr, data, **kwargs):
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            found = _CONTROL.search(text) if isinstance(text, str) else None
            if found:
                raise self.make_error("control", code=ord(found.group()))
        return super().deserialize(value, attr, data, **kwargs)


class Text(Cell):
    """Free text of at most `max_length` characters."""

    remembers = False  # titles and names seldom repeat

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

    def converter(self, name):
        # text already stripped, within the length and without control characters is itself
        slow = super().converter(name)
        if type(self)._deserialize is not Text._deserialize or not self._plain():
            return slow
        limit, control = self.max_length, _CONTROL.search

        def convert(value):
            if (value.__class__ is str and len(value) <= limit and not control(value)
                    and value == value.strip()):
                return value
            return slow(value)
        return convert


# A code of printable ASCII without spaces or separators: NFKC and stripping leave it as it is.
_PLAIN_CODE = re.compile(r"[!-+\--:<-~]+")


class Code(Text):
    """A code or number that other rows refer to: no list separators, no spaces inside."""

    remembers = True

    default_error_messages = {"separator": "代码中不能含有空格或分隔符「{char}」"}

    def __init__(self, max_length=64, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = unicodedata.normalize("NFKC", super()._deserialize(value, attr, data, **kwargs)).strip()
        found = re.search(r"[;；、,，\s]", text)
        if found:
            raise self.make_error("separator", char=found.group() if found.group().strip() else say("空格"))
        return text

    def converter(self, name):
        slow = Cell.converter(self, name)
        if type(self)._deserialize is not Code._deserialize or not self._plain():
            return slow
        limit, plain = self.max_length, _PLAIN_CODE.fullmatch

        def convert(value):
            if value.__class__ is str and len(value) <= limit and plain(value):
                return value
            return slow(value)
        return convert


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
        word = folded_text(value)
        code = normalize(self.vocabulary, word)
        if code is None and len(word) > 1 and word[-1] in "类级":  # 经验类, 省级
            code = normalize(self.vocabulary, word[:-1])
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


class Pool(Text):
    """A pool (考核组别): a unit kind's word gives that kind's code; any other name is kept as written."""

    remembers = True

    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return normalize("kind", text) or text


def _serial_date(value):
    """The date of an Excel serial number (45724 is 2025-03-08), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    text = folded_text(value)
    if not re.fullmatch(r"\d{5}(\.0+)?", text) or int(text.split(".")[0]) not in _SERIALS:
        return None
    return _EXCEL_EPOCH + datetime.timedelta(days=int(text.split(".")[0]))


class Day(Cell):
    """A date: 2025-03-08, 2025/3/8, 2025年3月8日 (or 8号), 20250308, an Excel serial, or a date cell."""

    default_error_messages = {"invalid": "「{value}」不是有效的日期，应为 2025-03-08 的形式"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        serial = _serial_date(value)
        if serial is not None:
            return serial
        text = folded_text(value)
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        if match is None:
            match = _MOMENT.match(text)
            if match is None or any(int(part or 0) for part in match.groups()[3:]):
                raise self.make_error("invalid", value=_text_of(value))
        try:
            return datetime.date(*(int(part) for part in match.groups()[:3]))
        except ValueError:
            raise self.make_error("invalid", value=_text_of(value)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class Moment(Cell):
    """A time of day on a date: 2025-03-08 14:30 (seconds optional), 2025年3月8日14时30分,
    RFC 3339 (2025-03-20T08:00:00+08:00, kept as China Standard Time), or a time cell of a workbook."""

    default_error_messages = {"invalid": "「{value}」不是有效的时间，应为 2025-03-08 14:30 的形式"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(LOCAL_ZONE)
            # a workbook stores times as fractions of a day: round away the float's last digits
            rounded = value + datetime.timedelta(microseconds=500_000)
            return rounded.replace(microsecond=0, tzinfo=None)
        text = folded_text(value)
        if _ZONED.match(text):
            try:
                zoned = datetime.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            except ValueError:
                raise self.make_error("invalid", value=_text_of(value)) from None
            return zoned.astimezone(LOCAL_ZONE).replace(tzinfo=None, microsecond=0)
        match = _MOMENT.match(text)
        if match is None:
            raise self.make_error("invalid", value=_text_of(value))
        try:
            return datetime.datetime(*(int(part or 0) for part in match.groups()))
        except ValueError:
            raise self.make_error("invalid", value=_text_of(value)) from None

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

    unit_word = None  # a word the number may be followed by (年 for a year)

    def __init__(self, minimum=0, maximum=None, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid", value=_text_of(value))
        text = folded_text(value).replace(",", "")
        if self.unit_word is None:
            text = _COUNT_UNITS.sub("", text)
        elif text.endswith(self.unit_word):
            text = text[:-len(self.unit_word)].strip()
        try:
            number = Decimal(text)
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
    """A year: 2025, or 2025年 as a clerk writes it."""

    default_error_messages = {"invalid": "「{value}」不是有效的年度，应为 2025 的形式"}
    unit_word = "年"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise self.make_error("invalid", value=_text_of(value)) from None

    def __init__(self, **kwargs):
        super().__init__(minimum=2000, maximum=2100, **kwargs)


LIST_JOINER = "、"


def cell_converter(schema_field):
    """The function that writes a field's stored value as a cell of the import format (the export
    writes files with it, the import check shows values with it): 经验 for experience, 是/否."""
    if isinstance(schema_field, Word):
        return lambda code: None if code is None else cell_word(schema_field.vocabulary, code)
    if isinstance(schema_field, Flag):
        return lambda flag: "是" if flag else "否"
    if isinstance(schema_field, Pool):
        return lambda pool: cell_word("kind", pool) if pool in UNIT_KINDS else pool
    if isinstance(schema_field, CodeList):
        return lambda codes: LIST_JOINER.join(codes or ())
    return lambda value: value
