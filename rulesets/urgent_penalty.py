"""`urgent_penalty` 紧急信息迟报漏报瞒报扣分: deductions and vetoes for failed urgent reports."""

import datetime

from kaohe.plugins import (
    SEVERITIES,
    URGENT_DEADLINE_HOURS,
    Line,
    ParamsSchema,
    RuleSet,
    Veto,
    choice,
    flag,
    fmt,
    hookimpl,
    records,
    table,
    time_words,
)

SOURCE = "紧急信息报送管理办法"

# The four failures of urgent reporting, in the order their lines are written.
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


def _hours(value):
    """A deadline in hours (two places) as a timedelta, exact to the second."""
    return datetime.timedelta(seconds=int(value * 3600))


def _reported_words(report):
    if report.reported_at.date() == report.occurred_at.date():
        return f"{report.reported_at:%H:%M}"
    return time_words(report.reported_at)


def failures_of(report, deadline):
    """The failures of one urgent report: [(failure, how it is said)]."""
    found = []
    if report.status == "concealed":
        found.append(("concealed", "瞒报"))
    elif report.status == "missed":
        found.append(("missed", "漏报"))
    elif report.reported_at is None:
        found.append(("missed", "没有首报时间，按漏报"))
    elif report.reported_at > report.occurred_at + _hours(deadline):
        found.append(("late", f"首报于{_reported_words(report)}，超过{fmt(deadline)}小时时限，迟报"))
    if report.misreported:
        found.append(("misreported", "误报"))
    return found


class UrgentPenalty(RuleSet):
    name = "urgent_penalty"
    title = "紧急信息迟报漏报瞒报扣分"
    version = "1.0"
    description = ("紧急信息按事件级别在时限内首报（特别重大、重大2小时，较大、一般4小时）；"
                   "迟报扣20分，漏报、瞒报扣40分，误报扣20分；特别重大、重大事件迟报、漏报、误报，"
                   "或瞒报任何级别的事件，单位和责任信息员年度评先一票否决。")
    params_schema = UrgentPenaltyParams

    def compute(self, data, params):
        veto_severities = {row["severity"] for row in params["veto_severities"]}
        for report in data.urgent_reports:
            if report.unit not in data.units:
                continue
            severity = SEVERITIES[report.severity]
            event = (f"紧急信息「{report.title or report.no}」（{severity}，"
                     f"发生于{time_words(report.occurred_at)}）")
            found = failures_of(report, params["deadlines"][report.severity])
            for failure, words in found:
                value = params["deductions"][failure]
                if not value:
                    continue
                yield Line(failure, f"{event}{words}扣{fmt(value)}分", points=-value,
                           unit=report.unit, ref=f"urgent:{report.id}")
            vetoing = [FAILURES[failure] for failure, _ in found
                       if report.severity in veto_severities
                       or (failure == "concealed" and params["veto_concealed"])]
            if vetoing:
                reporter = report.reporter if report.reporter in data.reporters else None
                yield Veto("veto", f"紧急信息「{report.title or report.no}」（{severity}）"
                                   f"{'、'.join(vetoing)}，一票否决",
                           unit=report.unit, reporter=reporter, ref=f"urgent:{report.id}")


@hookimpl
def kaohe_rulesets():
    return [UrgentPenalty()]
