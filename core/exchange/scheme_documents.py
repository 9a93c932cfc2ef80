"""Scheme documents: a whole scheme as one readable TOML file that offices exchange (docs/schemes.md).

A document holds the scheme (name, title, year, its units or pools), its rule sets in order with
every parameter, the award and conversion settings and the scheme's own targets. Importing one
checks it with the same schemas as the panel and `kaohe scheme set`, and lands whole or not at all:
a new scheme is created; an existing one gets a new parameter version (and its members and
targets as the document gives them), recorded with who made it and why.
"""

import datetime
import tomllib

import tomli_w

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import listing, say
from kaohe.core.exchange.importer import import_records
from kaohe.core.exchange.reading import ImportFailed
from kaohe.core.storage import audit, schemes
from kaohe.core.storage.db import db
from kaohe.core.storage.models import Scheme, SchemeUnit, Target, Unit

FORMAT = 1  # the document format this program writes and reads
MAX_BYTES = 2_000_000  # a scheme document is a few kilobytes; refuse anything near this

HEADER = ("# 考核方案文件（Kaohe scheme document, format {format}）：{name}\n"
          "# 导出于 {at}，参数第{version}版。用 kaohe scheme import 导入；格式见 docs/schemes.md。\n")


class DocumentError(KaoheError):
    """A scheme document that cannot be read or does not describe a valid scheme."""


# ---------------------------------------------------------------- export

def scheme_document(scheme):
    """The scheme as a document (a dict of TOML-able values), from its current parameter version."""
    version = schemes.current_version(scheme)
    config = version.config
    codes = [code for (code,) in Unit.select(Unit.code)
             .join(SchemeUnit, on=(SchemeUnit.unit == Unit.id))
             .where(SchemeUnit.scheme == scheme).order_by(Unit.code).tuples()]
    targets = []
    for unit, period, submit, adopt in (
            Target.select(Unit.code, Target.period, Target.submit_target, Target.adopt_target)
            .join(Unit, on=(Target.unit == Unit.id))
            .where((Target.scheme == scheme.name) & (Target.year == scheme.year))
            .order_by(Unit.code, Target.period).tuples()):
        targets.append({"unit": unit, "period": period or str(scheme.year),
                        "submit_target": submit, "adopt_target": adopt})
    document = {
        "format": FORMAT,
        "scheme": {"name": scheme.name, "title": scheme.title or scheme.name, "year": scheme.year,
                   "units": codes},
        "rulesets": [{"name": entry["name"], "enabled": bool(entry.get("enabled", True)),
                      "params": entry.get("params") or {}} for entry in config["rulesets"]],
        "awards": config.get("awards") or {},
        "conversion": config.get("conversion") or {},
    }
    for key, value in config.items():  # what later versions of the configuration hold, as it is
        if key not in ("rulesets", "awards", "conversion"):
            document[key] = value
    if targets:
        document["targets"] = targets
    return _tomlable(document, "")


def dumps(scheme):
    """The scheme's document as TOML text, with a header saying what it is."""
    version = schemes.current_version(scheme)
    at = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
    return HEADER.format(format=FORMAT, name=scheme.name, at=at.strftime("%Y-%m-%d %H:%M"),
                         version=version.number) + tomli_w.dumps(scheme_document(scheme))


