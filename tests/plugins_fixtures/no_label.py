"""A plugin with a parameter that has no Chinese label."""

from marshmallow import fields

from kaohe.plugins import ParamsSchema, RuleSet, hookimpl


class UnlabelledParams(ParamsSchema):
    bonus = fields.Integer(load_default=3)


class NoLabel(RuleSet):
    name = "no_label"
    title = "参数无说明"
    version = "1"
    params_schema = UnlabelledParams

    def compute(self, data, params):
        return []


@hookimpl
def kaohe_rulesets():
    return [NoLabel()]
