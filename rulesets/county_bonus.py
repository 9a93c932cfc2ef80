"""`county_bonus` 县区加分: the provincial top-county list bonus and the negative-feedback bonus."""

from kaohe.core.storage.models import Item
from kaohe.plugins import KaoheError, Line, ParamsSchema, RuleSet, fmt, hookimpl, integer, joint_split, points

from .common import date_words, tallied_lines

SOURCE = "县区政务信息工作考核加分办法"
RANK_FACT = "provincial_county_rank"


class CountyBonusParams(ParamsSchema):
    top_rank = integer(50, minimum=1, unit="名", label="全省县域排名加分的名次线（前N名）",
                       source=f"{SOURCE}第二条：全省县域综合排名进入前50位的县（市、区）年度加分")
    top_bonus = points(50, label="全省县域排名进入前N名加分",
                       source=f"{SOURCE}第二条：进入前50位的县（市、区）年度总分加50分")
    negative_bonus = points(3, label="负反馈信息被采用加分（每篇）",
                            source=f"{SOURCE}第三条：如实反映问题的负反馈（报忧）信息被采用，每篇加3分")
    joint_split = joint_split()


def county_rank(unit, value):
    """The recorded provincial county rank as a whole number, or a clear error naming the unit."""
    text = str(value).strip()
    try:
        rank = int(text)
    except ValueError:
        raise KaoheError(f"单位「{unit.name}」（{unit.code}）的单位事实 {RANK_FACT}（全省县域排名）"
                         f"的值「{value}」不是整数，请在单位事实中改正后重新计算") from None
    if rank < 1:
        raise KaoheError(f"单位「{unit.name}」（{unit.code}）的单位事实 {RANK_FACT}（全省县域排名）"
                         f"的值「{value}」应为不小于1的整数，请改正后重新计算")
    return rank


class CountyBonus(RuleSet):
    name = "county_bonus"
    title = "县区加分"
    version = "1.0"
    description = ("全省县域排名进入前50位的县（市、区）年度总分加50分（仅在全年计算时加）；"
                   "负反馈（报忧）信息被采用，每篇加3分，按首次采用日期计入期间，合报平均分配。")
    params_schema = CountyBonusParams
    # The unit facts this rule set reads (单位事实), by code, with the label the panel shows.
    facts = {RANK_FACT: "全省县域排名"}

    def compute(self, data, params):
        yield from self.top_list(data, params)
        yield from self.negative_feedback(data, params)

    def tallies(self, data, params):
        yield from self.top_list(data, params)
        bonus = params["negative_bonus"]
        if bonus:
            negative = data.tally("negative_first_adoptions",
                                  data.first_adoption_query().where(Item.negative == True))  # noqa: E712
            yield from tallied_lines("negative_feedback", negative, lambda key: bonus)

    def top_list(self, data, params):
        bonus, top = params["top_bonus"], params["top_rank"]
        if not data.period.is_full_year or not bonus:
            return
        for unit in data.units.values():
            if unit.kind != "county":
                continue
            value = data.facts.get((unit.id, RANK_FACT))
            if value is None:
                continue
            rank = county_rank(unit, value)
            if rank > top:
                continue
            yield Line("top_list",
                       f"{data.year}年全省县域排名第{rank}位，进入前{top}位，加{fmt(bonus)}分",
                       points=bonus, unit=unit.id, ref=f"fact:{unit.id}:{RANK_FACT}:{data.year}")

    def negative_feedback(self, data, params):
        bonus = params["negative_bonus"]
        if not bonus:
            return
        items = data.items
        for item_id, first in sorted(data.first_adoption_on.items()):
            if not data.period.contains(first) or not items[item_id].negative:
                continue
            yield Line("negative_feedback",
                       f"负反馈信息{date_words(first)}首次被采用，加{fmt(bonus)}分",
                       points=bonus, item=item_id, ref=f"negative:{item_id}")


@hookimpl
def kaohe_rulesets():
    return [CountyBonus()]