def _tomlable(value, path):
    """TOML has no null: drop keys whose value is None; a None inside a list cannot be written."""
    if isinstance(value, dict):
        return {str(k): _tomlable(v, f"{path}.{k}" if path else str(k))
                for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        if any(v is None for v in value):
            raise DocumentError(say("参数「{path}」的列表中有空值，无法写入方案文件", path=path))
        return [_tomlable(v, f"{path}.{i}") for i, v in enumerate(value)]
    return value


# ---------------------------------------------------------------- import

def loads(text):
    """Parse a document's TOML text; a clear error naming the line when it is not TOML."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise DocumentError(say("方案文件过大（{count} 字节，上限 {limit}）",
                count=len(text), limit=MAX_BYTES))
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentError(say("方案文件应为 UTF-8 编码的 TOML 文本")) from None
    if len(text) > MAX_BYTES:
        raise DocumentError(say("方案文件过大（{count} 字，上限 {limit}）",
            count=len(text), limit=MAX_BYTES))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DocumentError(say("方案文件不是有效的 TOML：{error}", error=error)) from None


def import_document(registry, text, author="", reason=""):
    """Create or update the scheme a document describes, all or nothing.

    Returns (scheme, created, version): `version` is the parameter version the document made,
    or None when the configuration was already the document's.
    """
    document = loads(text)
    head, config, targets = _check(registry, document)
    reason = (reason or "").strip() or "按方案文件导入"
    with db.atomic():
        scheme = Scheme.get_or_none(Scheme.name == head["name"])
        created = scheme is None
        if created:
            scheme = schemes.create_scheme(
                registry, head["name"], head["year"], [e["name"] for e in config["rulesets"]],
                units=head.get("units"), pools=head.get("pools"), title=head.get("title", ""),
                author=author)
        else:
            if scheme.year != head["year"]:
                raise DocumentError(say("方案文件的年度 {year} 与已有方案「{scheme}」的年度 "
                    "{existing} 不同；请改用新的方案名称",
                    year=head['year'], scheme=scheme.name, existing=scheme.year))
            _update_members(scheme, head, author)
            if head.get("title") and head["title"] != scheme.title:
                audit.record(author, "scheme.title", "scheme", scheme.id,
                             summary=say("方案文件修改方案「{scheme}」的标题", scheme=scheme.name),
                             old={"title": scheme.title}, new={"title": head["title"]})
                scheme.title = head["title"]
                scheme.save()
        version = None
        if schemes.current_version(scheme).config != config:
            version = schemes.save_config(registry, scheme, config, author=author, reason=reason)
        if targets:
            try:
                import_records("targets", [dict(t, scheme=scheme.name, year=head["year"])
                                           for t in targets], source="方案文件 targets")
            except ImportFailed as failed:
                raise DocumentError(say("方案文件的目标任务有误：{errors}", errors=listing(
                    (str(error) for error in failed.errors), "；"))) from None
    return scheme, created, version


def _check(registry, document):
    """The document's scheme head, its validated configuration and its targets."""
    if not isinstance(document, dict):
        raise DocumentError(say("方案文件应为 TOML 表"))
    fmt = document.get("format", FORMAT)
    if fmt != FORMAT:
        raise DocumentError(say("方案文件格式为第{fmt}版，本程序读取第{supported}版", fmt=fmt,
                                supported=FORMAT))
    head = document.get("scheme")
    if not isinstance(head, dict):
        raise DocumentError(say("方案文件缺少 [scheme] 表（方案名称、年度、单位）"))
    name = head.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise DocumentError(say("[scheme] 的 name（方案名称）必须填写，且不超过100个字"))
    year = head.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise DocumentError(say("[scheme] 的 year（年度）应为 2000 到 2100 之间的整数"))
    for key in ("units", "pools"):
        value = head.get(key)
        if value is not None and (not isinstance(value, list)
                                  or not all(isinstance(v, str) for v in value)):
            raise DocumentError(say("[scheme] 的 {key} 应为代码的列表，如 [\"BGS\", \"FGK\"]", key=key))
    if head.get("units") and head.get("pools"):
        raise DocumentError(say("[scheme] 只能给出 units（单位）或 pools（考核组别）之一"))
    rulesets = document.get("rulesets")
    if not isinstance(rulesets, list) or not rulesets:
        raise DocumentError(say("方案文件至少要有一个 [[rulesets]]（规则集）"))
    for place, entry in enumerate(rulesets, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DocumentError(say("第{place}个 [[rulesets]] 缺少 name（规则集名称）", place=place))
    config = {key: value for key, value in document.items()
              if key not in ("format", "scheme", "targets")}
    config = schemes.validate_config(registry, config)
    targets = document.get("targets") or []
    if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
        raise DocumentError(say("targets 应为 [[targets]] 表的列表（unit、period、submit_target）"))
    return {**head, "name": name.strip()}, config, targets


def _update_members(scheme, head, author):
    if head.get("units"):
        codes = head["units"]
        found = dict(Unit.select(Unit.code, Unit.id).where(Unit.code.in_(codes)).tuples())
        missing = [code for code in codes if code not in found]
        if missing:
            raise DocumentError(say("找不到单位代码：{missing}", missing='、'.join(missing)))
        wanted = sorted(found.values())
    elif head.get("pools"):
        wanted = sorted(i for (i,) in Unit.select(Unit.id).where(Unit.pool.in_(head["pools"])).tuples())
        if not wanted:
            raise DocumentError(say("这些考核组别中没有单位：{pools}", pools="、".join(head["pools"])))
    else:
        return
    current = sorted(i for (i,) in SchemeUnit.select(SchemeUnit.unit)
                     .where(SchemeUnit.scheme == scheme).tuples())
    if current != wanted:
        schemes.set_members(scheme, wanted, author=author)
