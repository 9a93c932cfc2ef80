"""A sound plugin: rule set `tidy`, one point per item submitted."""

from decimal import Decimal

from kaohe.plugins import Line, ParamsSchema, RuleSet, hookimpl, points


class TidyParams(ParamsSchema):
    per_item = points(1, label="每篇报送计分", source="测试用")


class Tidy(RuleSet):
    name = "tidy"
    title = "测试规则集"
    version = "1.0"
    params_schema = TidyParams

    def compute(self, data, params):
        for unit_id, count in sorted(data.submission_counts.items()):
            yield Line("submitted", f"报送{count}篇，每篇计{params['per_item']}分",
                       points=Decimal(params["per_item"]) * count, unit=unit_id)


@hookimpl
def kaohe_rulesets():
    return [Tidy()]
