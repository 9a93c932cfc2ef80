"""`scheme_rules` 方案计分规则: a scheme's own rule rows of any registered kind, in order."""

from kaohe.plugins import SchemeRules, hookimpl


@hookimpl
def kaohe_rulesets():
    return [SchemeRules()]
