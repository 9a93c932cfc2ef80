"""Rule parameters: the building blocks of a parameter schema (labelled amounts, grids, choices,
records) and the one walker that reads a schema for the panel, the command and the docs.

Every field made here carries ``metadata`` with ``label`` (Chinese), ``unit`` and ``source`` (the
scheme article the default comes from), and refuses bad values with a Chinese message. The panel
builds its tuning forms from this metadata, so a rule set built from these helpers gets one
labelled input per value and its tables as grids without any code of its own.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import RAISE, Schema, fields, validate

from kaohe.core.domain.vocab import fmt

NUMBER_ERRORS = {
    "invalid": "不是有效的数字",
    "special": "不是有效的数字",
    "required": "必须填写",
    "null": "不能为空",
}
INTEGER_ERRORS = {"invalid": "不是有效的整数", "required": "必须填写", "null": "不能为空"}
NESTED_ERRORS = {"type": "格式不正确，应为一组参数", "null": "不能为空", "required": "必须填写"}
LIST_ERRORS = {"invalid": "格式不正确，应为列表", "null": "不能为空"}
STRING_ERRORS = {"invalid": "应为文字", "required": "必须填写", "null": "不能为空"}
BOOLEAN_ERRORS = {"invalid": "应为 是 或 否", "null": "不能为空"}


class ParamsSchema(Schema):
    """Base of every parameter schema: unknown keys are refused, in Chinese."""

    error_messages = {"unknown": "未知的参数项", "type": "格式不正确，应为一组参数"}

    class Meta:
        unknown = RAISE


def _meta(label, unit, source, **extra):
    return {"label": label, "unit": unit, "source": source, **extra}


def _minimum(minimum, unit):
    if minimum is None:
        return None
    return validate.Range(min=minimum, error=f"不能小于{minimum}{unit if unit != '分' else ''}")


def points(default, *, label, source, unit="分", minimum=0):
    """An exact amount (分 or 元) with two places; negative values are refused unless `minimum` allows."""
    return fields.Decimal(
        places=2, rounding=ROUND_HALF_UP, as_string=True, allow_nan=False,
        load_default=Decimal(str(default)).quantize(Decimal("0.01")),
        validate=_minimum(minimum, unit), error_messages=NUMBER_ERRORS,
        metadata=_meta(label, unit, source, type="amount"))


class WholeNumber(fields.Integer):
    """An integer field that refuses 2.5 instead of cutting it down to 2; "3" and 3.0 are fine."""

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value).strip())
        except (ArithmeticError, ValueError):
            raise self.make_error("invalid") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise self.make_error("invalid")
        return int(number)


def integer(default, *, label, source, unit="", minimum=0, maximum=None):
    """A whole number (hours, months, ranks, counts)."""
    checks = [validate.Range(min=minimum, max=maximum,
                             error=_range_message(minimum, maximum))]
    return WholeNumber(load_default=default, validate=checks, error_messages=INTEGER_ERRORS,
                       metadata=_meta(label, unit, source, type="integer"))


def _range_message(minimum, maximum):
    if maximum is None:
        return f"不能小于{minimum}"
    return f"应在{minimum}到{maximum}之间"


def choice(options, default, *, label, source):
    """One of `options` (a dict of code name to Chinese label)."""
    words = "、".join(f"{code}（{text}）" for code, text in options.items())
    return fields.String(
        load_default=default, validate=validate.OneOf(list(options), error=f"应为以下之一：{words}"),
        error_messages=STRING_ERRORS, metadata=_meta(label, "", source, type="choice", choices=options))


def flag(default, *, label, source):
    """A yes/no switch."""
    return fields.Boolean(load_default=default, error_messages=BOOLEAN_ERRORS,
                          metadata=_meta(label, "", source, type="boolean"))


def table(rows, defaults, *, label, source, unit="分"):
    """Amounts keyed by one vocabulary (e.g. instruction points per leader level)."""
    cells = {code: points(defaults.get(code, 0), label=f"{row_label}", source=source, unit=unit)
             for code, row_label in rows.items()}
    schema = type("TableSchema", (ParamsSchema,), cells)
    return fields.Nested(schema, load_default=lambda: schema().load({}), error_messages=NESTED_ERRORS,
                         metadata=_meta(label, unit, source, type="table", rows=rows))


def grid(rows, cols, defaults, *, label, source, unit="分"):
    """Amounts keyed by two vocabularies (e.g. adoption points per level × form), shown as a grid."""
    row_fields = {}
    for row, row_label in rows.items():
        cells = {col: points(defaults.get(row, {}).get(col, 0), label=f"{row_label}{col_label}",
                             source=source, unit=unit)
                 for col, col_label in cols.items()}
        row_schema = type(f"GridRow_{row}", (ParamsSchema,), cells)
        row_fields[row] = fields.Nested(
            row_schema, load_default=lambda s=row_schema: s().load({}), error_messages=NESTED_ERRORS,
            metadata={"label": row_label})
    schema = type("GridSchema", (ParamsSchema,), row_fields)
    return fields.Nested(schema, load_default=lambda: schema().load({}), error_messages=NESTED_ERRORS,
                         metadata=_meta(label, unit, source, type="grid", rows=rows, cols=cols))


def records(record_schema, defaults, *, label, source, unit="分"):
    """A list of records of `record_schema` (e.g. per-publication overrides)."""
    return fields.List(
        fields.Nested(record_schema, error_messages=NESTED_ERRORS),
        load_default=lambda: record_schema(many=True).load(defaults), error_messages=LIST_ERRORS,
        metadata=_meta(label, unit, source, type="records", schema=record_schema))


def joint_split():
    """How an item's points are shared among the units of a joint report (合报)."""
    return choice({"equal": "平均分配", "full": "每家全额计分"}, "equal",
                  label="合报计分方式", source="各地考核办法通行做法：合报稿件分值由各报送单位平均分配")


