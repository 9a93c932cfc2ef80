"""`county_bonus` 县区加分: the provincial top-county list bonus and the negative-feedback bonus."""

import itertools

from kaohe.plugins import KaoheError, Line, ParamsSchema, Preset, fmt, hookimpl, integer, joint_split, points

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


class CountyBonus(Preset):
    """The top-list bonus (a unit fact, its own rule) and a preset `item_points` row: a first
    adoption of a negative-feedback item."""
    name = "county_bonus"
    title = "县区加分"
    version = "1.0"
    description = ("全省县域排名进入前50位的县（市、区）年度总分加50分（仅在全年计算时加）；"
                   "负反馈（报忧）信息被采用，每篇加3分，按首次采用日期计入期间，合报平均分配。")
    params_schema = CountyBonusParams
    # The unit facts this rule set reads (单位事实), by code, with the label the panel shows.
    facts = {RANK_FACT: "全省县域排名"}

    def rows(self, params):
        return [{"kind": "item_points", "name": "negative_feedback", "label": "负反馈信息",
                 "source": SOURCE, "params": {"counts": "first_adoption", "when": {"negative": True},
                                              "table": [{"points": str(params["negative_bonus"])}]}}]

    def compute(self, data, params):
        yield from self.top_list(data, params)
        yield from super().compute(data, params)

    def tallies(self, data, params):
        counted = super().tallies(data, params)
        if counted is None:
            return None
        return itertools.chain(self.top_list(data, params), counted)

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


@hookimpl
def kaohe_rulesets():
    return [CountyBonus()]
