"""`county_bonus` 县区加分: the provincial top-county list bonus and the negative-feedback bonus."""

from kaohe.plugins import ParamsSchema, Preset, hookimpl, integer, joint_split, points

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


class CountyBonus(Preset):
    """Two preset rows: the top-list bonus (`unit_fact`: a county's recorded provincial rank
    within the top N, in a whole-year run) and the negative feedback bonus (`item_points`: a
    first adoption of a negative-feedback item)."""
    name = "county_bonus"
    title = "县区加分"
    version = "1.0"
    description = ("全省县域排名进入前50位的县（市、区）年度总分加50分（仅在全年计算时加）；"
                   "负反馈（报忧）信息被采用，每篇加3分，按首次采用日期计入期间，合报平均分配。")
    params_schema = CountyBonusParams
    # The unit facts this rule set reads (单位事实), by code, with the label the panel shows.
    facts = {RANK_FACT: "全省县域排名"}

    def rows(self, params):
        return [{"kind": "unit_fact", "name": "top_list", "label": "全省县域排名加分",
                 "source": SOURCE, "params": {
                     "fact": RANK_FACT, "fact_label": self.facts[RANK_FACT], "reading": "rank",
                     "bound": str(params["top_rank"]), "points": str(params["top_bonus"]),
                     "full_year_only": True, "when": {"unit_kinds": ["county"]}}},
                {"kind": "item_points", "name": "negative_feedback", "label": "负反馈信息",
                 "source": SOURCE, "params": {"counts": "first_adoption", "when": {"negative": True},
                                              "table": [{"points": str(params["negative_bonus"])}]}}]


@hookimpl
def kaohe_rulesets():
    return [CountyBonus()]
