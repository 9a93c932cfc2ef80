"""kaohe.plugins is the one public module: the water example uses nothing else, and the plugin
guide's complete examples run and score what they say, points worked out by hand."""

import ast
import re
import types
from decimal import Decimal
from pathlib import Path

import pytest

import kaohe.plugins
from kaohe.core.domain.periods import parse_period
from kaohe.core.scoring.engine import compute
from kaohe.core.storage.schemes import create_scheme
from kaohe.plugins import PeriodData, first_adoptions
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
WATER = ROOT / "examples" / "kaohe-water" / "kaohe_water"
D = Decimal


def kaohe_imports(path):
    """The kaohe modules a source file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "kaohe"}


def test_the_water_plugin_uses_only_kaohe_plugins():
    files = sorted(WATER.glob("*.py"))
    assert len(files) >= 6
    used = {path.name: kaohe_imports(path) for path in files}
    assert {name for names in used.values() for name in names} == {"kaohe.plugins"}


def test_every_public_name_is_documented_and_importable():
    assert len(kaohe.plugins.__all__) == len(set(kaohe.plugins.__all__))
    for name in kaohe.plugins.__all__:
        value = getattr(kaohe.plugins, name)
        if isinstance(value, (types.FunctionType, type)):
            assert (value.__doc__ or "").strip(), f"kaohe.plugins.{name} has no docstring"


def guide_examples():
    """The guide's complete examples: the python blocks that start with a module docstring."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [block for block in blocks if block.startswith('"""')]


def load_example(source, name):
    module = types.ModuleType(name)
    exec(compile(source, f"docs/plugins.md:{name}", "exec"), module.__dict__)
    return module


@pytest.fixture
def march(database, registry):
    """KH and CS; proposals adopted, forwarded, adopted twice, and adopted before March."""
    kh, cs = f.unit("KH"), f.unit("CS")
    city, province = f.publication("SZB", "city"), f.publication("SZX", "provincial")
    p1 = f.item([kh], "2025-03-01", no="P1", category="proposal")
    f.adoption(p1, city, "2025-03-05")
    f.adoption(p1, province, "2025-03-06")          # a second row of the same item
    p2 = f.item([kh], "2025-03-02", no="P2", category="proposal")
    f.adoption(p2, province, "2025-03-02", form="forwarded")
    f.adoption(p2, province, "2025-03-10")          # forwarded, then adopted
    p3 = f.item([cs], "2025-02-10", no="P3", category="proposal")
    f.adoption(p3, city, "2025-02-20")              # first adopted in February
    f.adoption(p3, province, "2025-03-12")
    p4 = f.item([cs], "2025-03-01", no="P4", category="news")
    f.adoption(p4, city, "2025-03-15")
    p5 = f.item([cs], "2025-03-03", no="P5", category="proposal")
    f.adoption(p5, province, "2025-03-03", form="forwarded")  # only forwarded
    return {"KH": kh, "CS": cs, "items": (p1, p2, p3, p4, p5)}


def test_the_guide_has_its_complete_examples():
    assert [block.splitlines()[0][:16] for block in guide_examples()] == [
        '"""`submissions`', '"""`proposals` 建']


def test_first_adoptions_is_each_item_first_adopted_in_the_period_once(march, registry):
    scheme = create_scheme(registry, "三月", 2025, ["provincial"])
    data = PeriodData(scheme.id, parse_period("2025-03"), 2025)
    found = [(item.no, adoption.adopted_on.isoformat()) for item, adoption in first_adoptions(data)]
    # P1 once (its first row), P2 by its adoption (not the forward), P4; not P3 (February's), P5
    assert found == [("P1", "2025-03-05"), ("P2", "2025-03-10"), ("P4", "2025-03-15")]


def test_the_guides_examples_score_what_they_say(march, registry):
    submissions = load_example(guide_examples()[0], "submissions")
    proposals = load_example(guide_examples()[1], "proposals")
    registry.register(submissions, "submissions", "folder", "docs/plugins.md")
    registry.register(proposals, "proposals", "folder", "docs/plugins.md")
    try:
        scheme = create_scheme(registry, "插件", 2025, ["submissions", "proposals"])
        outcome = compute(registry, scheme, "2025-03")
        kh, cs = march["KH"].id, march["CS"].id
        # submissions in March: KH P1 P2, CS P4 P5 → 2 × 1 point each;
        # proposals first adopted in March: KH P1 and P2 → 2 × 2; CS none (P3 was February's,
        # P5 only forwarded)
        assert (outcome.units[kh].points, outcome.units[cs].points) == (D("6.00"), D("2.00"))
        assert sorted(line[9] for line in outcome.lines if line[4] == "proposal") == [
            "建议类信息被采用，加2分", "建议类信息被采用，加2分"]
        # the obvious loop pays P1 twice, P2 twice (the forward too), P3 again and P5's forward:
        # KH 8 and CS 4 instead of 4 and 0
        ruleset = registry.ruleset("proposals")
        data = PeriodData(scheme.id, parse_period("2025-03"), 2025)
        wrong = {}
        for line in ruleset.obvious_but_wrong(data, ruleset.default_params()):
            unit = data.items[line.item].units[0]
            wrong[unit] = wrong.get(unit, 0) + line.points
        assert wrong == {kh: D("8.00"), cs: D("4.00")}
    finally:
        registry.unregister("proposals")
        registry.unregister("submissions")
