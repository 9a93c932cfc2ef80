"""A plugin that misspells the hook's name."""

from plugins import hookimpl


@hookimpl
def kaohe_rulesetz():
    return []
