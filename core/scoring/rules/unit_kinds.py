"""The rule kinds that score units as a whole: quotas, the office's adjustments, adoption-rate
thresholds, and the watch on units whose items go unadopted for months (a flag)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from marshmallow import fields, validate

from kaohe.core.domain.params import ParamsSchema, choice, flag, integer, points, table
from kaohe.core.domain.periods import PERIOD_KINDS, now
from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import UNIT_KINDS, fmt, is_adopted, percent
from kaohe.core.scoring.contract import Flag, Line
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.kind import ZERO, RuleKind, RulesState
from kaohe.core.scoring.rules.sources import date_words
from kaohe.core.scoring.totals import adoption_rate

MEASURES = {"submissions": "报送", "adopted": "采用"}


def period_words(period):
    return {"year": "全年", "half": "本半年", "quarter": "本季度", "month": "本月"}.get(
        period.kind, "本期")


# ---------------------------------------------------------------- quotas

class QuotaParams(ParamsSchema):
    measure = choice(MEASURES, "submissions", label="考核数量", source="")
    target_from = choice({"targets": "目标任务（本期间的报送/采用任务）", "fixed": "按单位类型设定"},
                         "targets", label="任务来源", source="")
    fixed = table(UNIT_KINDS, {}, label="任务篇数（按单位类型，任务来源为按单位类型时）", source="",
                  unit="篇")
    per_missing = points(0, label="每少1篇扣", source="")
    per_extra = points(0, label="每多1篇加", source="")
    met = points(0, label="完成任务计", source="")
    missed = points(0, label="未完成任务扣", source="")
    periods = words("仅在这些期间计算（不填为每个期间）", PERIOD_KINDS)
    when = condition("适用单位")


class Quota(RuleKind):
    """报送/采用任务: the period's count against its target, per missing or extra item, or a gate."""
    name = "quota"
    reads_state = False
    title = "报送/采用任务"
    description = ("本期报送（或采用）篇数与任务相比：每少1篇扣分、每多1篇加分，或完成计分、未完成扣分"
                   "（门槛）；任务取导入的目标任务，或按单位类型设定；可限于某些期间（如仅全年计算）。"
                   "金额以元计时为奖励、扣罚。其后的规则可按是否完成任务清零。")
    params_schema = QuotaParams

    def target_of(self, data, rule, unit):
        params = rule.params
        if params["target_from"] == "fixed":
            return int(params["fixed"].get(unit.kind, ZERO))
        target = data.targets_by_period.get((unit.id, data.period.label))
        if target is None:
            return None
        return target.submit_target if params["measure"] == "submissions" else target.adopt_target

    def lines(self, data, rule, state):
        params = rule.params
        if params["periods"] and data.period.kind not in params["periods"]:
            return
        match = Match(params["when"], data)
        counts = data.submission_counts if params["measure"] == "submissions" \
            else data.adopted_counts
        word, when = MEASURES[params["measure"]], period_words(data.period)
        # An amount in 元 is a reward or a fine (超出, 奖励, 扣罚); in 分 points added or deducted.
        in_yuan = rule.unit == "元"
        for uid, unit in sorted(data.units.items()):
            if not match.unit(unit):
                continue
            target = self.target_of(data, rule, unit)
            if target is None:
                continue
            count = counts.get(uid, 0)
            state.gates[rule.name][uid] = count >= target
            said = say("{when}{measure}{count}篇，{measure}任务{target}篇", when=when, measure=word,
                       count=count, target=target)
            ref = f"quota:{uid}:{data.period.label}"
            gap = count - target
            if gap < 0 and params["per_missing"]:
                value = params["per_missing"] * gap
                each, amount = rule.words(params["per_missing"]), rule.words(-value)
                said_ = say("{said}，少{gap}篇，每篇扣罚{each}，扣罚{amount}", said=said, gap=-gap,
                            each=each, amount=amount) if in_yuan else \
                    say("{said}，少{gap}篇，每篇扣{each}，扣{amount}", said=said, gap=-gap, each=each,
                        amount=amount)
                yield Line(rule.name, said_, *rule.amount(value), unit=uid,
                           ref=ref)
            if gap > 0 and params["per_extra"]:
                value = params["per_extra"] * gap
                each, amount = rule.words(params["per_extra"]), rule.words(value)
                said_ = say("{said}，超出{gap}篇，每篇奖励{each}，奖励{amount}", said=said, gap=gap,
                            each=each, amount=amount) if in_yuan else \
                    say("{said}，多{gap}篇，每篇加{each}，加{amount}", said=said, gap=gap, each=each,
                        amount=amount)
                yield Line(rule.name, said_, *rule.amount(value), unit=uid,
                           ref=ref)
            if gap >= 0 and params["met"]:
                amount = rule.words(params["met"])
                yield Line(rule.name, say("{said}，完成任务，奖励{amount}", said=said, amount=amount)
                           if in_yuan else say("{said}，完成任务，计{amount}", said=said, amount=amount),
                           *rule.amount(params["met"]), unit=uid, ref=ref)
            if gap < 0 and params["missed"]:
                amount = rule.words(params["missed"])
                yield Line(rule.name, say("{said}，未完成任务，扣罚{amount}", said=said, amount=amount)
                           if in_yuan else say("{said}，未完成任务，扣{amount}", said=said, amount=amount),
                           *rule.amount(-params["missed"]), unit=uid, ref=ref)

    def tallies(self, data, rule):
        """A quota reads only the period's counts and targets, never an item: its lines are its
        preview (the gates they set matter only to total-level rows, which are not tallied)."""
        return list(self.lines(data, rule, RulesState(data, "equal", [rule])))


