"""The inputs of a parameter schema, and the values typed in them read back: the tuning form's parts.

Every input is named by its dotted path (``p.provincial.adoption.national.full``), the path
``kaohe.core.storage.schemes.validate_config`` names in its errors, so each error lands next to its
input. A field is shown by what its metadata says it holds (:func:`kaohe.core.domain.params.kind_of`):
an amount, a whole number, a choice, a yes/no switch (是/否/不限 when it may be empty), a list of
words typed as 、-separated text, a date, a table, a grid, a list of records, or a group of
conditions. A field of rule rows (type ``rules``) is built and read by functions the caller
passes (:mod:`kaohe.admin.rule_editor`): this module knows no rule kind.

Labels, units, row and column labels and choices are put on the inputs in the panel's language
(:func:`kaohe.admin.i18n.word`); a list of words reads back the words of either language.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kaohe.core.domain.params import inner_schema, kind_of
from kaohe.core.domain.vocab import ALIASES, VOCABULARIES, fmt

from .i18n import word, words

INPUT_KINDS = ("amount", "integer", "choice", "boolean", "tristate", "words", "date", "text")
WORD_SEPARATORS = re.compile(r"[、,，;；\n]")
WORD_JOINER = "、"
YES_NO = {"true": "是", "false": "否"}


@dataclass
class Input:
    """One input: its name, label, kind (one of INPUT_KINDS), value as typed, unit and choices."""
    name: str
    label: str
    kind: str
    value: object
    unit: str = ""
    choices: dict = field(default_factory=dict)

    @property
    def said(self):
        """The value as a sentence says it (是, 县级, 10分), empty when nothing is set."""
        if self.value in ("", None):
            return ""
        if self.kind in ("boolean", "tristate"):
            return word(YES_NO.get(self.value, self.value))
        if self.kind == "choice":
            return self.choices.get(self.value, self.value)
        return f"{self.value}{self.unit}"


@dataclass
class Section:
    """One parameter as shown: a single input, a table, a grid, a list of records, a group of
    conditions (``children``: sections) or rule rows (``cards``, and the kinds one may add)."""
    label: str
    kind: str  # single, table, grid, records, group, rules
    unit: str = ""
    source: str = ""
    inputs: list = field(default_factory=list)  # single/table: [Input]; grid, records: [[Input]]
    rows: list = field(default_factory=list)  # row labels (table, grid)
    cols: list = field(default_factory=list)  # column labels (grid, records)
    name: str = ""
    row_names: list = field(default_factory=list)
    hints: list = field(default_factory=list)  # records: a words column's words ({}: any), or None
    children: list = field(default_factory=list)  # group
    cards: list = field(default_factory=list)  # rules
    choices: list = field(default_factory=list)  # rules: (group label, [(kind, title)])

    @property
    def summary(self):
        """A group's conditions that are set, in words (empty: none, i.e. any)."""
        return "；".join(f"{s.inputs[0].label} {s.inputs[0].said}" for s in self.children
                        if s.kind == "single" and s.inputs and s.inputs[0].said)

    @property
    def input_names(self):
        """Every input name of this section and the sections and cards inside it."""
        names = set()
        for entry in self.inputs:
            for one in entry if isinstance(entry, list) else [entry]:
                names.add(one.name)
        for child in self.children:
            names |= child.input_names
        for card in self.cards:
            names |= card.input_names
        return names


