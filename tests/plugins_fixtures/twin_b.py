"""One of two plugins that both register a rule set named `twin`."""

from kaohe.plugins import ParamsSchema, RuleSet, hookimpl


class Twin(RuleSet):
    name = "twin"
    title = "双胞胎b"
    version = "1"
    params_schema = ParamsSchema

    def compute(self, data, params):
        return []


@hookimpl
def kaohe_rulesets():
    return [Twin()]
