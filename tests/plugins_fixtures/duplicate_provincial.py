"""A plugin whose rule set takes the name of the built-in `provincial`."""

from kaohe.plugins import ParamsSchema, RuleSet, hookimpl


class Copycat(RuleSet):
    name = "provincial"
    title = "仿冒的省级计分"
    version = "1"
    params_schema = ParamsSchema

    def compute(self, data, params):
        return []


@hookimpl
def kaohe_rulesets():
    return [Copycat()]
