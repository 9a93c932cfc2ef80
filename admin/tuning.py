"""The tuning form: built from each rule set's parameter schema, read back into a scheme configuration.

Every input is named by its dotted path (``p.provincial.adoption.national.full``), the same path
``kaohe.core.storage.schemes.validate_config`` uses in its error messages, so each error lands next to its field.
The inputs come from :mod:`kaohe.admin.param_form`; a rule set's rule rows (``scheme_rules``) from
:mod:`kaohe.admin.rule_editor`.
"""

import copy
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as L

from kaohe.core.domain.errors import ParameterError
from kaohe.core.domain.vocab import UNIT_KINDS
from kaohe.core.storage.schemes import validate_config

from . import rule_editor
from .i18n import word
from .param_form import Input, put, read_values, sections, shown, typed_path

PARAM = "p."
SETTING = "c."


@dataclass
class RuleSetPanel:
    """One rule set of the form: switched on or off, its place, its sections, what a preset offers."""
    name: str
    title: str
    version: str
    description: str
    enabled: bool
    order: int
    sections: list
    loaded: bool = True
    preset: str = ""  # copy: its rows can be copied into the scheme's own; beyond: they cannot
    errors: list = field(default_factory=list)  # (input name, messages) no input shows


def _kinds(ruleset):
    return getattr(ruleset, "kinds", None) or {}


def panels(registry, config, errors=None):
    """The rule sets of a configuration (then the other loaded ones), each with its sections;
    an error that no input shows is put on its rule row's card, or on its rule set."""
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
        enabled = bool(entry.get("enabled", True))
        panel = RuleSetPanel(
            name=ruleset.name, title=word(ruleset.title), version=ruleset.version,
            description=word(ruleset.description), enabled=enabled, order=order,
            sections=sections(PARAM + ruleset.name, schema, entry.get("params") or {},
                              rules=rule_editor.builder(_kinds(ruleset))))
        panel.preset = rule_editor.preset_offer(registry, ruleset)
        result.append(panel)
    if errors:
        _place_errors(result, errors)
    return result


def _place_errors(panels_shown, errors):
    """An error on one word of a list (``….levels.0``) is put on the list's input (``第1项：…``,
    in `errors`); one that no input shows (a row's unknown kind, an unknown key) on the card of
    its rule row, or on its rule set's panel."""
    names, cards = set(), []
    for panel in panels_shown:
        for section in panel.sections:
            names |= section.input_names
            cards.extend(section.cards)
    for name in [n for n in errors if n not in names]:
        head, _sep, last = name.rpartition(".")
        if last.isdigit() and head in names:
            errors.setdefault(head, []).extend(
                _("第%(n)d项：%(error)s", n=int(last) + 1, error=m) for m in errors.pop(name))
    for panel in panels_shown:
        prefix = f"{PARAM}{panel.name}."
        for name, messages in errors.items():
            if not name.startswith(prefix) or name in names:
                continue
            owner = next((c for c in cards if name.startswith(c.name + ".")), None)
            target = owner.errors if owner is not None else panel.errors
            target.append((name[len(owner.name if owner else prefix.rstrip(".")) + 1:], messages))


def settings(config):
    """The scheme's own settings: award quotas per pool, individual awards and conversion."""
    awards = config.get("awards") or {}
    conversion = config.get("conversion") or {}
    places, points = L("名"), L("分")
    quotas = [Input(name=f"{SETTING}awards.units.{pool}", label=word(UNIT_KINDS.get(pool, pool)),
                    kind="integer", value=str(count), unit=places)
              for pool, count in (awards.get("units") or {}).items()]
    others = [
        Input(name=f"{SETTING}awards.default_units", label=L("其他组别先进单位名额"), kind="integer",
              value=str(awards.get("default_units", "")), unit=places),
        Input(name=f"{SETTING}awards.reporters", label=L("先进个人名额"), kind="integer",
              value=str(awards.get("reporters", "")), unit=places),
        Input(name=f"{SETTING}awards.unit_title", label=L("单位评先称号（如 先进集体）"), kind="text",
              value=str(awards.get("unit_title", ""))),
        Input(name=f"{SETTING}awards.reporter_title", label=L("个人评先称号（如 优秀信息员）"),
              kind="text", value=str(awards.get("reporter_title", ""))),
        Input(name=f"{SETTING}conversion.enabled", label=L("折算为目标责任考核分值"), kind="boolean",
              value=shown(bool(conversion.get("enabled")))),
        Input(name=f"{SETTING}conversion.max_points", label=L("折算满分"), kind="amount",
              value=shown(conversion.get("max_points", "")), unit=points),
    ]
    return quotas, others


# ---------------------------------------------------------------- reading the form back

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
            put(raw, key[len(PARAM):].split("."), form.get(key))
    entries = {e["name"]: e for e in config.get("rulesets", [])}
    for name, ruleset in registry.rulesets.items():
        if name not in entries and (form.get(f"enabled.{name}") in ("on", "true", "1")
                                    or rule_editor.has_rows(ruleset, raw.get(name) or {})):
            entries[name] = {"name": name, "enabled": False,
                             "params": ruleset.dump_params(ruleset.default_params())}
    positions = {}
    ordered = []
    for name, entry in entries.items():
        ruleset = registry.rulesets.get(name)
        if ruleset is not None and name in raw:
            params, record_positions = read_values(
                raw[name], ruleset.params_schema(), rules=rule_editor.reader(_kinds(ruleset)))
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
            put(settings_raw, key[len(SETTING):].split("."), form.get(key).strip())
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
        out[prefix + typed_path(path, positions)] = [word(m) for m in messages] \
            if isinstance(messages, list) else messages
    return out


def check(registry, base_config, form):
    """Read and validate the form: (config, {}, typed) when valid, (None, errors by input name,
    typed) otherwise; `typed` is the configuration as the form gave it, to show again."""
    config, positions = read_form(registry, base_config, form)
    try:
        return validate_config(registry, copy.deepcopy(config)), {}, config
    except ParameterError as error:
        return None, field_errors(error, positions), config
