"""A sound plugin: rule set `tidy`, one point per item submitted."""

from decimal import Decimal

from plugins import Line, RuleSet, hookimpl
from plugins.params import ParamsSchema, points


class TidyParams(ParamsSchema):
    per_item = points(1, label="每篇报送计分", source="测试用")


class Tidy(RuleSet):
    name = "tidy"
    title = "测试规则集"
    version = "1.0"
    params_schema = TidyParams

    def compute(self, data, params):
        for item_id in data.submitted:
            yield Line("submitted", f"报送1篇，计{params['per_item']}分", points=Decimal(params["per_item"]),
                       item=item_id)


@hookimpl
def kaohe_rulesets():
    return [Tidy()]
