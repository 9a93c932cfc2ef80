"""Form fields and search helpers of the data pages: typed dates, searchable choosers, search through links."""

import datetime

from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.contrib.peewee.form import CustomModelConverter
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as L
from peewee import DateField, DateTimeField
from wtforms import fields
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import DateInput, DateTimeLocalInput

# The most rows a chooser's search returns at once (the browser asks for 10 a page).
CHOOSER_LIMIT = 20
# The longest search a chooser passes to the database.
CHOOSER_TERM_LENGTH = 100


class _TypedInput:
    """A typed value, read with the field's formats. A value that does not parse gives its own
    error only (not also “该字段是必填字段”), and what was typed is shown again to be mended."""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for pattern in self.strptime_format:
            try:
                self.data = self.parsed(datetime.datetime.strptime(text, pattern))
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(self.refusal(text[:40]))

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.shown(self.data) if self.data else ""


class TypedDateField(_TypedInput, fields.DateField):
    """A date the clerk types or picks: the browser's own date input (`<input type="date">`).

    Accepts 2025-12-22 (what the browser sends) and 2025/12/22 or 2025.12.22 typed into a browser
    without a date input; anything else is refused with the field's name and an example.
    """

    widget = DateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"])
        kwargs.setdefault("render_kw", {"max": "9999-12-31"})
        super().__init__(label, validators, **kwargs)

    def parsed(self, moment):
        return moment.date()

    def shown(self, data):
        return data.isoformat()

    def refusal(self, text):
        return _("「%(field)s」不是有效的日期：%(value)s（请写作 2025-12-22）", field=self.label.text, value=text)


class TypedDateTimeField(_TypedInput, fields.DateTimeField):
    """A date and time (`<input type="datetime-local">`): 2025-12-22T14:30, or 2025-12-22 14:30 typed."""

    widget = DateTimeLocalInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                                     "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"])
        super().__init__(label, validators, **kwargs)

    def parsed(self, moment):
        return moment

    def shown(self, data):
        return data.strftime("%Y-%m-%dT%H:%M")

    def refusal(self, text):
        return _("「%(field)s」不是有效的时间：%(value)s（请写作 2025-12-22 14:30）", field=self.label.text, value=text)


class KaoheModelConverter(CustomModelConverter):
    """Flask-Admin's peewee form converter: typed dates instead of its English picker, and
    choices labelled in the panel's language."""

    def __init__(self, view, additional=None):
        super().__init__(view, additional)
        self.converters[DateField] = self.handle_date
        self.converters[DateTimeField] = self.handle_datetime

    def convert(self, model, field, field_args):
        # a code's label in the panel's language (the vocabularies' words are in the catalog)
        if field.choices and not (field_args or {}).get("choices"):
            field_args = dict(field_args or {},
                              choices=[(code, L(label)) for code, label in field.choices])
        return super().convert(model, field, field_args)

    def handle_date(self, model, field, **kwargs):
        kwargs.pop("widget", None)
        return field.name, TypedDateField(**kwargs)

    def handle_datetime(self, model, field, **kwargs):
        kwargs.pop("widget", None)
        return field.name, TypedDateTimeField(**kwargs)


class Chooser(QueryAjaxModelLoader):
    """A searchable chooser's rows (Flask-Admin ajax): a few at a time, only those `scope` allows.

    `scope(query)` narrows the rows to what the current user may pick (a unit reporter: their own
    unit's); `order` sorts them. A row outside the scope is not found, so it cannot be submitted.
    """

    def __init__(self, name, model, fields, scope=None, order=None, placeholder=None):
        options = {"fields": fields, "page_size": 10, "minimum_input_length": 0,
                   "placeholder": placeholder or L("输入编号、名称搜索")}
        super().__init__(name, model, **options)
        self.scope = scope or (lambda query: query)
        self.order = order

    def _query(self):
        query = self.scope(self.model.select())
        return query.order_by(*self.order) if self.order else query

    def get_one(self, pk):
        try:
            key = int(pk)
        except (TypeError, ValueError):
            return None
        return self._query().where(getattr(self.model, self.pk) == key).first()

    def get_list(self, term, offset=0, limit=10):
        query = self._query()
        term = (term or "").strip()[:CHOOSER_TERM_LENGTH]
        if term:
            words = [w for w in term.split() if w][:5]
            for word in words:
                condition = None
                for field in self._cached_fields:
                    match = field.contains(word)
                    condition = match if condition is None else condition | match
                query = query.where(condition)
        offset = max(int(offset or 0), 0)
        limit = min(max(int(limit or 10), 1), CHOOSER_LIMIT)
        return list(query.offset(offset).limit(limit))


class ChooserMultipleField(AjaxSelectMultipleField):
    """Several rows from a chooser; a submitted key the chooser does not offer is refused.

    Flask-Admin's field notices such a key only once its data has been read, which its own
    check (run first) does not do: here the data is read before that check. The rows keep the
    order they were chosen in (Flask-Admin's field keeps them in a set).
    """

    def process_formdata(self, valuelist):
        # in the order chosen (a joint report's first unit comes first), each once
        keys = [key for value in valuelist for key in value.split(self.separator) if key]
        self._formdata = list(dict.fromkeys(keys))

    def pre_validate(self, form):
        self.data  # noqa: B018 (reading resolves the submitted keys, marking unknown ones)
        if self._invalid_formdata:
            raise ValidationError(_("所选的「%(field)s」不存在或不可选，请重新选择", field=self.label.text))
        super().pre_validate(form)


def chooser_field(loader, label, multiple=False, **kwargs):
    """A form field that searches `loader` as the clerk types (select2 over Flask-Admin's ajax)."""
    kind = ChooserMultipleField if multiple else AjaxSelectField
    return kind(loader, label, **kwargs)


class SearchThrough:
    """A term of the list's search box matched through linked rows (an item's authors, units …).

    Flask-Admin's peewee search does `field ** term` for each entry of `column_searchable_list`;
    this entry answers with `key IN (the keys of linked rows whose fields match)`, so a search
    finds an item by its author's name or its unit's code without joining and repeating rows.
    """

    def __init__(self, key, label, linked, *matched, through=None):
        self.key = key
        self.model = key.model
        self.label = label
        self.linked = linked
        self.matched = matched
        # `through`: the linked rows' column naming the matched rows (an item's authors: the
        # reporter). The matched rows are then found first, `through IN (their ids)`, so that
        # the database looks up the few links of the few matching reporters by index instead
        # of joining every link (a million items' authors) to test each reporter's name.
        self.through = through

    def __pow__(self, term):
        condition = None
        for field in self.matched:
            match = field ** term
            condition = match if condition is None else condition | match
        if self.through is not None:
            target = self.matched[0].model
            condition = self.through.in_(target.select(target.id).where(condition))
        return self.key.in_(self.linked().where(condition))
