"""The built-in rule kinds, registered through the plugin contract like any plugin's (always loaded first)."""

from kaohe.plugins import (
    Adjustment,
    AdoptionWatch,
    BandedConversion,
    BaseFloor,
    Cap,
    CombinedPiece,
    InstructionPoints,
    ItemPoints,
    PercentDeduction,
    PerItemAverage,
    PeriodQuota,
    PointsTarget,
    Quota,
    RateThreshold,
    SolicitationPoints,
    SubmissionPoints,
    UnitFact,
    UrgentItemDeduction,
    UrgentReports,
    VetoByCount,
    ZeroOut,
    hookimpl,
)


@hookimpl
def kaohe_rule_kinds():
    return [ItemPoints(), InstructionPoints(), SolicitationPoints(), Quota(), Adjustment(),
            RateThreshold(), AdoptionWatch(), BaseFloor(), Cap(), ZeroOut(), PercentDeduction(),
            PerItemAverage(), BandedConversion(), CombinedPiece(), UnitFact(), VetoByCount(),
            UrgentReports(), UrgentItemDeduction(), SubmissionPoints(), PeriodQuota(),
            PointsTarget()]
