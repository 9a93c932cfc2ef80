"""The cells of the kinds real schemes add: office unit kinds, item tags, amounts (points or 元) and periods."""

from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import say
from kaohe.core.exchange.cells import LIST_SEPARATORS, Cell, Code, CodeList, Text, Word, _text_of, folded_text


class UnitKindWord(Word):
    """A unit kind: a built-in kind's word or code gives its code; any other text is kept as the
    code of an office's own kind (the import checks that the 单位类型 sheet or the database has it)."""

    def __init__(self, **kwargs):
        super().__init__("kind", **kwargs)
        self.code = Code(max_length=32)

    def _deserialize(self, value, attr, data, **kwargs):
        try:  # a built-in kind as a clerk writes it (县区, 县区类, county)
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            return self.code.deserialize(folded_text(value))


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
                    raise self.make_error("separator", char=found.group().strip() or say("换行"))
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
