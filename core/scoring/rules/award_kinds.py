"""The rule kinds that decide who may be awarded: a veto (取消评先资格) by how often earlier rows
named a unit, or by a quota it missed."""

from marshmallow import fields

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.params import ParamsSchema, flag, integer
from kaohe.core.domain.periods import PERIOD_KINDS
from kaohe.core.domain.sentences import listing, say
from kaohe.core.scoring.contract import Veto
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.kind import RuleKind
from kaohe.core.scoring.rules.unit_kinds import period_words


class VetoParams(ParamsSchema):
    of = words("计次的规则（规则名：这些规则每给本单位一条计分说明计1次）")
    at_least = integer(1, minimum=1, unit="次", label="达到次数即取消", source="")
    deductions_only = flag(False, label="只计扣分的说明", source="")
    unless = fields.String(load_default="", metadata={
        "label": "未完成此任务规则即取消（quota 规则名，不填为不看任务）", "unit": "", "source": ""})
    periods = words("仅在这些期间计算（不填为每个期间）", PERIOD_KINDS)
    when = condition("适用单位")


class VetoByCount(RuleKind):
    """取消评先资格: a veto (一票否决) of the unit when the named earlier rows gave it at least N
    lines in the period (3 次迟报, 2 次约稿未报, any 不实信息), or when it missed a quota row."""
    name = "veto"
    title = "取消评先资格（一票否决）"
    description = ("所列规则（排在本规则之前）本期给单位的计分说明达到规定次数（例如迟报3次、约稿未报送"
                   "2次、报送不实信息1次），或单位未完成所列任务规则的，取消其当年评先资格（一票否决），"
                   "不计分；记录为0分的说明（如重大差错）也计次。评先与等次不再考虑该单位。")
    params_schema = VetoParams

    def lines(self, data, rule, state):
        params = rule.params
        if params["periods"] and data.period.kind not in params["periods"]:
            return
        named, gate = list(params["of"]), params["unless"].strip()
        if not named and not gate:
            raise KaoheError(say("规则「{rule}」应填写计次的规则（of）或任务规则（unless）", rule=rule.name))
        order = list(state.rules)
        for name, field in [(n, "of") for n in named] + ([(gate, "unless")] if gate else []):
            if name not in state.rules:
                raise KaoheError(say("规则「{rule}」的{field}：规则「{name}」不存在",
                    rule=rule.name, field=field, name=name))
            if order.index(name) > order.index(rule.name):
                raise KaoheError(say("规则「{rule}」应排在它所看的规则「{name}」之后",
                    rule=rule.name, name=name))
        labels = [state.rules[name].label for name in named]
        counted = labels[0] if len(labels) == 1 else say("{labels}共", labels=listing(labels, "、"))
        met = state.gates.get(gate, {})
        match = Match(params["when"], data)
        at_least, when = params["at_least"], period_words(data.period)
        for uid, unit in sorted(data.units.items()):
            if not match.unit(unit):
                continue
            reasons = []
            n = state.lines_of(uid, set(named), params["deductions_only"]) if named else 0
            if named and n >= at_least:
                reasons.append(say("{when}{counted}{n}次，达到{at_least}次", when=when, counted=counted,
                                   n=n, at_least=at_least) if at_least > 1 else
                               say("{when}{counted}{n}次", when=when, counted=counted, n=n))
            if gate and met.get(uid) is False:
                reasons.append(say("{when}未完成{task}", when=when, task=state.rules[gate].label))
            if reasons:
                said = listing(reasons, "；")
                # 「…，一票否决」 is said as the urgent rules say it, so that the ranking drops it.
                said = say("{reason}，一票否决", reason=said) if rule.label == "一票否决" else \
                    say("{reasons}，{label}", reasons=said, label=rule.label)
                yield Veto(rule.name, said, unit=uid,
                           ref=f"veto:{rule.name}:{uid}:{data.period.label}")