# ---------------------------------------------------------------- walking a schema
# The one walker of parameter schemas: the tuning form, `kaohe scheme show`, the words of a
# change and the docs all read a schema through these functions, never marshmallow's internals.

def kind_of(field):
    """What a field holds: amount, integer, choice, boolean, text (single values) or table, grid,
    records, nested (values under it)."""
    declared = field.metadata.get("type")
    if declared:
        return declared
    if isinstance(field, fields.Boolean):
        return "boolean"
    if isinstance(field, fields.Integer):
        return "integer"
    if isinstance(field, fields.Number):
        return "amount"
    if isinstance(field, fields.Nested):
        return "nested"
    if isinstance(field, fields.List):
        return "records"
    return "text"


def inner_schema(field):
    """The schema under a table, grid or nested field, or one record's schema of a records field;
    None for a single value."""
    if isinstance(field, fields.Nested):
        return field.schema
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        return field.inner.schema
    return None


def _with_label(words, label):
    """The labels on the way to a value; a grid cell's label repeats its row's, and replaces it."""
    if words and label.startswith(words[-1]):
        return words[:-1] + (label,)
    return words + (label,)


@dataclass(frozen=True)
class Leaf:
    """One single value of a configuration: its keys from the schema's root, the labels on the
    way (a record row as 第N行), its field and the value."""
    path: tuple
    words: tuple
    field: object
    value: object

    @property
    def label(self):
        return " · ".join(self.words)


def leaves(schema, values, path=(), words=()):
    """Every single value of `values` (a rule set's dumped parameters) under `schema`, in order."""
    for name, field in schema.fields.items():
        if name not in (values or {}):
            continue
        value = values[name]
        here, said = path + (name,), _with_label(words, field.metadata.get("label", name))
        inner = inner_schema(field)
        if isinstance(field, fields.List):
            for index, record in enumerate(value or []):
                row = said + (f"第{index + 1}行",)
                if inner is None:
                    yield Leaf(here + (str(index),), row, field.inner, record)
                else:
                    yield from leaves(inner, record or {}, here + (str(index),), row)
        elif inner is not None:
            yield from leaves(inner, value or {}, here, said)
        else:
            yield Leaf(here, said, field, value)


def path_words(schema, parts):
    """The labels along the keys `parts` of a path into `schema`; keys it does not know are kept."""
    words = ()
    known = schema
    index = 0
    while index < len(parts):
        field = known.fields.get(parts[index]) if known is not None else None
        if field is None:
            return list(words) + list(parts[index:])
        words = _with_label(words, field.metadata.get("label", parts[index]))
        index += 1
        known = inner_schema(field)
        if isinstance(field, fields.List) and index < len(parts) and parts[index].isdigit():
            words += (f"第{int(parts[index]) + 1}行",)
            index += 1
    return list(words)


def value_words(field, value):
    """A value as a clerk reads it: 20分, 是/否, a choice's label, a list of records in rows."""
    if value is None or value == "":
        return "（空）"
    kind = kind_of(field)
    if kind == "boolean" or isinstance(value, bool):
        return "是" if value in (True, "true", "True") else "否"
    if kind == "choice":
        return (field.metadata.get("choices") or {}).get(value, str(value))
    if kind in ("amount", "integer"):
        try:
            text = fmt(value)
        except ArithmeticError:
            return str(value)
        return f"{text}{field.metadata.get('unit', '')}"
    if isinstance(value, list):
        return f"{len(value)}行"
    return str(value)


def describe(schema_class, prefix=""):
    """List a parameter schema's fields as dicts: path, label, unit, source, type and default.

    Grids and tables are listed as one entry each, with their rows (and columns); the panel and
    `kaohe scheme show` read this instead of marshmallow's internals.
    """
    schema = schema_class()
    described = []
    for name, field in schema.fields.items():
        meta = dict(field.metadata)
        described.append({
            "path": f"{prefix}{name}",
            "name": name,
            "label": meta.get("label", name),
            "unit": meta.get("unit", ""),
            "source": meta.get("source", ""),
            "type": meta.get("type", type(field).__name__.lower()),
            "field": field,
            "meta": meta,
        })
    return described
