"""A plugin whose rule set `sloppy` returns the fault its `fault` parameter names, or raises."""

from decimal import Decimal

from kaohe.plugins import Line, ParamsSchema, RuleSet, choice, hookimpl

FAULTS = {"none": "无", "float": "浮点数分值", "unknown_unit": "未知单位", "unknown_item": "未知稿件",
          "no_explanation": "缺少说明", "raise": "计算出错"}


class FaultyParams(ParamsSchema):
    fault = choice(FAULTS, "none", label="故障", source="测试用")


class Sloppy(RuleSet):
    name = "sloppy"
    title = "有缺陷的规则集"
    version = "1"
    params_schema = FaultyParams

    def compute(self, data, params):
        fault = params["fault"]
        adopted = sorted({adoption.item for adoption in data.adoptions})
        for item_id in adopted:
            row = data.items[item_id]
            if fault == "raise":
                Decimal(row.category)  # an item's category is not a number
            yield Line("good", "正常计分", points=Decimal("1"), item=item_id)
        if fault == "float":
            yield Line("bad", "浮点数", points=0.1, item=adopted[0])
        elif fault == "unknown_unit":
            yield Line("bad", "未知单位", points=Decimal("1"), unit=999999)
        elif fault == "unknown_item":
            yield Line("bad", "未知稿件", points=Decimal("1"), item=888888)
        elif fault == "no_explanation":
            yield Line("bad", " ", points=Decimal("1"), item=adopted[0])


@hookimpl
def kaohe_rulesets():
    return [Sloppy()]
