"""What a clerk reads before confirming an import: the new rows, each changed field's old and new value, and warnings."""

import datetime
from dataclasses import dataclass

from kaohe.core.domain.sentences import say
from kaohe.core.exchange.cells import cell_converter
from kaohe.core.exchange.kinds import KINDS, fold
from kaohe.core.exchange.reading import RowError, schema_of

LISTED = 100  # new and changed rows listed per kind; the counts cover them all


@dataclass(frozen=True)
class NewRow:
    """A row the import adds: where it is in the files and its cells as a clerk wrote them."""
    source: str
    row: int
    cells: tuple  # (header, text) in column order


@dataclass(frozen=True)
class ChangedRow:
    """A row the import changes: where, the row's key in words, and each changed field's old and new text."""
    source: str
    row: int
    key: str
    changes: tuple  # (header, old text, new text)


def _converters(kind):
    # the export's own words for codes (经验 for experience, 是/否), so a preview reads like the file
    fields = schema_of(kind).fields
    return {name: cell_converter(fields[name]) for name, _ in kind.columns}


_CONVERTERS = {}


def shown(kind, name, value):
    """A value of a kind's field as text, in the words an import file holds."""
    if kind.name not in _CONVERTERS:
        _CONVERTERS[kind.name] = _converters(kind)
    value = _CONVERTERS[kind.name][name](value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def new_row(kind, record):
    return NewRow(record.source, record.row,
                  tuple((header, shown(kind, name, record.data.get(name))) for name, header in kind.columns))


def key_text(kind, data):
    return "、".join(f"{kind.header(name)} {shown(kind, name, data.get(name))}" for name in kind.key)


def changed_row(kind, record, stored):
    """The fields of `record` whose value differs from the `stored` row's (codes compared without case)."""
    changes = []
    for name in kind.values_fields:
        old, new = stored.get(name), record.data.get(name)
        if name in kind.links:
            same = [fold(c) for c in old or ()] == [fold(c) for c in new or ()]
        elif name in kind.refs:
            same = fold(old) == fold(new)
        else:
            same = old == new
        if not same:
            changes.append((kind.header(name), shown(kind, name, old), shown(kind, name, new)))
    return ChangedRow(record.source, record.row, key_text(kind, record.data), tuple(changes))


# ---------------------------------------------------------------- warnings: suspicious, not wrong

_EXAMPLES = {}


def _example(kind):
    """The template's example row of a kind as the schema loads it (None if it would not load)."""
    if kind.name not in _EXAMPLES:
        names = [name for name, _ in kind.columns]
        raw = {name: value for name, value in zip(names, kind.example) if value not in ("", None)}
        try:
            _EXAMPLES[kind.name] = schema_of(kind).load(raw)
        except Exception:  # an example that no longer loads warns about nothing
            _EXAMPLES[kind.name] = None
    return _EXAMPLES[kind.name]


def _same_as_example(kind, data, example):
    return all(fold(data.get(name)) == fold(value) if not isinstance(value, list)
               else [fold(c) for c in data.get(name) or ()] == [fold(c) for c in value]
               for name, value in example.items())


def template_examples(batch):
    """Rows that are the import template's example row, left in by mistake."""
    warnings = []
    for name, records in batch.records.items():
        kind = KINDS[name]
        example = _example(kind)
        if example is None:
            continue
        for record in records:
            if _same_as_example(kind, record.data, example):
                warnings.append(RowError(
                    record.source, record.row, None,
                    say("这一行是导入模板的示例行（{key}），导入后会作为真实数据写入；"
                        "如不需要，请删除这一行后重新检查", key=key_text(kind, record.data))))
    return warnings


DATED_ON_ITEMS = {"adoptions": "adopted_on", "instructions": "instructed_on"}


def dated_before_submission(batch, submitted_on):
    """Adoptions and instructions dated before their item was submitted.

    `submitted_on` maps a folded item number to its submission date (the files' rows, else the
    database's).
    """
    warnings = []
    for name, field_name in DATED_ON_ITEMS.items():
        kind = KINDS[name]
        for record in batch.records.get(name, ()):
            day = record.data.get(field_name)
            submitted = submitted_on.get(fold(record.data.get("item")))
            if day is not None and submitted is not None and day < submitted:
                column = record.columns.get(field_name) or kind.header(field_name)
                warnings.append(RowError(
                    record.source, record.row, column,
                    say("{header} {day} 早于稿件「{item}」的报送日期 {submitted}，请核对日期",
                        header=kind.header(field_name), day=day.isoformat(), item=record.data["item"],
                        submitted=submitted.isoformat())))
    return warnings


def months_of(changing):
    """The months (2025-03) the dates of the new and changed rows fall in, latest first: the periods
    a recalculation is offered for afterwards. `changing` maps a kind to those rows."""
    months = set()
    for name, records in changing.items():
        kind = KINDS[name]
        dated = [field for field, column in schema_of(kind).fields.items()
                 if type(column).__name__ in ("Day", "Moment")]
        for record in records:
            for field_name in dated:
                value = record.data.get(field_name)
                if value is not None:
                    months.add(f"{value.year}-{value.month:02d}")
    return sorted(months, reverse=True)
