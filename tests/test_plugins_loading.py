"""Loading department plugins from installed packages: the `kaohe` entry points and the allow-list."""

import shutil
import sys
import textwrap

import pytest

from kaohe.core.runs import store
from kaohe.core.storage import schemes
from kaohe.core.storage.models import ScoreRun
from kaohe.plugins.manager import build_registry
from tests import factories as f

PLUGIN = '''
"""A department plugin installed as the distribution kaohe-forestry."""
from decimal import Decimal
from kaohe.plugins import Line, RuleSet, hookimpl
from kaohe.core.domain.params import ParamsSchema, points


class ForestryParams(ParamsSchema):
    per_item = points(2, label="每报送1篇计分", source="林业局考核办法")


class Forestry(RuleSet):
    name = "forestry"
    title = "林业系统信息考核"
    version = "{version}"
    params_schema = ForestryParams

    def compute(self, data, params):
        for unit_id, count in sorted(data.submission_counts.items()):
            yield Line("submitted", f"报送{{count}}篇", points=params["per_item"] * count, unit=unit_id)


@hookimpl
def kaohe_rulesets():
    return [Forestry()]
'''


def install(site, name, module, source, version="1.0"):
    """Put a distribution `kaohe-<name>` with a `kaohe` entry point into the folder `site`."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"kaohe_{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: kaohe-{name}\nVersion: {version}\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[kaohe]\n{name} = {module}\n", encoding="utf-8")


# A fake site-packages on sys.path holding kaohe-forestry (sound) and kaohe-broken (fails to
# import), so that entry-point discovery runs exactly as for a pip-installed package.
@pytest.fixture
def site(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    install(folder, "forestry", "kaohe_forestry", PLUGIN.replace("{version}", "1.0"))
    install(folder, "broken", "kaohe_broken", "import kaohe_nothing_here\n")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delenv("KAOHE_PLUGINS_ALLOW", raising=False)
    return folder


def load(tmp_path, allow=None):
    return build_registry(plugins_dir=tmp_path / "no-plugins", allow=allow)


def info_of(registry, name):
    (info,) = [p for p in registry.plugins if p.name == name]
    return info


def test_an_installed_package_is_found_by_its_entry_point(tmp_path, site):
    registry = load(tmp_path)
    forestry = info_of(registry, "forestry")
    assert (forestry.source, forestry.origin, forestry.rulesets, forestry.error) == (
        "entrypoint", "kaohe-forestry 1.0", ["forestry"], "")
    assert registry.ruleset("forestry").title == "林业系统信息考核"


def test_an_installed_package_that_fails_to_import_is_named(tmp_path, site):
    registry = load(tmp_path)
    assert info_of(registry, "broken").error == (
        "插件「broken」（kaohe-broken 1.0）无法导入：ModuleNotFoundError: "
        "No module named 'kaohe_nothing_here'（kaohe_broken.py 第1行）")
    assert {"provincial", "forestry"} <= set(registry.rulesets)


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_the_allow_list_limits_which_entry_points_load(tmp_path, site, monkeypatch, how):
    if how == "environment":
        monkeypatch.setenv("KAOHE_PLUGINS_ALLOW", "forestry, water")
        registry = load(tmp_path)
    else:
        registry = load(tmp_path, allow=["forestry", "water"])
    assert info_of(registry, "forestry").loaded
    assert info_of(registry, "broken").error == (
        "插件「broken」未列入允许加载的插件（KAOHE_PLUGINS_ALLOW），未加载")
    assert "kaohe_broken" not in sys.modules


def test_an_empty_allow_list_loads_no_entry_point_but_keeps_the_built_ins(tmp_path, site):
    registry = load(tmp_path, allow="")
    assert set(registry.rulesets) == {"provincial", "environment", "county_bonus", "urgent_penalty",
                                      "scheme_rules"}
    assert not info_of(registry, "forestry").loaded


def test_a_new_release_of_a_package_shows_in_the_run_history(tmp_path, site, database):
    f.item([f.unit("A")], "2025-03-03")
    registry = load(tmp_path, allow=["forestry"])
    scheme = schemes.create_scheme(registry, "林业", 2025, ["forestry"])
    store.recalculate(registry, scheme, "2025-03")
    # pip install kaohe-forestry==2.0: new files in site-packages, the next process loads them.
    for path in site.glob("kaohe_forestry*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    sys.modules.pop("kaohe_forestry", None)
    install(site, "forestry", "kaohe_forestry", PLUGIN.replace("{version}", "2.0"), version="2.0")
    upgraded = load(tmp_path, allow=["forestry"])
    assert info_of(upgraded, "forestry").origin == "kaohe-forestry 2.0"
    store.recalculate(upgraded, scheme, "2025-03")
    assert [r.ruleset_versions for r in ScoreRun.select().order_by(ScoreRun.id)] == [
        {"forestry": "1.0"}, {"forestry": "2.0"}]
