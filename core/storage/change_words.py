"""The words of a change of parameters: which values differ between two configurations, named in
their parameters' labels, and their values as a clerk reads them — rule rows included.

A scheme's own rule rows (a field of type ``rules``, e.g. ``scheme_rules.rules``) are compared by
their names: a row added or removed is one change, described by its kind's title, its label and
the parameters it sets; a value changed inside a row is named in the words of its kind's schema.
"""

from marshmallow import fields as mfields

from kaohe.core.domain.params import inner_schema, kind_of, path_words
from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import UNIT_KINDS

ROW_KEYS = {"label": "说明", "source": "依据条款", "unit": "分值单位", "kind": "规则类型",
            "name": "规则名"}


def version_changes(old_config, new_config):
    """The values that differ between two configurations: (path, old, new)."""
    def walk(a, b, path):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                yield from walk(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        elif isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) for x in a + b) \
                and all("name" in x for x in a + b):
            names = {x["name"]: x for x in a}
            other = {x["name"]: x for x in b}
            for name in list(names) + [n for n in other if n not in names]:
                yield from walk(names.get(name), other.get(name), f"{path}.{name}" if path else name)
            if [x["name"] for x in a] != [x["name"] for x in b]:
                yield (f"{path}.order" if path else "order", [x["name"] for x in a],
                       [x["name"] for x in b])
        elif a != b:
            yield path, a, b
    return list(walk(old_config or {}, new_config or {}, ""))


def compared(registry, old_config, new_config):
    """version_changes, with a rule set that only one side holds compared with its defaults
    (switched off) on the other: its switch and each value or rule row it sets, not one dict."""
    old_config, new_config = dict(old_config or {}), dict(new_config or {})
    sides = (old_config, new_config)
    held = [{e.get("name"): e for e in side.get("rulesets") or []} for side in sides]
    for side, here, there in ((old_config, held[0], held[1]), (new_config, held[1], held[0])):
        missing = [name for name in there if name not in here and name in registry.rulesets]
        if missing:
            side["rulesets"] = list(side.get("rulesets") or []) + [_switched_off(registry, n)
                                                                   for n in missing]
    both = set(held[0]) & set(held[1])
    return [(path, old, new) for path, old, new in version_changes(*sides)
            if not _only_added_or_removed(path, old, new, both)]


def _only_added_or_removed(path, old, new, rulesets_both):
    """Whether an order change is only rows (or rule sets) added or removed: the names both
    sides hold keep their order, and each added or removed one is its own change."""
    if not (path.endswith("order") and isinstance(old, list) and isinstance(new, list)):
        return False
    common = rulesets_both if path == "rulesets.order" else set(old) & set(new)
    return [n for n in old if n in common] == [n for n in new if n in common]


def _switched_off(registry, name):
    ruleset = registry.rulesets[name]
    return {"name": name, "enabled": False, "params": ruleset.dump_params(ruleset.default_params())}


def describe_changes(registry, old_config, new_config):
    """Each change between two configurations as (path, words, old value, new value) in words."""
    described = []
    for path, old, new in compared(registry, old_config, new_config):
        found = _rule_rows_path(registry, path)
        if path == "rulesets.order":
            described.append((path, "规则集顺序", *(_titles(registry, names) for names in (old, new))))
        elif found is not None:
            described.append((path, *_rule_change(found, old, new, old_config, new_config)))
        else:
            described.append((path, describe_path(registry, path),
                              describe_value(registry, path, old), describe_value(registry, path, new)))
    return described


def _titles(registry, names):
    return listing((getattr(registry.rulesets.get(n), "title", n) for n in names or []), empty=say("（无）"))


def _path(parts):
    """Labels from the outside in, joined by · (each said on its own in another language)."""
    return listing(parts, " · ")


