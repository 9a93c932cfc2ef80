"""Schemes and their parameter versions: create, read, change with a reason, restore."""

import copy
import json

from marshmallow import ValidationError

from kaohe.core.domain.errors import KaoheError, NotFound, ParameterError
from kaohe.core.domain.periods import PERIOD_KINDS, now
from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import UNIT_KINDS, money
from kaohe.core.storage import audit
from kaohe.core.storage.change_words import (  # noqa: F401 (the words of a change, named here too)
    compared,
    describe_changes,
    describe_path,
    describe_value,
    version_changes,
)
from kaohe.core.storage.db import db
from kaohe.core.storage.models import ParameterVersion, Scheme, SchemeUnit, Unit

DEFAULT_AWARDS = {
    "units": {"county": 3, "department": 5, "township": 3, "direct_point": 2, "bureau": 3,
              "division": 3},
    "default_units": 3,
    "reporters": 10,
    # what the scheme calls its awards: 先进单位 or 先进集体, 先进个人 or 优秀信息员
    "unit_title": "先进单位",
    "reporter_title": "先进个人",
}
AWARD_TITLES = ("unit_title", "reporter_title")


def award_titles(config):
    """(units' award, reporters' award) as the configuration names them: 先进集体, 优秀信息员…"""
    awards = config.get("awards") or {}
    return tuple(awards.get(key) or DEFAULT_AWARDS[key] for key in AWARD_TITLES)
DEFAULT_CONVERSION = {"enabled": False, "max_points": "4.00"}


def get_scheme(name):
    """The scheme of this name; a NotFound error listing the schemes there are, when none."""
    scheme = Scheme.get_or_none(Scheme.name == name)
    if scheme is None:
        known = "、".join(s.name for s in Scheme.select().order_by(Scheme.id)) or "（无）"
        raise NotFound(say("没有名为「{name}」的考核方案；已有方案：{known}", name=name, known=known))
    return scheme


def current_version(scheme):
    """The scheme's current parameter version (its highest number); `.config` is the configuration."""
    version = (ParameterVersion.select().where(ParameterVersion.scheme == scheme)
               .order_by(ParameterVersion.number.desc()).first())
    if version is None:
        raise KaoheError(say("考核方案「{scheme}」没有参数版本", scheme=scheme.name))
    return version


def get_version(scheme, number):
    version = ParameterVersion.get_or_none((ParameterVersion.scheme == scheme)
                                           & (ParameterVersion.number == int(number)))
    if version is None:
        raise NotFound(say("考核方案「{scheme}」没有第{number}版参数", scheme=scheme.name, number=number))
    return version


def default_config(registry, ruleset_names):
    entries = []
    for name in ruleset_names:
        ruleset = registry.ruleset(name)
        entries.append({"name": name, "enabled": True,
                        "params": ruleset.dump_params(ruleset.default_params())})
    return {"rulesets": entries, "awards": copy.deepcopy(DEFAULT_AWARDS),
            "conversion": dict(DEFAULT_CONVERSION)}


def create_scheme(registry, name, year, rulesets, units=None, pools=None, title="", author=""):
    """Create a scheme over `units` (codes), or the units of `pools`, or every unit."""
    if Scheme.get_or_none(Scheme.name == name):
        raise KaoheError(say("考核方案「{name}」已存在", name=name))
    if not rulesets:
        raise KaoheError(say("请至少选择一个规则集"))
    config = validate_config(registry, default_config(registry, rulesets))
    query = Unit.select()
    if units:
        found = {u.code: u for u in Unit.select().where(Unit.code.in_(list(units)))}
        missing = [code for code in units if code not in found]
        if missing:
            raise KaoheError(say("找不到单位代码：{missing}", missing='、'.join(missing)))
        query = Unit.select().where(Unit.code.in_(list(units)))
    elif pools:
        query = Unit.select().where(Unit.pool.in_(list(pools)))
    members = list(query)
    if not members:
        raise KaoheError(say("考核方案至少要包含一个单位（请先导入单位）"))
    with db.atomic():
        scheme = Scheme.create(name=name, year=int(year), title=title or name)
        SchemeUnit.insert_many([(scheme.id, u.id) for u in members],
                               fields=[SchemeUnit.scheme, SchemeUnit.unit]).execute()
        ParameterVersion.create(scheme=scheme, number=1, config=config, author=author,
                                reason="创建方案，采用各规则集默认参数")
        audit.record(author, "scheme.create", "scheme", scheme.id, summary=say("创建考核方案「{name}」", name=name),
                     new={"name": name, "year": int(year), "rulesets": list(rulesets),
                          "units": sorted(u.code for u in members)})
    return scheme


