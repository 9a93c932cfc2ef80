"""The rule kinds that score units as a whole: quotas, the office's adjustments, adoption-rate thresholds."""

from decimal import Decimal

from kaohe.core.domain.vocab import UNIT_KINDS, fmt, percent
from kaohe.core.scoring.contract import Line
from kaohe.core.domain.params import ParamsSchema, choice, flag, points, table
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.kind import ZERO, RuleKind
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
    when = condition("适用单位")


class Quota(RuleKind):
    """报送/采用任务: the period's count against its target, per missing or extra item, or a gate."""
    name = "quota"
    title = "报送/采用任务"
    description = ("本期报送（或采用）篇数与任务相比：每少1篇扣分、每多1篇加分，或完成计分、未完成扣分"
                   "（门槛）；任务取导入的目标任务，或按单位类型设定。其后的规则可按是否完成任务清零。")
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
        match = Match(params["when"], data)
        counts = data.submission_counts if params["measure"] == "submissions" \
            else data.adopted_counts
        word, when = MEASURES[params["measure"]], period_words(data.period)
        for uid, unit in sorted(data.units.items()):
            if not match.unit(unit):
                continue
            target = self.target_of(data, rule, unit)
            if target is None:
                continue
            count = counts.get(uid, 0)
            state.gates[rule.name][uid] = count >= target
            said = f"{when}{word}{count}篇，{word}任务{target}篇"
            ref = f"quota:{uid}:{data.period.label}"
            gap = count - target
            if gap < 0 and params["per_missing"]:
                value = params["per_missing"] * gap
                yield Line(rule.name, f"{said}，少{-gap}篇，每篇扣{rule.words(params['per_missing'])}"
                                      f"，扣{rule.words(-value)}", *rule.amount(value), unit=uid,
                           ref=ref)
            if gap > 0 and params["per_extra"]:
                value = params["per_extra"] * gap
                yield Line(rule.name, f"{said}，多{gap}篇，每篇加{rule.words(params['per_extra'])}"
                                      f"，加{rule.words(value)}", *rule.amount(value), unit=uid,
                           ref=ref)
            if gap >= 0 and params["met"]:
                yield Line(rule.name, f"{said}，完成任务，计{rule.words(params['met'])}",
                           *rule.amount(params["met"]), unit=uid, ref=ref)
            if gap < 0 and params["missed"]:
                yield Line(rule.name, f"{said}，未完成任务，扣{rule.words(params['missed'])}",
                           *rule.amount(-params["missed"]), unit=uid, ref=ref)


# ---------------------------------------------------------------- the office's adjustments

class AdjustmentParams(ParamsSchema):
    kinds = words("类别（不填为全部）")
    each = points(0, label="每次分值（0 为按记录的分值）", source="", minimum=None)


class Adjustment(RuleKind):
    """加减分: the office's recorded rows, chosen by 类别."""
    name = "adjustment"
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
            amount = "、".join(part for part in (
                f"{fmt(points_)}分" if points_ else "", f"{fmt(yuan)}元" if yuan else "") if part)
            kind = f"（{row.kind}）" if row.kind else ""
            yield Line(rule.name, f"{date_words(row.date)}{row.reason}{kind}，计{amount or '0分'}",
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
                yield Line(rule.name, f"{period_words(data.period)}采用率{percent(rate)}"
                                      f"（{data.adopted_counts.get(uid, 0)}/{submitted}），低于"
                                      f"{fmt(params['below'])}%，扣{rule.words(params['deduction'])}",
                           *rule.amount(-params["deduction"]), unit=uid,
                           ref=f"rate:{uid}:{data.period.label}")
