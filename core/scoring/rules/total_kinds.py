"""The total-level rule kinds: a base with a floor, caps, zeroing by a missed quota, averages per item, bands."""

from decimal import Decimal

from marshmallow import fields, validate

from kaohe.core.domain.params import ParamsSchema, points, records, table
from kaohe.core.domain.sentences import listing, say
from kaohe.core.domain.vocab import UNIT_KINDS, ZERO, fmt, money
from kaohe.core.scoring.contract import Line
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.kind import RuleKind


def rule_names(label):
    """The names of earlier rule rows (empty: every row before this one)."""
    return words(label)


class _Total(RuleKind):
    """A total-level kind: it reads the sums of the rows before it (``state``)."""
    total_level = True

    def units(self, data, rule):
        match = Match(rule.params.get("when"), data)
        return [(uid, unit) for uid, unit in sorted(data.units.items()) if match.unit(unit)]


# ---------------------------------------------------------------- base score with a floor

class BaseFloorParams(ParamsSchema):
    base = points(0, label="基础分", source="")
    floor = points(0, label="扣分下限（扣完为止）", source="", minimum=None)
    deductions_of = rule_names("扣分来自的规则（不填为此前全部规则的扣分）")
    when = condition("适用单位")


class BaseFloor(_Total):
    """基础分（扣完为止）: a base score that deductions take down to a floor, additions on top."""
    name = "base_floor"
    title = "基础分（扣完为止）"
    description = ("每个单位本期先得基础分；所列规则的扣分从基础分中扣除，扣到下限为止（扣完为止），"
                   "加分另计，不受下限影响：得分 = max(下限, 基础分 − 扣分) + 加分。")
    params_schema = BaseFloorParams

    def lines(self, data, rule, state):
        base, floor = rule.params["base"], rule.params["floor"]
        named = set(rule.params["deductions_of"])
        for uid, _unit in self.units(data, rule):
            ref = f"base:{uid}:{data.period.label}"
            if base:
                yield Line(rule.name, say("基础分{base}分", base=fmt(base)), points=base, unit=uid, ref=ref)
            deducted = -state.sum_of(uid, named, sign=-1)
            excess = deducted - (base - floor)
            if excess > 0:
                yield Line(rule.name, say("扣分{deducted}分超过基础分{base}分，扣至{floor}分为止，"
                                          "超出的{excess}分不扣", deducted=fmt(deducted), base=fmt(base),
                                          floor=fmt(floor), excess=fmt(excess)),
                           points=excess, unit=uid, ref=f"floor:{uid}:{data.period.label}")


# ---------------------------------------------------------------- caps

class CapParams(ParamsSchema):
    of = rule_names("封顶的规则（不填为此前全部规则）")
    maximum = points(0, label="最多计（封顶）", source="", minimum=None)
    minimum = fields.Decimal(places=2, as_string=True, load_default=None, allow_none=True,
                             metadata={"label": "最少计（扣分下限，不填为不限）", "unit": "分",
                                       "source": ""})
    when = condition("适用单位")


class Cap(_Total):
    """封顶/保底: the named rows' sum held between a maximum and a minimum."""
    name = "cap"
    title = "封顶/保底"
    description = "所列规则的得分合计超过上限时按上限计（封顶），低于下限时按下限计。"
    params_schema = CapParams

    def lines(self, data, rule, state):
        named = set(rule.params["of"])
        top, bottom = rule.params["maximum"], rule.params["minimum"]
        what = listing(named, "、") if named else say("此前各项")
        for uid, _unit in self.units(data, rule):
            total = state.sum_of(uid, named)
            if total > top:
                yield Line(rule.name, say("{what}合计{total}分，最多计{top}分，超出的{excess}分不计",
                                          what=what, total=fmt(total), top=fmt(top),
                                          excess=fmt(total - top)),
                           points=top - total, unit=uid, ref=f"cap:{uid}:{data.period.label}")
            elif bottom is not None and total < bottom:
                yield Line(rule.name, say("{what}合计{total}分，最少计{bottom}分", what=what,
                                          total=fmt(total), bottom=fmt(bottom)),
                           points=money(bottom) - total, unit=uid,
                           ref=f"cap:{uid}:{data.period.label}")


# ---------------------------------------------------------------- zeroed by a missed gate

class ZeroOutParams(ParamsSchema):
    of = rule_names("清零的规则（不填为此前全部规则）")
    unless = fields.String(load_default="quota", validate=validate.Length(min=1, max=100),
                           metadata={"label": "须完成的任务规则（quota 规则名）", "unit": "",
                                     "source": ""})
    when = condition("适用单位")


class ZeroOut(_Total):
    """未完成任务清零: the named rows' points zeroed for a unit that missed a quota row."""
    name = "zero_out"
    title = "未完成任务清零"
    description = "所列任务规则未完成的单位，所列规则的得分清零。"
    params_schema = ZeroOutParams

    def lines(self, data, rule, state):
        named, gate = set(rule.params["of"]), rule.params["unless"]
        met = state.gates.get(gate, {})
        for uid, _unit in self.units(data, rule):
            if met.get(uid, True):
                continue
            total = state.sum_of(uid, named)
            if total:
                yield Line(rule.name, say("未完成任务（{gate}），{total}分按0计", gate=gate,
                                          total=fmt(total)),
                           points=-total, unit=uid, ref=f"zero:{uid}:{data.period.label}")


# ---------------------------------------------------------------- a percentage deduction