def set_members(scheme, unit_ids, author=""):
    with db.atomic():
        before = sorted(link.unit_id for link in SchemeUnit.select().where(SchemeUnit.scheme == scheme))
        SchemeUnit.delete().where(SchemeUnit.scheme == scheme).execute()
        SchemeUnit.insert_many([(scheme.id, uid) for uid in unit_ids],
                               fields=[SchemeUnit.scheme, SchemeUnit.unit]).execute()
        audit.record(author, "scheme.members", "scheme", scheme.id,
                     summary=say("调整考核方案「{scheme}」的成员单位", scheme=scheme.name),
                     old={"units": before}, new={"units": sorted(unit_ids)})


def validate_config(registry, config):
    """Check a whole configuration and return it normalised; raise ParameterError per field path."""
    errors = {}
    out = {"rulesets": [], "awards": copy.deepcopy(DEFAULT_AWARDS),
           "conversion": dict(DEFAULT_CONVERSION)}
    seen = set()
    for entry in config.get("rulesets", []):
        name = entry.get("name")
        if name in seen:
            errors[name] = [say("规则集重复")]
            continue
        seen.add(name)
        if name not in registry.rulesets:
            errors[str(name)] = [say("未知的规则集「{name}」", name=name)]
            continue
        ruleset = registry.rulesets[name]
        try:
            loaded = ruleset.load_params(entry.get("params") or {})
        except ValidationError as error:
            for path, message in flat_messages(error.messages, name):
                errors[path] = message
            continue
        out["rulesets"].append({"name": name, "enabled": bool(entry.get("enabled", True)),
                                "params": ruleset.dump_params(loaded)})
    awards = config.get("awards") or {}
    out["awards"]["units"].update(awards.get("units") or {})
    for key in ("default_units", "reporters", *AWARD_TITLES):
        if key in awards:
            out["awards"][key] = awards[key]
    for key in AWARD_TITLES:
        title = str(out["awards"][key] or "").strip()
        if not 1 <= len(title) <= 20:
            errors[f"awards.{key}"] = [say("应为1到20个字")]
        out["awards"][key] = title
    for path, value in _award_numbers(out["awards"]):
        try:
            number = int(value)
            if number < 0 or str(value).strip() != str(number):
                raise ValueError
        except (TypeError, ValueError):
            errors[path] = [say("应为不小于0的整数")]
            continue
        _set_path(out, path.split("."), number)
    conversion = config.get("conversion") or {}
    out["conversion"]["enabled"] = _truthy(conversion.get("enabled", False))
    try:
        maximum = money(conversion.get("max_points", DEFAULT_CONVERSION["max_points"]))
        if maximum <= 0:
            raise ValueError
        out["conversion"]["max_points"] = str(maximum)
    except (ArithmeticError, ValueError, TypeError):
        errors["conversion.max_points"] = [say("应为大于0的数字")]
    if config.get("grades"):
        out["grades"] = _check_grades(config["grades"], errors)
    if errors:
        lines = listing((say("{path}：{messages}", path=path, messages=listing(msgs, "，"))
                         for path, msgs in sorted(errors.items())), "；")
        raise ParameterError(say("参数有误：{lines}", lines=lines), errors)
    return out


GRADE_PERIODS = tuple(PERIOD_KINDS)


