"""Rule kinds that score what a unit submitted: points for every submitted item (adopted or not),
and a quota met month by month (or quarter by quarter) inside a longer period, with a cap."""

from collections import defaultdict

from kaohe.core.domain.params import ParamsSchema, choice, points, table
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import CATEGORIES, UNIT_KINDS, ZERO
from kaohe.core.scoring.contract import Line
from kaohe.core.scoring.rules.conditions import Match, condition
from kaohe.core.scoring.rules.kind import RuleKind
from kaohe.core.scoring.rules.sources import date_words
from kaohe.core.scoring.rules.unit_kinds import today
from kaohe.core.storage.db import fetch_rows
from kaohe.core.storage.models import Item, counted

# ---------------------------------------------------------------- every submitted item


class SubmissionPointsParams(ParamsSchema):
    points = points(0, label="每篇报送稿件计分", source="", minimum=None)
    when = condition("适用条件（稿件类别、标签、单位类型、约稿…）")


class SubmissionPoints(RuleKind):
    """报送计分: points for every item a unit submitted in the period (counted items only),
    adopted or not; joint reports shared as the scheme shares them."""
    name = "submission_points"
    reads_state = False
    title = "报送计分（每篇报送稿件）"
    description = ("本期报送（已审核入库）的每篇稿件计分，不论是否被采用，按报送日期计入期间；"
                   "可限于某些稿件类别、标签、单位类型或约稿稿件；合报按本方案的合报分配。")
    params_schema = SubmissionPointsParams

    def lines(self, data, rule, state):
        value = rule.params["points"]
        if not value:
            return
        match = Match(rule.params["when"], data)
        p = data.period
        ids = [row[0] for row in fetch_rows(
            Item.select(Item.id).where(Item.submitted_on.between(p.start, p.end) & counted(Item))
            .order_by(Item.submitted_on, Item.id))]
        data.load_items(ids)
        items = data.items
        said = {}  # (day, category) -> the sentence, made once
        for item_id in ids:
            item = items.get(item_id)
            if item is None or not match.item(item) or not match.day(item.submitted_on):
                continue
            key = (item.submitted_on, item.category)
            sentence = said.get(key)
            if sentence is None:
                sentence = said[key] = say("{day}报送{category}类稿件，计{amount}",
                                           day=date_words(item.submitted_on),
                                           category=CATEGORIES.get(item.category, item.category),
                                           amount=rule.words(value))
            yield Line(rule.name, sentence, *rule.amount(value), item=item_id,
                       ref=f"{rule.name}:{item_id}")


# ---------------------------------------------------------------- a quota month by month

EACH = {"month": "每月", "quarter": "每季度"}


class PeriodQuotaParams(ParamsSchema):
    each = choice(EACH, "month", label="按何期间考核", source="")
    fixed = table(UNIT_KINDS, {}, label="每期报送任务篇数（按单位类型）", source="", unit="篇")
    met = points(0, label="每期完成任务计", source="")
    missed = points(0, label="每期未完成任务扣", source="")
    maximum = points(0, label="完成任务所计合计最多（0 为不限）", source="")
    when = condition("适用单位")


def _sub_periods(period, each, last_day):
    """[(sub-period, first day, last day)] of the months or quarters that `period` touches and
    that began by `last_day`, their days kept within `period`."""
    labels = dict.fromkeys(f"{year}-Q{(month - 1) // 3 + 1}" if each == "quarter" else f"{year}-{month:02d}"
                           for year, month in period.months())
    return [(sub, max(sub.start, period.start), min(sub.end, period.end))
            for sub in map(parse_period, labels) if sub.start <= last_day]


class PeriodQuota(RuleKind):
    """分期任务: within the run's period, each month (or quarter) whose submissions reach the
    task gives points (基础分), missed ones may cost points, the points for met periods capped."""
    name = "period_quota"
    reads_state = False
    title = "分期报送任务（每月/每季度）"
    description = ("在本次计算的期间内逐月（或逐季度）考核报送篇数：达到该期任务的计分（如每月报送不少于"
                   "2篇得基础分1分），未达到的可扣分；完成任务所计分合计可设上限（如全年最多12分）；"
                   "任务按单位类型设定，或取导入的该月（季度）目标任务。尚未开始的月份不考核。")
    params_schema = PeriodQuotaParams

    def lines(self, data, rule, state):
        params = rule.params
        match = Match(params["when"], data)
        periods = _sub_periods(data.period, params["each"], min(data.period.end, today()))
        if not periods:
            return
        daily = data.daily_submissions  # (unit, day) -> items submitted that day
        counts = defaultdict(int)
        for (uid, day), n in daily.items():
            for sub, start, end in periods:
                if start <= day <= end:
                    counts[(uid, sub.label)] += n
                    break
        targets = data.targets_by_period
        cap = params["maximum"]
        for uid, unit in sorted(data.units.items()):
            if not match.unit(unit):
                continue
            given = ZERO
            for sub, _start, _end in periods:
                label = sub.label
                target = targets.get((uid, label))
                task = target.submit_target if target is not None else \
                    int(params["fixed"].get(unit.kind, ZERO))
                if not task:
                    continue
                count = counts[(uid, label)]
                said = say("{period}报送{count}篇，任务{task}篇", period=sub.title, count=count,
                           task=task)
                ref = f"{rule.name}:{uid}:{label}"
                if count >= task and params["met"]:
                    value = params["met"]
                    if cap and given + value > cap:
                        value = max(cap - given, ZERO)
                        if not value:
                            continue
                        said = say("{said}，完成任务（合计最多{cap}），计{amount}", said=said,
                                   cap=rule.words(cap), amount=rule.words(value))
                    else:
                        said = say("{said}，完成任务，计{amount}", said=said, amount=rule.words(value))
                    given += value
                    yield Line(rule.name, said, *rule.amount(value), unit=uid, ref=ref)
                elif count < task and params["missed"]:
                    yield Line(rule.name, say("{said}，未完成任务，扣{amount}", said=said,
                                              amount=rule.words(params["missed"])),
                               *rule.amount(-params["missed"]), unit=uid, ref=ref)
