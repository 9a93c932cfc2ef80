"""Marshmallow schemas for each data kind: its cells (core/exchange/cells.py), defaults and the checks across them."""

from marshmallow import RAISE, Schema, ValidationError, missing, post_load, pre_load, validates_schema
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import normalize
from kaohe.core.exchange.cells import (  # noqa: F401 (the field types are also named from here)
    CELL_WORDS,
    VOCABULARY_NOUNS,
    Code,
    CodeList,
    Day,
    Flag,
    Moment,
    Pool,
    Text,
    Whole,
    Word,
    Year,
    cell_converter,
    cell_word,
)
from kaohe.core.exchange.scheme_cells import Amount, PeriodCell, Tags, UnitKindWord


class KindSchema(Schema):
    """The common ground: unknown fields refused, blank values treated as not given."""

    error_messages = {"type": say("应为一行数据（字段与值）"), "unknown": say("未知的字段")}

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

    def row_loader(self, cleaned=False):
        """A function loading one row (a dict of field names) as `load` does, for an import of many.

        It calls each field's converter (cells.Cell.converter: a repeated value is looked up, not
        parsed again) and then the schema's own checks and post-load steps, without marshmallow's
        per-row machinery. A row with any problem is loaded by `load` itself, so that its errors
        and valid data are exactly `load`'s; so is every row of a schema with hooks it does not know.
        `cleaned`: the rows' texts are stripped and none is blank (drop_blanks would change nothing).
        """
        hooks = self._hooks
        if (hooks[VALIDATES] or any(many for tag in (VALIDATES_SCHEMA, POST_LOAD)
                                    for _, many, _ in hooks[tag])
                or [name for name, _, _ in hooks[PRE_LOAD]] != ["drop_blanks"]):
            return self.load
        steps = [(name, field.converter(name), field.required, field.load_default)
                 for name, field in self.load_fields.items()
                 if field.data_key in (None, name) and field.attribute in (None, name)]
        if len(steps) != len(self.load_fields):
            return self.load
        options = {"partial": self.partial, "many": False, "unknown": self.unknown}
        validators = [(getattr(self, name), kwargs.get("pass_original", False))
                      for name, _, kwargs in hooks[VALIDATES_SCHEMA]]
        processors = [(getattr(self, name), kwargs.get("pass_original", False))
                      for name, _, kwargs in hooks[POST_LOAD]]
        drop_blanks, load = self.drop_blanks, self.load
        known = frozenset(name for name, *_ in steps)

        def load_row(data):
            given = data if cleaned else drop_blanks(data)
            result = {}
            for name, convert, required, default in steps:
                value = given.get(name, missing)
                if value is missing:
                    if required:
                        return load(data)
                    if default is not missing:
                        result[name] = default() if callable(default) else default
                    continue
                try:
                    result[name] = convert(value)
                except ValidationError:
                    return load(data)
            if not known.issuperset(given):
                return load(data)  # a field the schema does not have
            try:
                for validator, original in validators:
                    if original:
                        validator(result, data, **options)
                    else:
                        validator(result, **options)
                for processor, original in processors:
                    result = processor(result, data, **options) if original else processor(result, **options)
            except ValidationError:
                return load(data)
            return result
        return load_row


class UnitKindSchema(KindSchema):
    """An office's own unit kind: its code (what units' 单位类型 cells hold) and its name."""
    code = Code(max_length=32, required=True)
    name = Text(max_length=64, required=True)

    @validates_schema
    def not_built_in(self, data, **kwargs):
        if normalize("kind", data.get("code", "")) is not None:
            raise ValidationError(say("「{code}」是内置的单位类型，无需再定义", code=data["code"]), "code")


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
            raise ValidationError(say("上级单位不能是本单位"), "parent")

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

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def check_times(self, data, original, **kwargs):
        occurred, reported = data.get("occurred_at"), data.get("reported_at")
        if occurred and reported and reported < occurred:
            raise ValidationError(say("首报时间早于发生时间"), "reported_at")
        given = isinstance(original, dict) and original.get("reported_at") not in (None, "")
        if data.get("status") == "reported" and not reported and occurred and not given:
            raise ValidationError(say("状态为已报时必须填写首报时间"), "reported_at")


class FollowUpSchema(KindSchema):
    """A follow-up report (续报) of an urgent incident: the incident's number, when, and what."""
    report = Code(required=True)
    reported_at = Moment(required=True)
    content = Text(max_length=2000, load_default="")


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
            raise ValidationError(say("必须填写（或在期间中写明年度）"), "year")
        if year is not None and period is not None and int(period[:4]) != year:
            raise ValidationError(say("期间「{period}」不在{year}年度内", period=period, year=year), "period")

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
            raise ValidationError(say("分值和金额至少填写一项"), "points")


class SolicitationSchema(KindSchema):
    no = Code(required=True)
    title = Text(max_length=500, required=True)
    issued_on = Day(required=True)
    due_on = Day(required=True)
    units = CodeList(required=True)

    @validates_schema(skip_on_field_errors=False)
    def check_dates(self, data, **kwargs):
        if data.get("issued_on") and data.get("due_on") and data["due_on"] < data["issued_on"]:
            raise ValidationError(say("截止日期早于下发日期"), "due_on")


SCHEMAS = {
    "units": UnitSchema,
    "reporters": ReporterSchema,
    "publications": PublicationSchema,
    "solicitations": SolicitationSchema,
    "items": ItemSchema,
    "adoptions": AdoptionSchema,
    "instructions": InstructionSchema,
    "urgent": UrgentReportSchema,
    "follow_ups": FollowUpSchema,
    "facts": UnitFactSchema,
    "targets": TargetSchema,
    "adjustments": AdjustmentSchema,
    "unit_kinds": UnitKindSchema,
}