def _check_grades(grades, errors):
    """The result gradings (core/scoring/ranking.py): for units and for reporters, each a list of
    {by: points|rank, bands: [{grade, min | top}], pools, periods, ineligible, positive_only,
    skip_vetoed, not_positive}."""
    out = {}
    if not isinstance(grades, dict):
        errors["grades"] = [say("应为 {{units = [...], reporters = [...]}} 的形式")]
        return out
    for whom in ("units", "reporters"):
        gradings = grades.get(whom) or []
        if not isinstance(gradings, list):
            errors[f"grades.{whom}"] = [say("应为列表")]
            continue
        out[whom] = [_check_grading(g, f"grades.{whom}.{n}", errors) for n, g in enumerate(gradings)]
    for key in set(grades) - {"units", "reporters"}:
        errors[f"grades.{key}"] = [say("未知的设置（应为 units 或 reporters）")]
    return out


def _check_grading(grading, path, errors):
    if not isinstance(grading, dict):
        errors[path] = [say("应为一个等次设置")]
        return {}
    by = grading.get("by", "points")
    if by not in ("points", "rank"):
        errors[f"{path}.by"] = [say("应为 points（按分数线）或 rank（按名次）")]
    out = {"by": by, "bands": [],
           "pools": [str(p) for p in grading.get("pools") or []],
           "periods": [str(p) for p in grading.get("periods") or []],
           "ineligible": str(grading.get("ineligible", "")),
           "positive_only": _truthy(grading.get("positive_only", False)),
           "skip_vetoed": _truthy(grading.get("skip_vetoed", True))}
    if "not_positive" in grading:  # the word of a total not positive; default `ineligible`'s
        out["not_positive"] = str(grading["not_positive"])
    for kind in out["periods"]:
        if kind not in GRADE_PERIODS:
            errors[f"{path}.periods"] = [say("未知的期间类型「{kind}」，应为 {kinds}", kind=kind,
                                                kinds="/".join(GRADE_PERIODS))]
    bands = grading.get("bands")
    if not isinstance(bands, list) or not bands:
        errors[f"{path}.bands"] = [say("至少要有一个等次")]
        return out
    for n, band in enumerate(bands):
        where = f"{path}.bands.{n}"
        word = band.get("grade") if isinstance(band, dict) else None
        if not isinstance(word, str) or not word.strip() or len(word) > 32:
            errors[f"{where}.grade"] = [say("等次名称必须填写，不超过32个字")]
            continue
        checked = {"grade": word.strip()}
        threshold = band.get("min" if by == "points" else "top")
        if threshold is not None:
            try:
                if by == "points":
                    checked["min"] = str(money(threshold))
                else:
                    checked["top"] = int(threshold)
                    if checked["top"] < 1 or str(threshold).strip() != str(checked["top"]):
                        raise ValueError
            except (ArithmeticError, ValueError, TypeError):
                errors[f"{where}.{'min' if by == 'points' else 'top'}"] = [
                    say("应为分数") if by == "points" else say("应为不小于1的整数")]
                continue
        out["bands"].append(checked)
    return out


def _award_numbers(awards):
    for pool, value in awards["units"].items():
        yield f"awards.units.{pool}", value
    yield "awards.default_units", awards["default_units"]
    yield "awards.reporters", awards["reporters"]


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "是", "on"}
    return bool(value)


def flat_messages(messages, prefix):
    """marshmallow's nested error dict → (dotted path, [messages])."""
    if isinstance(messages, list):
        yield prefix, [str(m) for m in messages]
        return
    for key, value in messages.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict):
            yield from flat_messages(value, path)
        else:
            yield path, [str(m) for m in value]


def _set_path(target, parts, value):
    for part in parts[:-1]:
        if isinstance(target, list):
            target = target[int(part)]
        else:
            target = target.setdefault(part, {})
    if isinstance(target, list):
        target[int(parts[-1])] = value
    else:
        target[parts[-1]] = value