def describe_path(registry, path):
    """A configuration path in the words of its labels, for people reading a change.

    ``rulesets.provincial.params.adoption.provincial.full`` → ``省政府信息采用计分 · 采用计分（按刊物级别和
    采用形式） · 省级全文采用``; ``awards.units.county`` → ``评先名额 · 县(市、区)``.
    """
    parts = path.split(".")
    head = parts[0]
    if head == "rulesets":
        if parts[1:] == ["order"]:
            return "规则集顺序"
        ruleset = registry.rulesets.get(parts[1]) if len(parts) > 1 else None
        title = ruleset.title if ruleset else (parts[1] if len(parts) > 1 else path)
        rest = parts[2:]
        if rest == ["enabled"] or not rest:
            return _path([title, "启用"])
        if rest[0] == "params" and ruleset is not None:
            return _path([title] + path_words(ruleset.params_schema(), rest[1:]))
        return _path([title] + rest)
    if head == "awards":
        words = {"units": "先进单位名额", "reporters": "先进个人名额", "default_units": "其他组别先进单位名额",
                 "unit_title": "单位评先称号", "reporter_title": "个人评先称号"}
        out = [words.get(parts[1], parts[1])] if len(parts) > 1 else ["评先"]
        if len(parts) > 2:
            out.append(UNIT_KINDS.get(parts[2], parts[2]))
        return _path(out)
    if head == "conversion":
        words = {"enabled": "启用", "max_points": "满分"}
        return _path(["折算"] + [words.get(p, p) for p in parts[1:]])
    return path


def describe_value(registry, path, value):
    """A parameter's value in the words of its schema: 是/否, a choice's label, rows in words.

    ``True`` → ``是``; ``"max"`` of a field with choices → its label; ``[{"severity": "I"}]`` →
    ``1行：事件级别 特别重大``, each row's fields named by their labels. Other values as they are; None → —.
    """
    parts = path.split(".")
    if parts[0] != "rulesets" or len(parts) < 4 or parts[2] != "params":
        return value_words(None, value)
    ruleset = registry.rulesets.get(parts[1])
    if ruleset is None:
        return value_words(None, value)
    return value_words(_field_in(ruleset.params_schema(), parts[3:]), value)


def _field_in(schema, parts):
    """The field at the keys `parts` under `schema` (a row number steps into a list), or None."""
    known, field = schema.fields, None
    for part in parts:
        if part.isdigit() and isinstance(field, mfields.List):
            field = field.inner
            known = field.schema.fields if isinstance(field, mfields.Nested) else None
            continue
        field = (known or {}).get(part)
        if field is None:
            return None
        known = field.schema.fields if isinstance(field, mfields.Nested) else None
    return field


def _is_words(field):
    return isinstance(field, mfields.List) and (
        field.metadata.get("type") == "words" or not isinstance(field.inner, mfields.Nested))


def value_words(field, value):
    """A value in the words of its field: 是/否/不限, a choice's label, words by their labels,
    rows of records with each filled field named."""
    if value is None:
        return "不限" if isinstance(field, mfields.Boolean) and field.allow_none else "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    choices = dict((field.metadata.get("choices") or {})) if field is not None else {}
    if not isinstance(value, (list, dict)) and str(value) in choices:
        return str(choices[str(value)])
    if isinstance(value, list) and _is_words(field):
        return listing((str(choices.get(v, v)) for v in value), empty=say("（不填）"))
    if isinstance(value, list):
        inner = field.inner if isinstance(field, mfields.List) else None
        if not value:
            return "无"
        return say("{count}行：{rows}", count=len(value),
                   rows=listing((value_words(inner, row) for row in value), "；"))
    if isinstance(value, dict):
        known = field.schema.fields if isinstance(field, mfields.Nested) else {}
        words = []
        for key, item in value.items():
            if item in ("", None, []):
                continue
            sub = known.get(key)
            label = sub.metadata.get("label", key) if sub is not None else key
            words.append(say("{label} {value}", label=label, value=value_words(sub, item)))
        return listing(words, "，")
    return str(value)


# ---------------------------------------------------------------- rule rows

