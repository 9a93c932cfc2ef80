"""The rule kinds of urgent reports (紧急信息): deductions and vetoes for each failure of a report,
and a percentage off the points of the item that carried a failed report."""

import datetime
from collections import defaultdict
from decimal import Decimal

from kaohe.core.domain.params import ParamsSchema, flag, points, table
from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import SEVERITIES, URGENT_DEADLINE_HOURS, URGENT_FAILURES, fmt, money
from kaohe.core.scoring.contract import Line, Veto
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.kind import RuleKind
from kaohe.core.scoring.rules.sources import time_words


def deadlines(source=""):
    """Hours after the occurrence within which the first report is due, by severity."""
    return table(SEVERITIES, URGENT_DEADLINE_HOURS, unit="小时", label="首报时限（事件发生后，按事件级别）",
                 source=source)


def _hours(value):
    """A deadline in hours (two places) as a timedelta, exact to the second."""
    return datetime.timedelta(seconds=int(value * 3600))


def _reported_words(report):
    if report.reported_at.date() == report.occurred_at.date():
        return f"{report.reported_at:%H:%M}"
    return time_words(report.reported_at)


def failures_of(report, deadline):
    """The failures of one urgent report, [(failure, how it is said)], in the order they are said:
    瞒报 or 漏报 (by its status; a report without a first-report time counts as missed), or 迟报
    (first reported after `deadline` hours; exactly at it is on time), 轻报 and 谎报 (by its
    status); then 误报 (its own mark)."""
    found = []
    if report.status == "concealed":
        found.append(("concealed", "瞒报"))
    elif report.status == "missed":
        found.append(("missed", "漏报"))
    elif report.reported_at is None:
        found.append(("missed", say("没有首报时间，按漏报")))
    else:
        if report.reported_at > report.occurred_at + _hours(deadline):
            found.append(("late", say("首报于{at}，超过{hours}小时时限，迟报",
                                      at=_reported_words(report), hours=fmt(deadline))))
        if report.status in ("understated", "false"):
            found.append((report.status, URGENT_FAILURES[report.status]))
    if report.misreported:
        found.append(("misreported", "误报"))
    return found


def event_words(report):
    """紧急信息「某某事件」（较大，发生于2025年3月8日14:30）"""
    return say("紧急信息「{title}」（{severity}，发生于{at}）", title=report.title or report.no,
               severity=SEVERITIES[report.severity], at=time_words(report.occurred_at))


# ---------------------------------------------------------------- deductions and vetoes per failure

class UrgentReportsParams(ParamsSchema):
    deadlines = deadlines()
    deductions = table(URGENT_FAILURES, {}, label="扣分（填正数，按情形）", source="")
    on_time = points(0, label="按时报送、没有任何情形的每起加分", source="")
    veto_severities = words("一票否决的事件级别（这些级别的事件出现所列情形即否决）", SEVERITIES)
    veto_failures = words("一票否决的情形（按事件级别否决时；不填为全部情形）", URGENT_FAILURES)
    veto_concealed = flag(False, label="瞒报任何级别的紧急信息均一票否决", source="")
    when = condition("适用单位")