def save_config(registry, scheme, config, author="", reason=""):
    """Validate `config` and store it as the scheme's next parameter version."""
    if not (reason or "").strip():
        raise KaoheError(say("请填写修改原因"))
    config = validate_config(registry, config)
    with db.atomic():
        latest = current_version(scheme)
        if latest.config == config:
            raise KaoheError(say("参数没有变化，无需保存新版本"))
        version = ParameterVersion.create(scheme=scheme, number=latest.number + 1, config=config,
                                          author=author, reason=reason.strip(), created_at=now())
        changes = version_changes(latest.config, config)
        audit.record(author, "parameters.save", "scheme", scheme.id,
                     summary=say("考核方案「{scheme}」第{number}版参数：{reason}", scheme=scheme.name,
                                 number=version.number, reason=reason.strip()),
                     old={path: before for path, before, _after in changes},
                     new={path: after for path, _before, after in changes})
        return version


def parse_value(text):
    """A command-line value: JSON when it parses (numbers, lists, true), the text otherwise."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def with_value(config, path, value):
    """A copy of `config` with the value at a dotted path changed.

    `provincial.adoption.provincial.full` addresses a rule set's parameter; `awards.units.county`
    and `conversion.max_points` the scheme's own settings; `provincial.enabled` switches a rule set.
    """
    config = copy.deepcopy(config)
    parts = path.split(".")
    head = parts[0]
    if head in ("awards", "conversion"):
        _check_path(config, parts, path, value)
        _set_path(config, parts, value)
        return config
    for entry in config["rulesets"]:
        if entry["name"] == head:
            if parts[1:] == ["enabled"]:
                entry["enabled"] = _truthy(value)
                return config
            _check_path(entry["params"], parts[1:], path, value)
            _set_path(entry["params"], parts[1:], value)
            return config
    names = "、".join(e["name"] for e in config["rulesets"])
    raise KaoheError(say("参数路径「{path}」无效：方案中没有规则集「{head}」（方案的规则集："
        "{names}）",
        path=path, head=head, names=names))


def _check_path(target, parts, path, value=None):
    """Refuse a path that names nothing, or a group given a single value.

    A whole list (or group) may be replaced by a value of the same shape, e.g. the publication
    overrides by a JSON list: `provincial.publication_overrides '[{"publication": …}]'`.
    """
    for part in parts:
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            raise KaoheError(say("参数路径「{path}」无效：没有「{part}」这一项", path=path, part=part))
    if isinstance(target, (dict, list)) and type(value) is type(target):
        return
    if isinstance(target, (dict, list)) and target:
        keys = "、".join(map(str, target)) if isinstance(target, dict) else f"0 到 {len(target) - 1}"
        raise KaoheError(say("参数路径「{path}」指向一组参数，请写到具体一项（可选："
            "{keys}）",
            path=path, keys=keys))


def set_param(registry, scheme, path, value, author="", reason=""):
    config = with_value(current_version(scheme).config, path, parse_value(value)
                        if isinstance(value, str) else value)
    return save_config(registry, scheme, config, author=author, reason=reason)


def set_rulesets(registry, scheme, names, author="", reason=""):
    """Enable exactly `names`, in that order; disabled ones keep their values for later."""
    config = copy.deepcopy(current_version(scheme).config)
    by_name = {e["name"]: e for e in config["rulesets"]}
    entries = []
    for name in names:
        entry = by_name.pop(name, None)
        if entry is None:
            ruleset = registry.ruleset(name)
            entry = {"name": name, "params": ruleset.dump_params(ruleset.default_params())}
        entry["enabled"] = True
        entries.append(entry)
    for entry in by_name.values():
        entry["enabled"] = False
        entries.append(entry)
    config["rulesets"] = entries
    return save_config(registry, scheme, config, author=author, reason=reason)


def restore_version(registry, scheme, number, author="", reason=""):
    old = get_version(scheme, number)
    reason = (reason or "").strip() or f"恢复为第{old.number}版参数"
    return save_config(registry, scheme, old.config, author=author, reason=reason)


def pools_of(scheme):
    query = (Unit.select(Unit.pool).distinct().join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
             .where(SchemeUnit.scheme == scheme))
    order = list(UNIT_KINDS)
    return sorted((u.pool for u in query), key=lambda p: (order.index(p) if p in order else 99, p))


def enabled_rulesets(config):
    """The entries of a configuration's rule sets that are switched on, in their order."""
    return [e for e in config.get("rulesets") or [] if e.get("enabled", True)]
