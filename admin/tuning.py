"""The tuning form: built from each rule set's parameter schema, read back into a scheme configuration.

Every input is named by its dotted path (``p.provincial.adoption.national.full``), the same path
``kaohe.core.storage.schemes.validate_config`` uses in its error messages, so each error lands next to its field.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kaohe.core.domain.errors import ParameterError
from kaohe.core.domain.params import inner_schema, kind_of
from kaohe.core.domain.vocab import UNIT_KINDS, fmt
from kaohe.core.storage.schemes import validate_config

PARAM = "p."
SETTING = "c."


@dataclass
class Input:
    """One input of the form: its name, label, kind (amount, integer, choice, boolean, text) and value."""
    name: str
    label: str
    kind: str
    value: object
    unit: str = ""
    choices: dict = field(default_factory=dict)


@dataclass
class Section:
    """One parameter of a rule set as shown: a single input, a table, a grid or a list of records."""
    label: str
    kind: str  # single, table, grid, records
    unit: str = ""
    source: str = ""
    inputs: list = field(default_factory=list)  # single/table: [Input]; grid: [[Input]]; records
    rows: list = field(default_factory=list)  # row labels (table, grid)
    cols: list = field(default_factory=list)  # column labels (grid, records)
    name: str = ""
    row_names: list = field(default_factory=list)


@dataclass
class RuleSetPanel:
    name: str
    title: str
    version: str
    description: str
    enabled: bool
    order: int
    sections: list
    loaded: bool = True



def shown(value):
    """A value as the clerk reads it in an input: 20 rather than 20.00; switches as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return text
    if not number.is_finite() or "." not in text:
        return text
    return fmt(number)


def _scalar(name, field_obj, value, label=None):
    kind = kind_of(field_obj)
    meta = field_obj.metadata
    return Input(name=name, label=label or meta.get("label", name.rsplit(".", 1)[-1]),
                 kind=kind if kind in ("amount", "integer", "choice", "boolean") else "text",
                 value=shown(value), unit=meta.get("unit", ""),
                 choices=dict(meta.get("choices") or {}))



def _sections(prefix, schema, values):
    sections = []
    for fname, fobj in schema.fields.items():
        meta = fobj.metadata
        kind = kind_of(fobj)
        name = f"{prefix}.{fname}"
        value = (values or {}).get(fname)
        section = Section(label=meta.get("label", fname), kind="single", unit=meta.get("unit", ""),
                          source=meta.get("source", ""), name=name)
        if kind == "table":
            rows = meta.get("rows") or {}
            inner = inner_schema(fobj)
            section.kind = "table"
            section.rows = list(rows.values())
            section.row_names = list(rows)
            section.inputs = [_scalar(f"{name}.{code}", inner.fields[code], (value or {}).get(code),
                                      label=rows[code]) for code in rows if code in inner.fields]
        elif kind == "grid":
            rows, cols = meta.get("rows") or {}, meta.get("cols") or {}
            inner = inner_schema(fobj)
            section.kind = "grid"
            section.rows = list(rows.values())
            section.cols = list(cols.values())
            section.inputs = []
            for row in rows:
                row_schema = inner_schema(inner.fields[row])
                section.inputs.append([
                    _scalar(f"{name}.{row}.{col}", row_schema.fields[col],
                            ((value or {}).get(row) or {}).get(col),
                            label=f"{rows[row]} {cols[col]}")
                    for col in cols])
        elif kind == "records":
            record_schema = inner_schema(fobj)
            section.kind = "records"
            if record_schema is None:
                section.kind = "single"
                section.inputs = [_scalar(name, fobj, value)]
            else:
                section.cols = [f.metadata.get("label", n) for n, f in record_schema.fields.items()]
                records = list(value or [])
                section.inputs = []
                for index, record in enumerate(records + [{}]):
                    section.inputs.append([
                        _scalar(f"{name}.{index}.{sub}", sub_field, (record or {}).get(sub))
                        for sub, sub_field in record_schema.fields.items()])
                section.row_names = [str(i) for i in range(len(records) + 1)]
        elif kind == "nested":
            sections.extend(_sections(name, inner_schema(fobj), value or {}))
            continue
        else:
            section.inputs = [_scalar(name, fobj, value)]
        sections.append(section)
    return sections