def _rule_rows_path(registry, path):
    """(rule set, field name, the rest of the path) for a path into a field of rule rows."""
    parts = path.split(".")
    if len(parts) < 5 or parts[0] != "rulesets" or parts[2] != "params":
        return None
    ruleset = registry.rulesets.get(parts[1])
    field = ruleset.params_schema().fields.get(parts[3]) if ruleset is not None else None
    if field is None or kind_of(field) != "rules":
        return None
    return ruleset, parts[3], parts[4:]


def _rows(config, ruleset, field_name):
    for entry in (config or {}).get("rulesets") or []:
        if entry.get("name") == ruleset.name:
            rows = (entry.get("params") or {}).get(field_name) or []
            return {row.get("name"): row for row in rows if isinstance(row, dict)}
    return {}


def _rule_change(found, old, new, old_config, new_config):
    """(words, old value, new value) of a change in a rule set's rule rows."""
    ruleset, field_name, rest = found
    field_label = ruleset.params_schema().fields[field_name].metadata.get("label", field_name)
    rows = {**_rows(old_config, ruleset, field_name), **_rows(new_config, ruleset, field_name)}
    kinds = getattr(ruleset, "kinds", None) or {}
    if rest == ["order"]:
        def labels(names):
            return listing((str((rows.get(n) or {}).get("label") or n) for n in names or []),
                           empty=say("（无）"))
        return (_path([ruleset.title, say("{field}顺序", field=field_label.split("（")[0])]),
                labels(old), labels(new))
    row = rows.get(rest[0]) or {}
    kind = kinds.get(row.get("kind"))
    words = [ruleset.title, say("{field}「{label}」", field=field_label.split("（")[0],
                                label=row.get("label") or rest[0])]
    if len(rest) == 1:
        place = [r.get("name") for r in _rows(new_config, ruleset, field_name).values()]
        return (_path(words), row_words(kinds, old) if old else say("（无）"),
                say("新增第{n}条：{row}", n=place.index(rest[0]) + 1, row=row_words(kinds, new)) if new
                else say("（已删除）"))
    if rest[1] == "params" and kind is not None:
        schema = kind.params_schema()
        words += path_words(schema, rest[2:])
        field = _field_in(schema, rest[2:])
        return _path(words), value_words(field, old), value_words(field, new)
    words.append(ROW_KEYS.get(rest[1], rest[1]))
    if rest[1] == "kind":
        return (_path(words), *(getattr(kinds.get(v), "title", v) for v in (old, new)))
    return _path(words), value_words(None, old), value_words(None, new)


def row_words(kinds, row):
    """A rule row in words: its kind, label and name, and the parameters it sets apart from
    its kind's defaults (a list of records by its number of rows)."""
    kind = kinds.get(row.get("kind"))
    head = say("{kind}「{label}」（{name}，{unit}）", kind=getattr(kind, "title", row.get("kind")),
               label=row.get("label") or row.get("name"), name=row.get("name"), unit=row.get("unit") or "分")
    if kind is None:
        return head
    schema = kind.params_schema()
    defaults = schema.dump(schema.load({}))
    params = row.get("params") or {}
    said = []
    for name, field in schema.fields.items():
        value = params.get(name)
        if name not in params or value == defaults.get(name):
            continue
        label = field.metadata.get("label", name)
        inner = inner_schema(field)
        if isinstance(field, mfields.List) and inner is not None:
            said.append(say("{label} {count}行", label=label, count=len(value or [])))
        elif inner is not None and isinstance(value, dict):
            default = defaults.get(name) or {}
            parts = [say("{label} {value}", label=sub.metadata.get("label", key),
                         value=value_words(sub, value[key]))
                     for key, sub in inner.fields.items()
                     if key in value and value[key] != default.get(key)]
            said.append(say("{label}：{parts}", label=label, parts=listing(parts, "，")))
        else:
            said.append(say("{label} {value}", label=label, value=value_words(field, value)))
    return say("{head}：{params}", head=head, params=listing(said, "；")) if said else head