# ---------------------------------------------------------------- the office's adjustments

class AdjustmentParams(ParamsSchema):
    kinds = words("类别（不填为全部）")
    each = points(0, label="每次分值（0 为按记录的分值）", source="", minimum=None)


class Adjustment(RuleKind):
    """加减分: the office's recorded rows, chosen by 类别."""
    name = "adjustment"
    reads_state = False
    title = "加减分（办公室记录）"
    description = ("办公室记录的加减分（被上级通报的差错、报送不及时、领导表扬…），按类别选取，"
                   "按日期计入期间；分值取记录的分值，或本规则统一设定的每次分值。")
    params_schema = AdjustmentParams

    def lines(self, data, rule, state):
        kinds, each = rule.params["kinds"], rule.params["each"]
        for row in data.adjustments:
            if kinds and row.kind not in kinds:
                continue
            points_, yuan = (each, ZERO) if each else (row.points or ZERO, row.yuan or ZERO)
            if each and rule.unit == "元":
                points_, yuan = ZERO, each
            amount = listing([part for part in (
                say("{amount}{unit}", amount=fmt(points_), unit="分") if points_ else "",
                say("{amount}{unit}", amount=fmt(yuan), unit="元") if yuan else "") if part], "、",
                empty=say("{amount}{unit}", amount="0", unit="分"))
            day = date_words(row.date)
            said = say("{day}{reason}（{kind}），计{amount}", day=day, reason=row.reason, kind=row.kind,
                       amount=amount) if row.kind else \
                say("{day}{reason}，计{amount}", day=day, reason=row.reason, amount=amount)
            yield Line(rule.name, said,
                       points=points_, yuan=yuan, unit=row.unit,
                       item=row.item if row.item in data.items else None,
                       ref=f"adjustment:{row.id}")


# ---------------------------------------------------------------- adoption-rate thresholds

class RateThresholdParams(ParamsSchema):
    below = points(30, label="采用率低于（%）", source="", unit="%")
    deduction = points(0, label="扣分", source="")
    strict = flag(True, label="严格低于（等于时不扣）", source="")
    nothing_submitted = flag(True, label="本期未报送按采用率0计", source="")
    when = condition("适用单位")