def panels(registry, config):
    """The rule sets of a configuration (then the other loaded ones), each with its sections."""
    result = []
    entries = list(config.get("rulesets", []))
    named = {e["name"] for e in entries}
    for name in registry.rulesets:
        if name not in named:
            ruleset = registry.rulesets[name]
            entries.append({"name": name, "enabled": False,
                            "params": ruleset.dump_params(ruleset.default_params())})
    for order, entry in enumerate(entries, 1):
        ruleset = registry.rulesets.get(entry["name"])
        if ruleset is None:
            result.append(RuleSetPanel(entry["name"], entry["name"], "", "", False, order, [],
                                       loaded=False))
            continue
        schema = ruleset.params_schema()
        result.append(RuleSetPanel(
            name=ruleset.name, title=ruleset.title, version=ruleset.version,
            description=ruleset.description, enabled=bool(entry.get("enabled", True)),
            order=order, sections=_sections(PARAM + ruleset.name, schema, entry.get("params") or {})))
    return result


def settings(config):
    """The scheme's own settings: award quotas per pool, individual awards and conversion."""
    awards = config.get("awards") or {}
    conversion = config.get("conversion") or {}
    quotas = [Input(name=f"{SETTING}awards.units.{pool}", label=UNIT_KINDS.get(pool, pool),
                    kind="integer", value=str(count), unit="名")
              for pool, count in (awards.get("units") or {}).items()]
    others = [
        Input(name=f"{SETTING}awards.default_units", label="其他组别先进单位名额", kind="integer",
              value=str(awards.get("default_units", "")), unit="名"),
        Input(name=f"{SETTING}awards.reporters", label="先进个人名额", kind="integer",
              value=str(awards.get("reporters", "")), unit="名"),
        Input(name=f"{SETTING}awards.unit_title", label="单位评先称号（如 先进集体）", kind="text",
              value=str(awards.get("unit_title", ""))),
        Input(name=f"{SETTING}awards.reporter_title", label="个人评先称号（如 优秀信息员）", kind="text",
              value=str(awards.get("reporter_title", ""))),
        Input(name=f"{SETTING}conversion.enabled", label="折算为目标责任考核分值", kind="boolean",
              value=shown(bool(conversion.get("enabled")))),
        Input(name=f"{SETTING}conversion.max_points", label="折算满分", kind="amount",
              value=shown(conversion.get("max_points", "")), unit="分"),
    ]
    return quotas, others


# ---------------------------------------------------------------- reading the form back

def _set(target, parts, value):
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _records_to_lists(value, schema):
    """Turn {"0": {...}, "1": {...}} for a records field into a list, skipping blank rows."""
    out = {}
    positions = {}
    for fname, fobj in schema.fields.items():
        if fname not in value:
            continue
        sub = value[fname]
        kind = kind_of(fobj)
        if kind == "records" and isinstance(sub, dict) and inner_schema(fobj) is not None:
            rows = []
            index_map = []
            for key in sorted(sub, key=lambda k: int(k) if str(k).isdigit() else 0):
                record = sub[key]
                if record.pop("_delete", None):
                    continue
                if all(str(v).strip() == "" for v in record.values()):
                    continue
                record = {k: v for k, v in record.items() if str(v).strip() != ""
                          or k in inner_schema(fobj).fields}
                rows.append(record)
                index_map.append(key)
            out[fname] = rows
            positions[fname] = index_map
        elif kind in ("table", "grid", "nested") and isinstance(sub, dict):
            inner, inner_positions = _records_to_lists(sub, inner_schema(fobj))
            out[fname] = inner
            for key, mapping in inner_positions.items():
                positions[f"{fname}.{key}"] = mapping
        elif kind == "boolean":
            out[fname] = str(sub).strip().lower() in ("true", "1", "on", "yes", "是")
        else:
            out[fname] = sub.strip() if isinstance(sub, str) else sub
    return out, positions


