"""A plugin whose kaohe_rulesets raises."""

from kaohe.plugins import hookimpl


@hookimpl
def kaohe_rulesets():
    raise RuntimeError("配置文件缺失")
