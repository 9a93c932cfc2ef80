"""A plugin that misspells the hook's name."""

from kaohe.plugins import hookimpl


@hookimpl
def kaohe_rulesetz():
    return []