def shown(value):
    """A value as the clerk reads it in an input: 20 rather than 20.00; switches as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return WORD_JOINER.join(str(v) for v in value)
    text = str(value).strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return text
    if not number.is_finite() or "." not in text:
        return text
    return fmt(number)


def input_kind(field_obj):
    """Which input shows a single field (a list of plain values is typed as words)."""
    kind = kind_of(field_obj)
    if kind == "boolean" and field_obj.allow_none:
        return "tristate"
    if kind == "records" and inner_schema(field_obj) is None:
        return "words"
    return kind if kind in INPUT_KINDS else "text"


def scalar(name, field_obj, value, label=None):
    """The input of one single value."""
    kind = input_kind(field_obj)
    meta = field_obj.metadata
    choices = words(meta.get("choices"))
    if kind == "words":
        value = WORD_JOINER.join(choices.get(v, str(v)) for v in value) \
            if isinstance(value, (list, tuple)) else shown(value)
    else:
        value = shown(value)
    return Input(name=name, label=label or word(meta.get("label", name.rsplit(".", 1)[-1])),
                 kind=kind, value=value, unit=word(meta.get("unit", "")), choices=choices)


def sections(prefix, schema, values, rules=None):
    """The sections of a schema's fields under the input names `prefix`.<field>.

    `rules(name, field, value)` builds the section of a field of rule rows (type ``rules``).
    """
    built = []
    for fname, fobj in schema.fields.items():
        meta = fobj.metadata
        kind = kind_of(fobj)
        name = f"{prefix}.{fname}"
        value = (values or {}).get(fname)
        section = Section(label=word(meta.get("label", fname)), kind="single",
                          unit=word(meta.get("unit", "")), source=meta.get("source", ""), name=name)
        if kind == "rules" and rules is not None:
            section = rules(name, fobj, value)
        elif kind == "table":
            rows = words(meta.get("rows"))
            inner = inner_schema(fobj)
            section.kind = "table"
            section.rows = list(rows.values())
            section.row_names = list(rows)
            section.inputs = [scalar(f"{name}.{code}", inner.fields[code], (value or {}).get(code),
                                     label=rows[code]) for code in rows if code in inner.fields]
        elif kind == "grid":
            _grid(section, name, fobj, value)
        elif kind == "records" and inner_schema(fobj) is not None:
            _records(section, name, fobj, value)
        elif kind == "condition":
            section.kind = "group"
            section.children = sections(name, inner_schema(fobj), value or {}, rules)
        elif kind == "nested":
            built.extend(sections(name, inner_schema(fobj), value or {}, rules))
            continue
        else:
            section.inputs = [scalar(name, fobj, value)]
        built.append(section)
    return built


def _grid(section, name, fobj, value):
    meta = fobj.metadata
    rows, cols = words(meta.get("rows")), words(meta.get("cols"))
    inner = inner_schema(fobj)
    section.kind = "grid"
    section.rows = list(rows.values())
    section.cols = list(cols.values())
    section.inputs = []
    for row in rows:
        row_schema = inner_schema(inner.fields[row])
        section.inputs.append([
            scalar(f"{name}.{row}.{col}", row_schema.fields[col],
                   ((value or {}).get(row) or {}).get(col), label=f"{rows[row]} {cols[col]}")
            for col in cols])


def _records(section, name, fobj, value):
    """A list of records: one row of inputs per record, and an empty row to add one."""
    record_schema = inner_schema(fobj)
    section.kind = "records"
    section.cols = [word(f.metadata.get("label", n)) for n, f in record_schema.fields.items()]
    section.hints = [words(f.metadata.get("choices")) if input_kind(f) == "words" else None
                     for f in record_schema.fields.values()]
    records = list(value or []) if isinstance(value, list) else []
    section.inputs = []
    for index, record in enumerate(records + [{}]):
        section.inputs.append([
            scalar(f"{name}.{index}.{sub}", sub_field, (record or {}).get(sub, _switch_default(sub_field)),
                   label=word(sub_field.metadata.get("label", sub)))
            for sub, sub_field in record_schema.fields.items()])
    section.row_names = [str(i) for i in range(len(records) + 1)]


# ---------------------------------------------------------------- reading the form back

def put(target, parts, value):
    """Set `value` at the keys `parts` of nested dicts."""
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def blank(value):
    return value is None or (isinstance(value, str) and value.strip() == "")


def row_order(key):
    """Form rows in the order of their numbers (a key that is not a number goes first)."""
    return int(key) if str(key).isdigit() else -1


def read_words(text, choices):
    """Words typed as 、/，/,/; separated text, as a list; a vocabulary's Chinese words become its
    code names (县级 → county), other words stay as typed for the schema to judge."""
    accepted = _accepted_words(choices)
    if isinstance(text, (list, tuple)):
        parts = [str(p).strip() for p in text]
    else:
        text = str(text or "")
        for word in sorted(accepted, key=len, reverse=True):
            if WORD_SEPARATORS.search(word):  # 县(市、区) is one word
                text = text.replace(word, accepted[word])
        parts = [p.strip() for p in WORD_SEPARATORS.split(text)]
    return [accepted.get(p, accepted.get(p.lower(), p)) for p in parts if p]


def _accepted_words(choices):
    """{word: code} a list of `choices` accepts: the codes, the labels (in Chinese and in the
    panel's language, as the form showed them) and a vocabulary's aliases."""
    if not choices:
        return {}
    accepted = {code: code for code in choices}
    accepted.update({label: code for code, label in choices.items()})
    accepted.update({word(label): code for code, label in choices.items()})
    accepted.update({word(label).lower(): code for code, label in choices.items()})
    for vocabulary, words in VOCABULARIES.items():
        if dict(words) == dict(choices):
            accepted.update(ALIASES.get(vocabulary, {}))
    return accepted


def read_values(value, schema, rules=None, keep_unknown=False):
    """The values typed for `schema`'s fields ({"0": {...}} rows become lists), and how rows of
    records were renumbered: (values, {"field": [form row keys of the stored rows]}).

    `rules(typed)` reads a field of rule rows, returning (rows, positions) the same way.
    """
    out, positions = {}, {}
    for fname, fobj in schema.fields.items():
        if fname not in value:
            continue
        sub = value[fname]
        kind = kind_of(fobj)
        inner = inner_schema(fobj)
        if kind == "rules":
            if rules is None or not isinstance(sub, dict):
                continue
            out[fname], found = rules(sub)
            positions.update({f"{fname}.{key}" if key else fname: m for key, m in found.items()})
        elif kind == "records" and isinstance(sub, dict) and inner is not None:
            out[fname], found = _read_records(sub, inner, rules)
            positions.update({f"{fname}.{key}" if key else fname: m for key, m in found.items()})
        elif kind in ("table", "grid", "nested", "condition") and isinstance(sub, dict):
            out[fname], found = read_values(sub, inner, rules)
            positions.update({f"{fname}.{key}": m for key, m in found.items()})
        elif input_kind(fobj) == "words":
            out[fname] = read_words(sub, fobj.metadata.get("choices") or {})
        elif kind == "boolean":
            out[fname] = None if fobj.allow_none and blank(sub) else \
                str(sub).strip().lower() in ("true", "1", "on", "yes", "是")
        else:
            text = sub.strip() if isinstance(sub, str) else sub
            out[fname] = None if fobj.allow_none and blank(text) else text
    if keep_unknown:
        out.update({k: v for k, v in value.items() if k not in schema.fields and not blank(v)})
    return out, positions


def _read_records(typed, record_schema, rules):
    """The rows of a records field, blank and deleted rows left out; positions keyed "" for the
    rows themselves and "N.field" for records inside stored row N."""
    rows, index_map, positions = [], [], {}
    for key in sorted(typed, key=row_order):
        record = typed[key]
        if not isinstance(record, dict) or record.pop("_delete", None):
            continue
        if all(blank(v) or _switch_left_alone(record_schema, k, v) for k, v in record.items()):
            continue  # the empty row the form offers, its switches at their defaults
        values, found = read_values(record, record_schema, rules, keep_unknown=True)
        positions.update({f"{len(rows)}.{k}": m for k, m in found.items()})
        rows.append(values)
        index_map.append(key)
    positions[""] = index_map
    return rows, positions


def _switch_default(field):
    """What a row's yes/no field shows before anyone chose (its default); None for other fields."""
    default = field.load_default
    return default if kind_of(field) == "boolean" and isinstance(default, bool) else None


def _switch_left_alone(schema, name, value):
    """Whether `value` is a yes/no field of `schema` still at its default (not typed by anyone)."""
    field = schema.fields.get(name)
    if field is None or kind_of(field) != "boolean" or not isinstance(value, str):
        return False
    default = field.load_default
    return value.strip().lower() in ({"true", "1", "on", "yes", "是"} if default is True
                                     else {"false", "0", "off", "no", "否"} if default is False
                                     else {""})


def typed_path(path, positions):
    """A stored path (``provincial.publication_overrides.0.points``) as the form typed it: each
    row number of a list whose rows were renumbered is the form row's (``…overrides.1.points``)."""
    parts = path.split(".")
    typed = list(parts)
    for cut in range(1, len(parts)):
        mapping = positions.get(".".join(parts[:cut]))
        if mapping is not None and parts[cut].isdigit() and int(parts[cut]) < len(mapping):
            typed[cut] = str(mapping[int(parts[cut])])
    return ".".join(typed)