def read_form(registry, base_config, form):
    """The configuration the form describes, and how record rows were renumbered.

    Returns (config, positions) where positions maps "ruleset.field" to the form row keys of the
    stored list, so that an error on ``provincial.publication_overrides.0.points`` can be shown
    next to the input the clerk typed in.
    """
    config = copy.deepcopy(base_config)
    config["rulesets"], positions = _read_rulesets(registry, config, form)
    _read_settings(config, form)
    return config, positions


def _read_rulesets(registry, config, form):
    """The rule-set entries the form describes, in the order it gives, and the record positions."""
    raw = {}
    for key in form:
        if key.startswith(PARAM):
            _set(raw, key[len(PARAM):].split("."), form.get(key))
    entries = {e["name"]: e for e in config.get("rulesets", [])}
    for name, ruleset in registry.rulesets.items():
        if name not in entries and form.get(f"enabled.{name}") in ("on", "true", "1"):
            entries[name] = {"name": name, "enabled": False,
                             "params": ruleset.dump_params(ruleset.default_params())}
    positions = {}
    ordered = []
    for name, entry in entries.items():
        ruleset = registry.rulesets.get(name)
        if ruleset is not None and name in raw:
            params, record_positions = _records_to_lists(raw[name], ruleset.params_schema())
            merged = copy.deepcopy(entry.get("params") or {})
            merged.update(params)
            entry["params"] = merged
            for key, mapping in record_positions.items():
                positions[f"{name}.{key}"] = mapping
        if f"order.{name}" in form or f"enabled.{name}" in form or "rulesets_form" in form:
            entry["enabled"] = form.get(f"enabled.{name}") in ("on", "true", "1")
        try:
            order = int(form.get(f"order.{name}", "") or 0)
        except ValueError:
            order = 0
        ordered.append((order if order > 0 else 10_000, len(ordered), entry))
    ordered.sort(key=lambda t: (t[0], t[1]))
    return [entry for _o, _i, entry in ordered], positions


def _read_settings(config, form):
    """The award quotas and the conversion the form sets, into `config`."""
    settings_raw = {}
    for key in form:
        if key.startswith(SETTING):
            _set(settings_raw, key[len(SETTING):].split("."), form.get(key).strip())
    if "awards" in settings_raw:
        awards = config.setdefault("awards", {})
        for key, value in settings_raw["awards"].items():
            if isinstance(value, dict):
                awards.setdefault(key, {}).update(value)
            else:
                awards[key] = value
    if "conversion" in settings_raw:
        conversion = config.setdefault("conversion", {})
        conversion.update(settings_raw["conversion"])
        if "enabled" in settings_raw["conversion"]:
            conversion["enabled"] = settings_raw["conversion"]["enabled"] in ("true", "on", "1")


def field_errors(error, positions=None):
    """ParameterError.messages keyed by input name (``p.…`` for rule sets, ``c.…`` for settings).

    Record rows are renumbered when blank or deleted rows are dropped; `positions` (from
    read_form) maps a stored row number back to the row the clerk typed in, so that an error
    on ``provincial.publication_overrides.0.points`` is shown next to that row's input.
    """
    positions = positions or {}
    out = {}
    for path, messages in (error.messages or {}).items():
        prefix = SETTING if path.split(".")[0] in ("awards", "conversion") else PARAM
        out[prefix + _typed_path(path, positions)] = messages
    return out


def _typed_path(path, positions):
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        mapping = positions.get(".".join(parts[:cut]))
        if mapping is not None and parts[cut].isdigit() and int(parts[cut]) < len(mapping):
            return ".".join(parts[:cut] + [str(mapping[int(parts[cut])])] + parts[cut + 1:])
    return path


def check(registry, base_config, form):
    """Read and validate the form: (config, {}) when valid, (None, errors by input name) otherwise."""
    config, positions = read_form(registry, base_config, form)
    try:
        return validate_config(registry, config), {}, config
    except ParameterError as error:
        return None, field_errors(error, positions), config
