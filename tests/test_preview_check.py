"""`kaohe plugins check`: a rule set's preview (its tallies) is checked against its lines."""

from decimal import Decimal

from kaohe.core.scoring import engine
from kaohe.core.storage.schemes import create_scheme
from kaohe.plugins import Line, RuleSet, Tally
from tests import factories as f

D = Decimal


class Drifting(RuleSet):
    """Lines: 20 for each adopted item; its hand-written preview says 21 (a drift)."""
    name = "drifting"
    title = "漂移（测试）"

    def compute(self, data, params):
        for item_id in sorted({a.item for a in data.adoptions}):
            yield Line("x", "采用计20分", points=D("20"), item=item_id)

    def tallies(self, data, params):
        for uid in data.units:
            yield Tally("x", D("21"), 1, unit=uid)


def test_a_drifting_preview_is_reported_and_the_built_ins_agree(kaohe, registry):
    a = f.unit("A", "甲县")
    ra = f.reporter("RA", a)
    prov = f.publication("P", "provincial", "省刊")
    f.adoption(f.item(a, authors=[ra], negative=True), prov, "2025-03-10", "full")
    f.instruction(f.item(a), "provincial", "2025-04-01")
    create_scheme(registry, "S", 2025, ["provincial", "county_bonus", "scheme_rules"])
    assert engine.check_previews(registry, create_scheme(
        registry, "T", 2025, ["provincial", "county_bonus"])) == []
    registry.rulesets["drifting"] = Drifting()
    scheme = create_scheme(registry, "D", 2025, ["provincial", "drifting"])
    assert engine.check_previews(registry, scheme) == [
        ("drifting", ["单位「甲县」明细20.00分/0.00元，预览21.00分/0.00元",
                      "信息员「RA」明细20.00分，预览0分"])]
    code, out, _ = kaohe("plugins", "check", "S")
    assert code == 0 and "各规则集的预览与计分明细一致" in out