class PercentDeductionParams(ParamsSchema):
    of = rule_names("扣减的规则（不填为此前全部规则）")
    percent = points(0, label="扣减比例（%）", source="", unit="%")
    unless = fields.String(load_default="", metadata={
        "label": "仅当未完成此任务规则时（不填为总是）", "unit": "", "source": ""})
    when = condition("适用单位")


class PercentDeduction(_Total):
    """按比例扣减: a percentage off the named rows' sum."""
    name = "percent_deduction"
    title = "按比例扣减"
    description = "所列规则得分按比例扣减（可限于未完成某项任务的单位）。"
    params_schema = PercentDeductionParams

    def lines(self, data, rule, state):
        named, share = set(rule.params["of"]), rule.params["percent"]
        gate = rule.params["unless"]
        for uid, _unit in self.units(data, rule):
            if gate and state.gates.get(gate, {}).get(uid, True):
                continue
            total = state.sum_of(uid, named)
            cut = money(total * share / Decimal(100))
            if cut:
                yield Line(rule.name, say("{total}分按{share}%扣减，扣{cut}分", total=fmt(total),
                                          share=fmt(share), cut=fmt(cut)),
                           points=-cut, unit=uid, ref=f"percent:{uid}:{data.period.label}")


# ---------------------------------------------------------------- average per item

class PerItemAverageParams(ParamsSchema):
    of = rule_names("平均的规则（不填为此前全部规则）")
    when = condition("适用单位")


class PerItemAverage(_Total):
    """按篇平均: the named rows' sum divided by the number of items they scored."""
    name = "per_item_average"
    title = "按篇平均"
    description = "所列规则的得分合计除以计分稿件篇数（四舍五入到分），作为这些规则的得分。"
    params_schema = PerItemAverageParams

    def lines(self, data, rule, state):
        named = set(rule.params["of"])
        for uid, _unit in self.units(data, rule):
            counted = len(state.items_of(uid, named))
            total = state.sum_of(uid, named)
            if counted > 1:
                average = money(total / counted)
                yield Line(rule.name, say("{count}篇稿件合计{total}分，按篇平均为{average}分",
                                          count=counted, total=fmt(total), average=fmt(average)),
                           points=average - total, unit=uid, ref=f"average:{uid}:{data.period.label}")


# ---------------------------------------------------------------- a target in points

class PointsTargetParams(ParamsSchema):
    of = rule_names("计入目标的规则（不填为此前全部规则）")
    fixed = table(UNIT_KINDS, {}, label="目标分值（按单位类型）", source="")
    met = points(0, label="达到目标计", source="")
    missed = points(0, label="未达到目标扣", source="")
    per_missing = points(0, label="每差1分扣", source="")
    when = condition("适用单位")


class PointsTarget(_Total):
    """目标分值: the named rows' points against a target in points, by unit kind; reaching it
    gives points (or is a gate for later rows), each point short may cost points."""
    name = "points_target"
    title = "目标分值（以分计的任务）"
    description = ("所列规则的得分合计与按单位类型设定的目标分值相比：达到目标的计分，未达到的扣分，"
                   "或每差1分扣分；其后的规则可按是否达到目标清零、取消评先（与报送任务相同）。")
    params_schema = PointsTargetParams

    def lines(self, data, rule, state):
        named, params = set(rule.params["of"]), rule.params
        for uid, unit in self.units(data, rule):
            target = params["fixed"].get(unit.kind, ZERO)
            if not target:
                continue
            total = state.sum_of(uid, named)
            state.gates[rule.name][uid] = total >= target
            said = say("得分{total}分，目标{target}分", total=fmt(total), target=fmt(target))
            ref = f"target:{uid}:{data.period.label}"
            if total >= target and params["met"]:
                yield Line(rule.name, say("{said}，达到目标，计{amount}", said=said,
                                          amount=rule.words(params["met"])),
                           *rule.amount(params["met"]), unit=uid, ref=ref)
            elif total < target:
                cut = params["missed"] + money(params["per_missing"] * (target - total))
                if cut:
                    said = say("{said}，未达到目标，每差1分扣{per}分，差{gap}分，扣{amount}", said=said,
                               per=fmt(params["per_missing"]), gap=fmt(target - total),
                               amount=rule.words(cut)) if params["per_missing"] else \
                        say("{said}，未达到目标，扣{amount}", said=said, amount=rule.words(cut))
                    yield Line(rule.name, said,
                               *rule.amount(-cut), unit=uid, ref=ref)


# ---------------------------------------------------------------- banded conversion

class Band(ParamsSchema):
    at_least = points(0, label="得分不低于", source="", minimum=None)
    points = points(0, label="折算为", source="", minimum=None)


class BandedConversionParams(ParamsSchema):
    bands = records(Band, [], label="分档（按得分从高到低，取第一档）", source="")
    when = condition("适用单位")


class BandedConversion(_Total):
    """分档折算: the total so far converted to the points of the first band it reaches."""
    name = "banded_conversion"
    title = "分档折算"
    description = "此前各项得分合计按分档折算为一个分值（例如 ≥90 分计 4 分，≥60 分计 3 分）。"
    params_schema = BandedConversionParams

    def lines(self, data, rule, state):
        bands = sorted(rule.params["bands"], key=lambda b: -b["at_least"])
        for uid, _unit in self.units(data, rule):
            total = state.sum_of(uid, set())
            for band in bands:
                if total >= band["at_least"]:
                    yield Line(rule.name, say("合计{total}分，不低于{at_least}分，折算为{points}分",
                                              total=fmt(total), at_least=fmt(band["at_least"]),
                                              points=fmt(band["points"])),
                               points=band["points"] - total, unit=uid,
                               ref=f"band:{uid}:{data.period.label}")
                    break
