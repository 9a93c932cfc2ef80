"""The editor of a scheme's rule rows (计分规则): each row a card built from its kind's parameter
schema; rows added, removed and moved by the form's buttons; a preset's rows copied in to edit.

The rows are the ``rules`` parameter of the ``scheme_rules`` rule set (any field of type
``rules``): {kind, name, label, source, unit, params}. A card's inputs are named
``p.scheme_rules.rules.<n>.<key>`` and its parameters ``p.scheme_rules.rules.<n>.params.<path>``,
the paths of ``validate_config``'s errors, so each error lands next to its input. The buttons
submit the tuning form with an action (``rules.add:scheme_rules``, ``rules.up:scheme_rules:2``,
``preset.copy:provincial``…) and the page comes back unsaved: no script is needed.
"""

import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as L

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.params import kind_of
from kaohe.core.scoring.rules.scheme_rules import Preset

from .i18n import word, words
from .param_form import Input, Section, read_values, sections

TARGET = "scheme_rules"  # the rule set a preset's rows are copied into
UNIT_CHOICES = {"分": "分", "元": "元"}
VERBS = ("rules.add", "rules.remove", "rules.up", "rules.down", "preset.copy")


@dataclass
class RuleCard:
    """One rule row as shown: its kind's title and description, its own inputs, its parameters."""
    number: int  # from 1, as the office counts
    name: str  # the row's input prefix, p.scheme_rules.rules.<n>
    kind: str
    title: str
    description: str
    known: bool
    total_level: bool = False
    inputs: list = field(default_factory=list)  # 规则名, 说明, 分值单位, 依据条款
    sections: list = field(default_factory=list)
    raw: str = ""  # a row whose kind is not loaded, kept as it is (JSON)
    errors: list = field(default_factory=list)  # errors no input of the card shows
    first: bool = False
    last: bool = False

    @property
    def index(self):
        return self.number - 1

    @property
    def input_names(self):
        names = {one.name for one in self.inputs}
        for section in self.sections:
            names |= section.input_names
        return names


