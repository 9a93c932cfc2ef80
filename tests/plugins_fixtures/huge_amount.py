"""A rule set giving an amount out of range (`huge_amount`: 1E+30 points to the first unit)."""

from decimal import Decimal

from kaohe.plugins import Line, RuleSet, hookimpl


class HugeAmount(RuleSet):
    name = "huge_amount"
    title = "分值过大的规则集"
    version = "1.0"

    def compute(self, data, params):
        yield Line("huge", "过大的分值", points=Decimal("1E+30"), unit=min(data.units))


@hookimpl
def kaohe_rulesets():
    return [HugeAmount()]
