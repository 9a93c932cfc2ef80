"""Meta-tests of the plugin contract: every hook documented with its exact signature and
docstring in docs/plugins.md, and every hook called by at least one test."""

import inspect
import re
from pathlib import Path

import click
import pytest

from kaohe.core.runs import store
from kaohe.core.scoring import engine
from kaohe.core.storage import schemes
from kaohe.plugins import hookimpl, hookspecs
from kaohe.plugins.manager import HOOK_NAMES
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
TEST_FOLDERS = (ROOT / "tests", ROOT / "examples" / "kaohe-water" / "tests")


def guide_section(hook):
    """The text of docs/plugins.md under the heading of `hook`, up to the next heading."""
    match = re.search(rf"^### `({hook}\(.*?\))`\n(.*?)(?=^#)", GUIDE, re.MULTILINE | re.DOTALL)
    assert match, f"docs/plugins.md has no '### `{hook}(…)`' heading"
    return match.group(1), match.group(2)


def test_the_hooks_are_the_hookspecs():
    assert HOOK_NAMES == sorted(n for n, v in vars(hookspecs).items()
                                if callable(v) and n.startswith("kaohe_"))
    assert HOOK_NAMES == ["kaohe_admin_views", "kaohe_commands", "kaohe_rule_kinds", "kaohe_rulesets",
                          "kaohe_run_stored"]


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_is_documented_with_its_exact_signature_and_docstring(hook):
    spec = getattr(hookspecs, hook)
    heading, text = guide_section(hook)
    assert heading == f"{hook}{inspect.signature(spec)}"
    assert inspect.getdoc(spec) in text, f"docs/plugins.md: the {hook} docstring is out of date"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_test_that_calls_it(hook):
    calls = [path.name for folder in TEST_FOLDERS for path in folder.glob("test_*.py")
             if f"hook.{hook}(" in path.read_text(encoding="utf-8")]
    assert calls, f"no test calls registry.hook.{hook}(…)"


# ---------------------------------------------------------------- calling each hook

class Listener:
    """A plugin object that hears about stored runs."""

    def __init__(self):
        self.heard = []

    @hookimpl
    def kaohe_run_stored(self, run, scheme):
        self.heard.append((scheme.name, run.period))


class Grumpy:
    @hookimpl
    def kaohe_run_stored(self, run):
        raise RuntimeError("通知系统不可用")


# Registers a plugin object under a name and, whatever the test does, unregisters that same
# name afterwards (datasette leaked a plugin by unregistering a different name in a `finally`).
@pytest.fixture
def plugged(registry):
    names = []

    def plug(plugin, name):
        info = registry.register(plugin, name, "folder", f"tests:{name}")
        names.append(name)
        assert info.loaded, info.error
        return plugin

    yield plug
    for name in names:
        unplugged = registry.unregister(name)
        assert unplugged is not None
        assert not registry.pm.has_plugin(name)


def test_kaohe_rulesets_returns_every_registered_rule_set(registry):
    returned = [r.name for batch in registry.hook.kaohe_rulesets() for r in batch]
    assert sorted(returned) == ["county_bonus", "environment", "provincial", "scheme_rules",
                                "urgent_penalty"]


def test_kaohe_rule_kinds_returns_every_built_in_kind(registry):
    returned = [k.name for batch in registry.hook.kaohe_rule_kinds() for k in batch]
    assert sorted(returned) == sorted(registry.rule_kinds) == [
        "adjustment", "adoption_watch", "banded_conversion", "base_floor", "cap", "combined_piece",
        "instruction_points",
        "item_points", "per_item_average", "percent_deduction", "period_quota", "points_target",
        "quota", "rate_threshold",
        "solicitation", "submission_points", "unit_fact", "urgent_item_deduction", "urgent_reports", "veto",
        "zero_out"]
    assert registry.ruleset("scheme_rules").kinds is registry.rule_kinds


def test_kaohe_run_stored_is_told_of_each_stored_run_and_not_of_previews(database, registry, plugged):
    listener = plugged(Listener(), "listener")
    f.unit("A")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    engine.compute(registry, scheme, "2025-03")
    run = store.recalculate(registry, scheme, "2025-03").run
    assert listener.heard == [("S", "2025-03")]
    registry.hook.kaohe_run_stored(run=run, scheme=scheme)
    assert listener.heard == [("S", "2025-03"), ("S", "2025-03")]


def test_a_failing_run_listener_is_recorded_and_the_run_is_kept(database, registry, plugged):
    plugged(Grumpy(), "grumpy")
    f.unit("A")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    outcome = store.recalculate(registry, scheme, "2025-03")
    assert outcome.run.id is not None
    (problem,) = registry.problems
    assert problem.error.startswith("插件「grumpy」的钩子 kaohe_run_stored 出错：RuntimeError: 通知系统不可用")
    assert registry.hook.kaohe_run_stored(run=outcome.run, scheme=scheme) == []


def test_kaohe_commands_and_kaohe_admin_views_of_the_built_ins_add_nothing(registry):
    group = click.Group("kaohe")
    assert registry.hook.kaohe_commands(cli=group) == [] and group.commands == {}
    assert registry.hook.kaohe_admin_views(app=None) == []


def test_a_plugged_object_is_listed_until_the_fixture_unplugs_it(registry, plugged):
    before = [p.name for p in registry.plugins]
    plugged(Listener(), "listener")
    assert [p.name for p in registry.plugins] == before + ["listener"]
