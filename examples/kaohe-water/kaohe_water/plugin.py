"""The water plugin's hook implementations: its rule set, its `kaohe water` command, its panel page."""

from kaohe.plugins import hookimpl

from .ruleset import Water


@hookimpl
def kaohe_rulesets():
    return [Water()]


@hookimpl
def kaohe_commands(cli):
    from .commands import water
    cli.add_command(water)


@hookimpl
def kaohe_admin_views(app):
    from .admin import WeeklyQuotaView, register_templates
    register_templates(app)
    return [WeeklyQuotaView(name="每周报送任务", endpoint="water_quota", category="水利系统")]
