"""A plugin whose rule set is sound but whose command and panel hooks raise."""

from kaohe.plugins import hookimpl


@hookimpl
def kaohe_commands(cli):
    raise RuntimeError("命令注册失败")


@hookimpl
def kaohe_admin_views(app):
    raise RuntimeError("页面注册失败")
