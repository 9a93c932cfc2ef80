"""The plugin-manager factory: built-ins, the `kaohe` entry points and a plugins folder, one path."""

import difflib
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import logging
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pluggy
from marshmallow import Schema, ValidationError

from kaohe.core.domain.errors import KaoheError, PluginError
from kaohe.core.domain.sentences import listing, say
from kaohe.core.scoring.contract import RuleSet
from kaohe.core.scoring.rules.kind import RuleKind

from . import hookspecs

log = logging.getLogger("kaohe.plugins")

# The built-in rule sets, registered through the same call as any department's plugin.
DEFAULT_PLUGINS = (
    "kaohe.rulesets.provincial",
    "kaohe.rulesets.environment",
    "kaohe.rulesets.county_bonus",
    "kaohe.rulesets.urgent_penalty",
    "kaohe.rulesets.scheme_rules",
)
# The built-in rule kinds: the vocabulary every scheme and preset is written in, loaded first
# whatever `builtins` a registry is built with.
BUILT_IN_KINDS = "kaohe.rulesets.rule_kinds"

HOOK_NAMES = sorted(name for name in dir(hookspecs) if name.startswith("kaohe_"))
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass
class PluginInfo:
    """One loaded (or refused) plugin: where it came from and what it registered."""
    name: str
    source: str  # builtin, entrypoint, folder
    origin: str  # module path, "distribution version", or file path
    rulesets: list = field(default_factory=list)
    error: str = ""
    registered: bool = False

    @property
    def loaded(self):
        """Registered: its hooks are called (a hook that raised later is listed in `error` too)."""
        return self.registered