class RateThreshold(RuleKind):
    """采用率门槛: a deduction when the period's adoption rate is below a threshold."""
    name = "rate_threshold"
    reads_state = False
    title = "采用率门槛"
    description = ("本期报送稿件中到期末已被采用的比例低于门槛时扣分（采用率按四位小数、四舍五入）；"
                   "未报送的单位可按采用率0计。")
    params_schema = RateThresholdParams

    def lines(self, data, rule, state):
        params = rule.params
        match = Match(params["when"], data)
        threshold = params["below"] / Decimal(100)
        for uid, unit in sorted(data.units.items()):
            if not match.unit(unit) or not params["deduction"]:
                continue
            submitted = data.submission_counts.get(uid, 0)
            if not submitted and not params["nothing_submitted"]:
                continue
            rate = adoption_rate(data.adopted_counts.get(uid, 0), submitted)
            low = rate < threshold if params["strict"] else rate <= threshold
            if low:
                yield Line(rule.name, say("{when}采用率{rate}（{adopted}/{submitted}），低于{below}%，"
                                          "扣{amount}", when=period_words(data.period),
                                          rate=percent(rate), adopted=data.adopted_counts.get(uid, 0),
                                          submitted=submitted, below=fmt(params["below"]),
                                          amount=rule.words(params["deduction"])),
                           *rule.amount(-params["deduction"]), unit=uid,
                           ref=f"rate:{uid}:{data.period.label}")


# ---------------------------------------------------------------- months without an adoption

def today():
    """The schemes' calendar day (China Standard Time); months after it are not watched yet."""
    return now().date()


class AdoptionWatchParams(ParamsSchema):
    months = integer(3, minimum=1, unit="个月", label="连续采用为零达到的月数", source="")
    advice = fields.String(load_default="", validate=validate.Length(max=100, error="最多100个字"),
                           metadata={"label": "提示建议（写在说明之后）", "unit": "", "source": ""})
    when = condition("适用单位")


def _month_span(run):
    """2025年2月至5月, or 2025年11月至2026年2月 across a year's end."""
    (year, first), (last_year, last) = run[0], run[-1]
    if last_year == year:
        return say("{year}年{first}月至{last}月", year=year, first=first, last=last)
    return say("{year}年{first}月至{last_year}年{last}月", year=year, first=first, last_year=last_year,
               last=last)


class AdoptionWatch(RuleKind):
    """连续无采用提示: a flag (no points) for each run of N or more months of the period, up to
    today, in which none of a unit's items was adopted (a forward is no adoption)."""
    name = "adoption_watch"
    reads_state = False
    title = "连续无采用提示"
    description = ("适用单位在本期内连续若干个月没有稿件被采用（上报不算采用）的，每段连续月份提示一次，"
                   "不计分（例如直报点连续3个月采用为零，建议调整）；尚未开始的月份不计。")
    params_schema = AdoptionWatchParams

    def lines(self, data, rule, state):
        params, period = rule.params, data.period
        match = Match(params["when"], data)
        last_day = min(period.end, today())
        months = [(y, m) for y, m in period.months() if datetime.date(y, m, 1) <= last_day]
        watched = [(uid, unit) for uid, unit in sorted(data.units.items()) if match.unit(unit)]
        if not months or not watched:
            return
        adopted = defaultdict(int)
        items = data.items
        for adoption in data.adoptions:
            if is_adopted(adoption.form):
                month = (adoption.adopted_on.year, adoption.adopted_on.month)
                for uid in items[adoption.item].units:
                    adopted[(uid, month)] += 1
        advice = params["advice"]
        for uid, _unit in watched:
            run = []
            for month in months + [None]:
                if month is not None and not adopted[(uid, month)]:
                    run.append(month)
                    continue
                if len(run) >= params["months"]:
                    year, first = run[0]
                    span = _month_span(run)
                    said = say("{span}连续{months}个月采用为零，{advice}", span=span, months=len(run),
                               advice=advice) if advice else \
                        say("{span}连续{months}个月采用为零", span=span, months=len(run))
                    yield Flag(rule.name, said,
                               unit=uid, ref=f"{rule.name}:{uid}:{year}-{first:02d}")
                run = []

    def tallies(self, data, rule):
        """A flag carries no points: a preview, which totals points, leaves it out."""
        return ()
