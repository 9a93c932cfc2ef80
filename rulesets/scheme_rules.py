"""The built-in rule kinds and the `scheme_rules` rule set, registered through the plugin contract like any plugin's."""

from kaohe.plugins import (
    Adjustment,
    BandedConversion,
    BaseFloor,
    Cap,
    InstructionPoints,
    ItemPoints,
    PercentDeduction,
    PerItemAverage,
    Quota,
    RateThreshold,
    SchemeRules,
    SolicitationPoints,
    ZeroOut,
    hookimpl,
)


@hookimpl
def kaohe_rule_kinds():
    return [ItemPoints(), InstructionPoints(), SolicitationPoints(), Quota(), Adjustment(),
            RateThreshold(), BaseFloor(), Cap(), ZeroOut(), PercentDeduction(), PerItemAverage(),
            BandedConversion()]


@hookimpl
def kaohe_rulesets():
    return [SchemeRules()]
