"""`urgent_penalty` 紧急信息迟报漏报瞒报扣分: deductions and vetoes for failed urgent reports, a
preset of the `urgent_reports` rule kind."""

from kaohe.plugins import (
    SEVERITIES,
    URGENT_DEADLINE_HOURS,
    ParamsSchema,
    Preset,
    choice,
    flag,
    hookimpl,
    records,
    table,
)

SOURCE = "紧急信息报送管理办法"

# The four failures this rule set deducts for (rows of their own, in this order).
FAILURES = {"late": "迟报", "missed": "漏报", "concealed": "瞒报", "misreported": "误报"}
DEDUCTION_DEFAULTS = {"late": 20, "missed": 40, "concealed": 40, "misreported": 20}
VETO_DEFAULTS = [{"severity": "I"}, {"severity": "II"}]


class VetoSeveritySchema(ParamsSchema):
    """One event severity whose late, missed or wrong report disqualifies the unit."""
    severity = choice(SEVERITIES, "I", label="事件级别",
                      source=f"{SOURCE}第七条：特别重大、重大紧急信息迟报、漏报、误报的，年度考核一票否决")


class UrgentPenaltyParams(ParamsSchema):
    deadlines = table(SEVERITIES, URGENT_DEADLINE_HOURS, unit="小时",
                     label="首报时限（事件发生后，按事件级别）",
                     source=f"{SOURCE}第三条：特别重大、重大事件2小时内首报，较大、一般事件4小时内首报")
    deductions = table(FAILURES, DEDUCTION_DEFAULTS, label="扣分（填正数，按情形）",
                      source=f"{SOURCE}第六条：迟报每次扣20分，漏报、瞒报每次扣40分，误报每次扣20分")
    veto_severities = records(VetoSeveritySchema, VETO_DEFAULTS, unit="",
                              label="迟报、漏报、误报即一票否决的事件级别",
                              source=f"{SOURCE}第七条：特别重大、重大紧急信息迟报、漏报、误报的，一票否决")
    veto_concealed = flag(True, label="瞒报任何级别的紧急信息均一票否决",
                          source=f"{SOURCE}第七条：瞒报紧急信息的，不论事件级别，一票否决")


def _article(field):
    """The article a parameter rests on (its `source`), for the rows it fills."""
    return UrgentPenaltyParams._declared_fields[field].metadata["source"]


class UrgentPenalty(Preset):
    """A preset of the `urgent_reports` kind: one row per failure (its lines keep the failure's
    name: late, missed, concealed, misreported), each with its deduction, and a row of vetoes."""
    name = "urgent_penalty"
    title = "紧急信息迟报漏报瞒报扣分"
    version = "1.0"
    description = ("紧急信息按事件级别在时限内首报（特别重大、重大2小时，较大、一般4小时）；"
                   "迟报扣20分，漏报、瞒报扣40分，误报扣20分；特别重大、重大事件迟报、漏报、误报，"
                   "或瞒报任何级别的事件，单位和责任信息员年度评先一票否决。")
    params_schema = UrgentPenaltyParams

    def rows(self, params):
        hours = {severity: str(value) for severity, value in params["deadlines"].items()}
        rows = [{"kind": "urgent_reports", "name": failure, "label": f"{word}扣分",
                 "source": _article("deductions"),
                 "params": {"deadlines": hours,
                            "deductions": {failure: str(params["deductions"][failure])}}}
                for failure, word in FAILURES.items()]
        rows.append({"kind": "urgent_reports", "name": "veto", "label": "一票否决",
                     "source": _article("veto_severities"),
                     "params": {"deadlines": hours,
                                "veto_severities": [r["severity"] for r in params["veto_severities"]],
                                "veto_failures": list(FAILURES),
                                "veto_concealed": params["veto_concealed"]}})
        return rows


@hookimpl
def kaohe_rulesets():
    return [UrgentPenalty()]
