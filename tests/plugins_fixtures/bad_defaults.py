"""A plugin whose parameter default fails its own validation (a negative amount)."""

from kaohe.plugins import ParamsSchema, RuleSet, hookimpl, points


class BadParams(ParamsSchema):
    bonus = points(-5, label="加分", source="测试用")


class BadDefaults(RuleSet):
    name = "bad_defaults"
    title = "默认值无效"
    version = "1"
    params_schema = BadParams

    def compute(self, data, params):
        return []


@hookimpl
def kaohe_rulesets():
    return [BadDefaults()]
