"""A rule set that never finishes (`hangs`): a recalculation must stop it at its time limit."""

import time

from kaohe.plugins import RuleSet, hookimpl


class Hangs(RuleSet):
    name = "hangs"
    title = "不会结束的规则集"
    version = "1.0"

    def compute(self, data, params):
        while True:
            time.sleep(0.05)


@hookimpl
def kaohe_rulesets():
    return [Hangs()]
