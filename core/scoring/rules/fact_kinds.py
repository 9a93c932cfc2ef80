"""The rule kind that scores a recorded unit fact (单位事实): points to the units whose fact of the
scheme year — a rank such as the provincial county ranking, or a number — is within a bound."""

from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate, validates_schema

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.params import ParamsSchema, choice, flag, points
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import fmt
from kaohe.core.scoring.contract import Line
from kaohe.core.scoring.rules.conditions import Match, condition
from kaohe.core.scoring.rules.kind import RuleKind

READINGS = {"rank": "名次在前N名以内（不大于界限）", "at_least": "数值不低于界限",
            "at_most": "数值不高于界限"}


def _text(label, length):
    return fields.String(load_default="", validate=validate.Length(
        max=length, error=f"最多{length}个字"), metadata={"label": label, "unit": "", "source": ""})


class UnitFactParams(ParamsSchema):
    fact = _text("单位事实的代码（如 provincial_county_rank）", 64)
    fact_label = _text("单位事实的名称（写入计分说明，如 全省县域排名）", 32)
    reading = choice(READINGS, "rank", label="计分条件", source="")
    bound = points(0, label="界限（名次线或数值）", source="", unit="", minimum=None)
    points = points(0, label="计分", source="", minimum=None)
    full_year_only = flag(True, label="仅在全年计算时计分", source="")
    when = condition("适用单位")

    @validates_schema
    def _a_whole_rank_line(self, data, **kwargs):
        bound = data.get("bound")
        if data.get("reading") == "rank" and bound is not None \
                and bound != bound.to_integral_value():
            raise ValidationError(say("名次线应为整数"), field_name="bound")


def fact_value(unit, fact, label, value, rank):
    """The recorded value as a whole number ≥ 1 (`rank`) or a number, or an error naming the unit."""
    named = f"单位「{unit.name}」（{unit.code}）的单位事实 {fact}" + (f"（{label}）" if label else "")
    text = str(value).strip()
    if rank:
        try:
            number = int(text)
        except ValueError:
            raise KaoheError(say("{named}的值「{value}」不是整数，请在单位事实中改正后重新计算",
                named=named, value=value)) from None
        if number < 1:
            raise KaoheError(say("{named}的值「{value}」应为不小于1的整数，请改正后重新计算",
                named=named, value=value))
        return number
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise KaoheError(say("{named}的值「{value}」不是数字，请在单位事实中改正后重新计算",
            named=named, value=value))
    return number


class UnitFact(RuleKind):
    """单位事实计分: points to each unit whose recorded fact of the year is within a bound."""
    name = "unit_fact"
    reads_state = False
    title = "单位事实计分（名次、数值）"
    description = ("按单位事实（导入的单位事实表，本方案年度的值）计分：名次在前N名以内，或数值不低于、"
                   "不高于界限的单位计分（加分或扣分）；可限于全年计算时、限于某些单位类型；"
                   "值不是整数（名次）或数字时，计算停止并指明单位。")
    params_schema = UnitFactParams

    def lines(self, data, rule, state):
        params = rule.params
        amount = params["points"]
        if not amount or (params["full_year_only"] and not data.period.is_full_year):
            return
        fact, label = params["fact"].strip(), params["fact_label"].strip()
        if not fact:
            raise KaoheError(say("规则「{rule}」未填写单位事实的代码（fact）", rule=rule.name))
        reading, bound = params["reading"], params["bound"]
        match = Match(params["when"], data)
        said = label or fact
        change = say("加{amount}", amount=rule.words(amount)) if amount > 0 else \
            say("扣{amount}", amount=rule.words(-amount))
        for uid, unit in sorted(data.units.items()):
            value = data.facts.get((uid, fact))
            if value is None or not match.unit(unit):
                continue
            number = fact_value(unit, fact, label, value, reading == "rank")
            if reading == "rank":
                if number > bound:
                    continue
                why = say("{fact}第{number}位，进入前{bound}位", fact=said, number=number, bound=fmt(bound))
            elif reading == "at_least":
                if number < bound:
                    continue
                why = say("{fact}为{number}，不低于{bound}", fact=said, number=fmt(number), bound=fmt(bound))
            else:
                if number > bound:
                    continue
                why = say("{fact}为{number}，不高于{bound}", fact=said, number=fmt(number), bound=fmt(bound))
            yield Line(rule.name, say("{year}年{why}，{change}", year=data.year, why=why, change=change),
                       *rule.amount(amount), unit=uid,
                       ref=f"fact:{uid}:{fact}:{data.year}")

    def tallies(self, data, rule):
        """The lines read only the year's facts, never an item: they are their own preview."""
        return list(self.lines(data, rule, None))