class UrgentReports(RuleKind):
    """紧急信息迟报漏报瞒报: a deduction for each failure of each urgent report, from its unit,
    dated by the occurrence; vetoes by severity and for concealment."""
    name = "urgent_reports"
    reads_state = False
    title = "紧急信息迟报漏报瞒报扣分"
    description = ("本期发生的紧急信息按事件级别的首报时限认定迟报（首报恰在时限时不算迟报），"
                   "按状态认定漏报、瞒报、轻报、谎报，按误报标记认定误报；每种情形从报送单位扣分，按发生时间计入期间；"
                   "所列级别的事件出现所列情形，或瞒报任何级别的事件（可选），单位和责任信息员年度评先一票否决；"
                   "按时报送、没有任何情形的可每起加分。")
    params_schema = UrgentReportsParams

    def lines(self, data, rule, state):
        params = rule.params
        match = Match(params["when"], data)
        deductions = params["deductions"]
        veto_severities = set(params["veto_severities"])
        veto_failures = set(params["veto_failures"]) or set(URGENT_FAILURES)
        for report in data.urgent_reports:
            unit = data.units.get(report.unit)
            if unit is None or not match.unit(unit):
                continue
            event = event_words(report)
            found = failures_of(report, params["deadlines"][report.severity])
            if not found and params["on_time"]:
                yield Line(rule.name, say("{event}按时报送，加{amount}", event=event,
                                          amount=rule.words(params["on_time"])),
                           *rule.amount(params["on_time"]), unit=report.unit, ref=f"urgent:{report.id}")
            for failure, said in found:
                value = deductions[failure]
                if value:
                    yield Line(rule.name, say("{event}{failure}扣{amount}", event=event, failure=said,
                                              amount=rule.words(value)), *rule.amount(-value),
                               unit=report.unit, ref=f"urgent:{report.id}")
            vetoing = [URGENT_FAILURES[failure] for failure, _ in found
                       if (report.severity in veto_severities and failure in veto_failures)
                       or (failure == "concealed" and params["veto_concealed"])]
            if vetoing:
                reporter = report.reporter if report.reporter in data.reporters else None
                reason = say("紧急信息「{title}」（{severity}）{failures}", title=report.title or report.no,
                             severity=SEVERITIES[report.severity], failures=listing(vetoing, "、"))
                yield Veto(rule.name, say("{reason}，一票否决", reason=reason),
                           unit=report.unit, reporter=reporter, ref=f"urgent:{report.id}")


# ---------------------------------------------------------------- a percentage of the carrying item

class UrgentItemDeductionParams(ParamsSchema):
    failures = words("扣减的情形（不填为全部情形）", URGENT_FAILURES)
    percent = points(0, label="扣减该条信息得分的比例（%）", source="", unit="%")
    per_failure = flag(False, label="每种情形各扣一次（扣完为止；否则每篇只扣一次）", source="")
    of = words("该条信息的得分来自的规则（不填为此前全部规则）")
    deadlines = deadlines()
    when = condition()


class UrgentItemDeduction(RuleKind):
    """紧急信息稿件按比例扣分: a percentage off what the rows before gave the item (稿件编号 of the
    urgent report) whose report had one of the named failures; once per item however many, or
    once for each (down to nothing)."""
    name = "urgent_item_deduction"
    title = "紧急信息稿件按比例扣分"
    description = ("所报紧急信息有所列情形（迟报、轻报、谎报…）的稿件，其在所列规则中的本期得分（含加分）"
                   "按比例扣减，每篇稿件扣一次，不论有几种情形（或每种情形各扣一次，扣完为止）；"
                   "扣分随稿件分配（合报平均分配）。")
    params_schema = UrgentItemDeductionParams
    reads_item_totals = True

    def lines(self, data, rule, state):
        params = rule.params
        match = Match(params["when"], data)
        wanted = set(params["failures"]) or set(URGENT_FAILURES)
        share = params["percent"] / Decimal(100)
        side = 1 if rule.unit == "元" else 0
        held = {item_id: amounts[side] for item_id, amounts in state.item_totals(set(params["of"])).items()
                if amounts[side] > 0}
        flawed = defaultdict(list)  # item id -> [(report, [(failure, words)])]
        for report in data.urgent_reports_of(held):
            found = [(failure, said) for failure, said
                     in failures_of(report, params["deadlines"][report.severity]) if failure in wanted]
            if found:
                flawed[report.item].append((report, found))
        for item_id in sorted(flawed):
            item = data.items.get(item_id)
            if item is None or not match.item(item):
                continue
            total = held[item_id]
            times = len({f for _, found in flawed[item_id] for f, _ in found}) \
                if params["per_failure"] else 1
            cut = min(total, money(total * share * times))
            if not cut:
                continue
            said = listing([say("{event}{failures}", event=event_words(report),
                                failures=listing([words for _, words in found], "、"))
                            for report, found in flawed[item_id]], "；")
            rate = f"{fmt(params['percent'])}%" + (f"×{times}" if times > 1 else "")
            yield Line(rule.name, say("{events}，稿件{item}得分{total}扣{rate}，扣{cut}", events=said,
                                      item=item.no, total=rule.words(total), rate=rate,
                                      cut=rule.words(cut)),
                       *rule.amount(-cut), item=item_id,
                       ref=f"urgent:{flawed[item_id][0][0].id}:item:{item_id}")