def builder(kinds):
    """The section builder of a field of rule rows, over the registered `kinds` ({name: kind})."""
    def build(name, field_obj, value):
        meta = field_obj.metadata
        rows = [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []
        section = Section(label=word(meta.get("label", name.rsplit(".", 1)[-1])), kind="rules",
                          source=meta.get("source", ""), name=name)
        section.cards = [card(kinds, f"{name}.{index}", index, row)
                         for index, row in enumerate(rows)]
        if section.cards:
            section.cards[0].first = True
            section.cards[-1].last = True
        section.choices = kind_choices(kinds)
        return section
    return build


def card(kinds, prefix, index, row):
    kind = kinds.get(row.get("kind"))
    made = RuleCard(number=index + 1, name=prefix, kind=str(row.get("kind") or ""),
                    title=word(kind.title) if kind else str(row.get("kind") or ""),
                    description=word(kind.description) if kind else "", known=kind is not None,
                    total_level=bool(getattr(kind, "total_level", False)))
    made.inputs = [
        Input(f"{prefix}.name", L("规则名"), "text", str(row.get("name") or "")),
        Input(f"{prefix}.label", L("说明"), "text", str(row.get("label") or "")),
        Input(f"{prefix}.unit", L("分值单位"), "choice", str(row.get("unit") or "分"),
              choices=words(UNIT_CHOICES)),
        Input(f"{prefix}.source", L("依据条款"), "text", str(row.get("source") or "")),
    ]
    if kind is None:
        made.raw = json.dumps(row, ensure_ascii=False)
        return made
    made.sections = sections(f"{prefix}.params", kind.params_schema(), row.get("params") or {})
    if row.get("unit") == "元":  # the kind's amounts are in the row's unit
        _in_yuan(made.sections)
    return made


def _in_yuan(shown_sections):
    points, yuan = word("分"), word("元")
    for section in shown_sections:
        if section.unit == points:
            section.unit = yuan
        for entry in section.inputs:
            for one in entry if isinstance(entry, list) else [entry]:
                if one.unit == points:
                    one.unit = yuan
        _in_yuan(section.children)


def kind_choices(kinds):
    """The kinds one may add, by title: rules that score, then total-level ones."""
    scoring = [(name, word(kind.title)) for name, kind in kinds.items() if not kind.total_level]
    totals = [(name, word(kind.title)) for name, kind in kinds.items() if kind.total_level]
    return [(L("计分规则"), scoring), (L("合计规则（作用于其前的规则）"), totals)]


# ---------------------------------------------------------------- reading the rows back

def reader(kinds):
    """The reader of a field of rule rows: (rows in the form's order, positions of their records)."""
    def read(typed):
        rows, index_map, positions = [], [], {}
        for key in sorted((k for k in typed if str(k).isdigit()), key=int):
            if not isinstance(typed[key], dict):
                continue
            row, found = read_row(kinds, typed[key])
            positions.update({f"{len(rows)}.{k}": m for k, m in found.items()})
            rows.append(row)
            index_map.append(key)
        positions[""] = index_map
        return rows, positions
    return read


def read_row(kinds, typed):
    """One row as typed: its own keys, and its parameters read by its kind's schema."""
    if typed.get("_json"):
        try:
            return json.loads(typed["_json"]), {}
        except ValueError:
            pass
    row = {"kind": str(typed.get("kind") or "").strip()}
    for key in ("name", "label", "source", "unit"):
        if key in typed:
            row[key] = str(typed[key]).strip()
    kind = kinds.get(row["kind"])
    params = typed.get("params")
    if kind is None or not isinstance(params, dict):
        return row, {}
    row["params"], found = read_values(params, kind.params_schema())
    return row, {f"params.{k}": m for k, m in found.items()}


def has_rows(ruleset, typed):
    """Whether the form carries rule rows for `ruleset` (its typed parameters `typed`)."""
    return any(kind_of(f) == "rules" and isinstance(typed.get(n), dict)
               and any(str(k).isdigit() for k in typed[n])
               for n, f in ruleset.params_schema().fields.items())


# ---------------------------------------------------------------- the buttons

def parse(action):
    """(verb, rule set, row index or None) of an editing action, or None for another action."""
    verb, _sep, rest = str(action or "").partition(":")
    if verb not in VERBS:
        return None
    name, _sep, number = rest.partition(":")
    return verb, name, int(number) if number.isdigit() else None


def apply(registry, config, action, form):
    """Do an editing action on `config` (changed in place); return what to tell the office.

    Adding, removing and moving rows take the form as typed (nothing is checked yet); copying a
    preset takes a checked configuration (the preset's values must load).
    """
    verb, name, index = parse(action)
    if verb == "preset.copy":
        return copy_preset(registry, config, name)
    ruleset = registry.rulesets.get(name)
    kinds = getattr(ruleset, "kinds", None)
    if kinds is None:
        raise KaoheError(_("规则集「%(name)s」没有计分规则可编辑", name=name))
    entry = _entry(config, ruleset)
    rows = entry["params"].setdefault("rules", [])
    if verb == "rules.add":
        kind = kinds.get(form.get(f"new_rule_kind.{name}", ""))
        if kind is None:
            raise KaoheError(_("请选择要新增的规则类型"))
        row = new_row(kind, {r.get("name") for r in rows})
        rows.append(row)
        said = _("已新增第%(n)d条规则「%(title)s」（规则名 %(rule)s），请设定参数；保存为新版本后生效。",
                 n=len(rows), title=word(kind.title), rule=row["name"])
        if len(rows) == 1 and not entry.get("enabled"):
            entry["enabled"] = True
            said += _("「%(title)s」已启用。", title=word(ruleset.title))
        return said
    if index is None or not 0 <= index < len(rows):
        raise KaoheError(_("没有第%(n)s条规则", n=(index or 0) + 1))
    label = rows[index].get("label") or rows[index].get("name") or ""
    if verb == "rules.remove":
        rows.pop(index)
        return _("已删除第%(n)d条规则「%(label)s」；保存为新版本后生效。", n=index + 1, label=label)
    other = index - 1 if verb == "rules.up" else index + 1
    if not 0 <= other < len(rows):
        return _("第%(n)d条规则已在最前。", n=index + 1) if verb == "rules.up" \
            else _("第%(n)d条规则已在最后。", n=index + 1)
    rows[index], rows[other] = rows[other], rows[index]
    return _("已将规则「%(label)s」移到第%(n)d条；保存为新版本后生效。", label=label, n=other + 1)


def _entry(config, ruleset):
    """The configuration's entry of `ruleset`, added (switched off, its defaults) when missing."""
    for entry in config.setdefault("rulesets", []):
        if entry.get("name") == ruleset.name:
            entry.setdefault("params", {})
            return entry
    entry = {"name": ruleset.name, "enabled": False,
             "params": ruleset.dump_params(ruleset.default_params())}
    config["rulesets"].append(entry)
    return entry


def new_row(kind, taken):
    """A row of `kind` with its defaults, named after the kind (item_points, item_points_2…)."""
    name, number = kind.name, 2
    while name in taken:
        name, number = f"{kind.name}_{number}", number + 1
    schema = kind.params_schema()
    return {"kind": kind.name, "name": name, "label": kind.title, "source": "", "unit": "分",
            "params": schema.dump(schema.load({}))}


def copyable(registry, ruleset):
    """Whether the panel offers to copy `ruleset` (a preset scoring by its rows only) into rows."""
    return isinstance(ruleset, Preset) and ruleset.rows_only and TARGET in registry.rulesets


def preset_offer(registry, ruleset):
    """What a rule set's panel says of copying it: copy, beyond (a preset that scores more than
    its rows), or nothing (not a preset)."""
    if not isinstance(ruleset, Preset):
        return ""
    return "copy" if copyable(registry, ruleset) else "beyond"


def copy_preset(registry, config, name):
    """Copy an enabled preset's rows (with the configuration's values) to the end of the scheme's
    own rows, and switch the preset off: the same points, now editable row by row."""
    preset = registry.rulesets.get(name)
    if not isinstance(preset, Preset):
        raise KaoheError(_("「%(name)s」不是预设规则集，不能复制为计分规则", name=name))
    if not copyable(registry, preset):
        raise KaoheError(_("「%(title)s」另有不属于规则类型的计分，不能整体复制为计分规则",
                           title=word(preset.title)))
    entries = config["rulesets"]
    source = next((e for e in entries if e["name"] == name), None)
    if source is None or not source.get("enabled", True):
        raise KaoheError(_("「%(title)s」没有启用，无需复制", title=word(preset.title)))
    rows = preset.scheme_rows(source.get("params") or {})
    target = _entry(config, registry.rulesets[TARGET])
    existing = [r for r in target["params"].get("rules") or [] if isinstance(r, dict)]
    clash = sorted({r["name"] for r in rows} & {r.get("name") for r in existing})
    if clash:
        raise KaoheError(_("本方案的计分规则中已有规则名 %(names)s，请先改名后再复制",
                           names="、".join(clash)))
    joint = (source.get("params") or {}).get("joint_split", "equal")
    if existing and target["params"].get("joint_split", "equal") != joint:
        raise KaoheError(_("「%(title)s」的合报计分方式与本方案的计分规则不同，请先改为一致后再复制",
                           title=word(preset.title)))
    said = _("已将「%(title)s」的%(n)d条规则复制为本方案的计分规则，并停用「%(title)s」；"
             "下方预览各单位得分应无变化。保存为新版本后生效。", title=word(preset.title), n=len(rows))
    if existing and not target.get("enabled"):
        said += _("本方案原有的%(n)d条计分规则也随之启用。", n=len(existing))
    target["params"]["rules"] = existing + rows
    target["params"]["joint_split"] = joint
    if not target.get("enabled"):
        entries.remove(target)
        entries.insert(entries.index(source), target)
        target["enabled"] = True
    source["enabled"] = False
    return said