class Registry:
    """The plugins of one process: the pluggy manager, the rule sets by name, and the problems."""

    def __init__(self):
        self.pm = pluggy.PluginManager("kaohe")
        self.pm.add_hookspecs(hookspecs)
        self.plugins = []
        self.rulesets = {}
        self.ruleset_plugin = {}
        self.rule_kinds = {}  # shared with every rule set that runs configured rules
        self.rule_kind_plugin = {}

    @property
    def problems(self):
        return [info for info in self.plugins if info.error]

    def ruleset(self, name):
        try:
            return self.rulesets[name]
        except KeyError:
            known = "、".join(self.rulesets) or "（无）"
            raise KaoheError(say("未知的规则集「{name}」；已加载的规则集：{known}", name=name,
                                 known=known)) from None

    @property
    def hook(self):
        return self.pm.hook

    # ------------------------------------------------------------ registration

    def register(self, plugin, name, source, origin):
        """Register one plugin object (a module or any object with hook functions).

        A plugin that names an unknown hook, fails in `kaohe_rulesets`, or returns a rule set that
        is malformed or whose name is taken is refused whole, with a message naming it.
        """
        info = PluginInfo(name=name, source=source, origin=origin)
        self.plugins.append(info)
        try:
            self._check_name_free(name)
            self._check_hook_names(plugin, name)
            rulesets = self._collect_rulesets(plugin, name)
            kinds = self._collect_rule_kinds(plugin, name)
            self.pm.register(plugin if source == "builtin" else _Guarded(plugin, info), name=name)
        except PluginError as error:
            info.error = error.sentence
            return info
        except (pluggy.PluginValidationError, ValueError) as error:
            info.error = say("插件「{name}」无法注册：{error}", name=name, error=str(error))
            return info
        info.registered = True
        for kind in kinds:
            self.rule_kinds[kind.name] = kind
            self.rule_kind_plugin[kind.name] = name
        for ruleset in rulesets:
            if getattr(ruleset, "uses_rule_kinds", False):
                ruleset.kinds = self.rule_kinds
            self.rulesets[ruleset.name] = ruleset
            self.ruleset_plugin[ruleset.name] = info
            info.rulesets.append(ruleset.name)
        return info

    def unregister(self, name):
        """Take the plugin registered as `name` out again, with its rule sets; return its object."""
        plugin = self.pm.unregister(name=name) if self.pm.has_plugin(name) else None
        for kind in [k for k, owner in self.rule_kind_plugin.items() if owner == name]:
            self.rule_kinds.pop(kind, None)
            self.rule_kind_plugin.pop(kind, None)
        for info in [p for p in self.plugins if p.name == name]:
            for ruleset in info.rulesets:
                self.rulesets.pop(ruleset, None)
                self.ruleset_plugin.pop(ruleset, None)
            self.plugins.remove(info)
        return plugin.plugin if isinstance(plugin, _Guarded) else plugin

    def refuse(self, name, source, origin, message):
        info = PluginInfo(name=name, source=source, origin=origin, error=message)
        self.plugins.append(info)
        return info

    def _check_name_free(self, name):
        taken = next((p for p in self.plugins[:-1] if p.name == name and p.loaded), None)
        if taken is not None:
            raise PluginError(say("插件名称「{name}」已被{owner}（{origin}）占用，请为插件改名",
                name=name, owner=_SOURCE_WORDS.get(taken.source, taken.source), origin=taken.origin),
                plugin=name)

    def _check_hook_names(self, plugin, name):
        for attr in dir(plugin):
            value = getattr(plugin, attr, None)
            if not callable(value):
                continue
            opts = getattr(value, "kaohe_impl", None)
            hook_name = (opts.get("specname") or attr) if isinstance(opts, dict) else attr
            looks_like_a_hook = opts is not None or hook_name.startswith("kaohe_")
            if hook_name in HOOK_NAMES or not looks_like_a_hook:
                continue
            close = difflib.get_close_matches(hook_name, HOOK_NAMES, n=1)
            hint = say("（是否应为 {hook}？）", hook=close[0]) if close else \
                say("（可用的钩子：{hooks}）", hooks=", ".join(HOOK_NAMES))
            raise PluginError(say("插件「{name}」实现了未知的钩子 {hook_name}{hint}",
                name=name, hook_name=hook_name, hint=hint), plugin=name)

    @staticmethod
    def _call(plugin, name, hook_name):
        """What the plugin's hook returns (None without the hook); its own error names it."""
        hook = getattr(plugin, hook_name, None)
        if hook is None:
            return None
        try:
            return hook()
        except Exception as error:  # a plugin's own bug: report it against the plugin
            raise PluginError(say("插件「{name}」的 {hook_name} 出错：{error_type}: "
                "{error}",
                name=name, hook_name=hook_name, error_type=type(error).__name__, error=error),
                              plugin=name) from error

    def _collect_rule_kinds(self, plugin, name):
        returned = self._call(plugin, name, "kaohe_rule_kinds")
        if returned is None:
            return []
        if not isinstance(returned, (list, tuple)):
            raise PluginError(say("插件「{name}」的 kaohe_rule_kinds 应返回规则类型列表，"
                "实际返回了 {error_type}",
                name=name, error_type=type(returned).__name__), plugin=name)
        seen = set()
        for kind in returned:
            if not isinstance(kind, RuleKind) or not kind.name or not kind.title:
                raise PluginError(say("插件「{name}」返回的规则类型 {kind!r} 应为 RuleKind，"
                    "并有 name 与 title",
                    name=name, kind=kind), plugin=name)
            if kind.name in self.rule_kinds or kind.name in seen:
                raise PluginError(say("插件「{name}」的规则类型名称「{kind}」重复", name=name,
                                      kind=kind.name),
                                  plugin=name)
            try:
                kind.params_schema().load({})
            except Exception as error:
                raise PluginError(say("插件「{name}」的规则类型「{kind}」的参数默认值无效："
                    "{error}",
                    name=name, kind=kind.name, error=error),
                                  plugin=name) from error
            seen.add(kind.name)
        return list(returned)

    def _collect_rulesets(self, plugin, name):
        returned = self._call(plugin, name, "kaohe_rulesets")
        if returned is None:
            return []
        if isinstance(returned, RuleSet) or not isinstance(returned, (list, tuple)):
            raise PluginError(say("插件「{name}」的 kaohe_rulesets 应返回规则集列表，"
                "实际返回了 {error_type}",
                name=name, error_type=type(returned).__name__), plugin=name)
        seen = set()
        for ruleset in returned:
            check_ruleset(ruleset, name)
            if ruleset.name in self.rulesets or ruleset.name in seen:
                owner = self.ruleset_plugin.get(ruleset.name)
                where = say("插件「{name}」", name=owner.name) if owner else say("同一插件")
                raise PluginError(say("插件「{name}」的规则集名称「{ruleset}」与{where}的规则集重复",
                    name=name, ruleset=ruleset.name, where=where),
                                  plugin=name)
            seen.add(ruleset.name)
        return list(returned)


_SOURCE_WORDS = {"builtin": "内置规则集", "entrypoint": "已安装的插件", "folder": "插件目录中的插件"}


class _Guarded:
    """A department plugin as pluggy sees it: each hook function, if it raises, is recorded.

    The error, naming the plugin and the hook, goes to the plugin's ``PluginInfo.error`` (and so
    to ``kaohe plugins`` and the panel's plugins page); the call returns nothing for that plugin
    and the other plugins' results are kept, so one broken plugin cannot take a command or the
    panel down. Hook wrappers (generator functions) are registered as they are.
    """

    def __init__(self, plugin, info):
        self.plugin = plugin
        for attr in dir(plugin):
            value = getattr(plugin, attr, None)
            if callable(value) and getattr(value, "kaohe_impl", None) is not None:
                setattr(self, attr, value if inspect.isgeneratorfunction(value)
                        else _guard(value, info, attr))


def _guard(function, info, attr):
    hook_name = function.kaohe_impl.get("specname") or attr

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:  # a plugin's own bug: report it against the plugin
            message = say("插件「{name}」的钩子 {hook_name} 出错：{error}", name=info.name,
                          hook_name=hook_name, error=_error_text(error))
            info.error = listing([info.error, message], "；") if info.error else message
            log.warning("%s", message)
            return None
    return guarded


def check_ruleset(ruleset, plugin_name):
    """Refuse a rule set whose attributes or parameter schema are unusable, naming the plugin."""
    def refuse(reason):
        label = getattr(ruleset, "name", None) or repr(ruleset)
        raise PluginError(say("插件「{plugin_name}」的规则集「{label}」无效：{reason}",
            plugin_name=plugin_name, label=label, reason=reason), plugin=plugin_name)

    if not isinstance(ruleset, RuleSet):
        refuse(say("应为 plugins.RuleSet 的实例，实际为 {error_type}", error_type=type(ruleset).__name__))
    if not isinstance(ruleset.name, str) or not _NAME.match(ruleset.name):
        refuse(say("名称应为小写字母开头的英文标识符（如 water_bureau）"))
    for attribute, text in (("title", say("中文标题")), ("version", say("版本号"))):
        if not isinstance(getattr(ruleset, attribute), str) or not getattr(ruleset, attribute).strip():
            refuse(say("缺少{text}（{attribute}）", text=text, attribute=attribute))
    schema_class = ruleset.params_schema
    if not (isinstance(schema_class, type) and issubclass(schema_class, Schema)):
        refuse(say("params_schema 应为 marshmallow Schema 的子类"))
    try:
        schema = schema_class()
        defaults = schema.load({})
        schema.load(schema.dump(defaults))
    except ValidationError as error:
        refuse(say("参数的默认值不能通过校验：{messages}", messages=error.messages))
    except Exception as error:
        refuse(say("参数定义出错：{error_type}: {error}", error_type=type(error).__name__, error=error))
    for fname, fobj in schema.fields.items():
        if not fobj.metadata.get("label"):
            refuse(say("参数 {field} 缺少中文说明（metadata 中的 label）", field=fname))
        if fobj.required:
            refuse(say("参数 {field} 必须有默认值", field=fname))


# ---------------------------------------------------------------- the factory

def _allow_list(allow):
    if allow is None:
        allow = os.environ.get("KAOHE_PLUGINS_ALLOW")
    if allow is None:
        return None
    if isinstance(allow, str):
        allow = [part.strip() for part in allow.split(",") if part.strip()]
    return set(allow)


def default_plugins_dir():
    from kaohe.core.storage.db import instance_path
    configured = os.environ.get("KAOHE_PLUGINS_DIR")
    return Path(configured) if configured else instance_path() / "plugins"


def _error_text(error):
    if isinstance(error, SyntaxError) and error.filename:
        return f"SyntaxError: {error.msg}（{Path(error.filename).name} 第{error.lineno}行）"
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    last = [frame for frame in frames if not frame.filename.startswith("<frozen")][-1:]
    where = f"（{Path(last[0].filename).name} 第{last[0].lineno}行）" if last else ""
    return f"{type(error).__name__}: {error}{where}"


def build_registry(plugins_dir=None, allow=None, builtins=DEFAULT_PLUGINS, entry_points=True):
    """Build a fresh plugin registry.

    Order: the built-in rule sets, then the `kaohe` entry-point group (limited to the names in
    `allow`, or `KAOHE_PLUGINS_ALLOW`, when given), then the `*.py` files of `plugins_dir`
    (default `KAOHE_PLUGINS_DIR` or `instance/plugins`). A broken department plugin is refused
    and listed in `registry.problems`; a broken built-in raises PluginError.
    """
    registry = Registry()
    for module_name in (BUILT_IN_KINDS, *(b for b in builtins if b != BUILT_IN_KINDS)):
        module = importlib.import_module(module_name)
        info = registry.register(module, module_name.rsplit(".", 1)[-1], "builtin", module_name)
        if info.error:
            raise PluginError(info.error, plugin=info.name)
    if entry_points:
        _register_entry_points(registry, _allow_list(allow), builtins)
    _register_folder(registry, Path(plugins_dir) if plugins_dir else default_plugins_dir())
    registry.pm.check_pending()
    for info in registry.problems:
        log.warning("%s", info.error)
    return registry


def _register_entry_points(registry, allowed, builtins):
    """The `kaohe` entry-point group's plugins (only those in `allowed`, when it is given)."""
    for ep in sorted(importlib.metadata.entry_points(group="kaohe"), key=lambda e: e.name):
        if ep.value in builtins or ep.value == BUILT_IN_KINDS:
            continue
        dist = getattr(ep, "dist", None)
        origin = f"{dist.name} {dist.version}" if dist else ep.value
        if allowed is not None and ep.name not in allowed:
            registry.refuse(ep.name, "entrypoint", origin,
                            say("插件「{name}」未列入允许加载的插件（KAOHE_PLUGINS_ALLOW），未加载",
                                name=ep.name))
            continue
        try:
            plugin = ep.load()
        except Exception as error:
            registry.refuse(ep.name, "entrypoint", origin,
                            say("插件「{name}」（{origin}）无法导入：{error}", name=ep.name, origin=origin,
                                error=_error_text(error)))
            continue
        registry.register(plugin, ep.name, "entrypoint", origin)


def _register_folder(registry, folder):
    """The `*.py` files of a plugins folder, each imported as module ``kaohe_plugin_<name>``."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = path.stem
        module_name = f"kaohe_plugin_{name}"
        try:
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except Exception as error:
            sys.modules.pop(module_name, None)
            registry.refuse(name, "folder", str(path),
                            say("插件「{name}」（{origin}）无法导入：{error}", name=name, origin=path,
                                error=_error_text(error)))
            continue
        registry.register(module, name, "folder", str(path))
