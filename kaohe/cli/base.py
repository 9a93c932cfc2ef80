"""The `kaohe` command group, its shared state and the output helpers every command uses."""

import sys

import click

from kaohe.core.domain.progress import NoProgress
from kaohe.core.domain.text import echo_json, json_default, render_table  # noqa: F401 (kaohe.cli's names)
from kaohe.core.storage import db as dbmod

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class State:
    """What every subcommand shares: the plugin registry, built once per process."""

    def __init__(self, registry=None):
        self._registry = registry

    @property
    def registry(self):
        if self._registry is None:
            from kaohe.plugins.manager import build_registry
            self._registry = build_registry()
        return self._registry


pass_state = click.make_pass_decorator(State, ensure=True)


@click.group(context_settings=CONTEXT)
@click.option("--database", envvar="KAOHE_DATABASE_URL", metavar="URL",
              help="数据库地址（默认 instance/kaohe.sqlite3）。Database URL (sqlite:///… or postgresql://…).")
@click.pass_context
def cli(ctx, database):
    """Kaohe 政务信息考核计分。Kaohe: scoring government information work.

    \b
    常用流程 Typical cycle:
      kaohe init-db
      kaohe import 单位.csv 稿件.xlsx
      kaohe scheme create 市政府系统 --year 2025 --rulesets provincial,county_bonus,urgent_penalty
      kaohe recalc 市政府系统 --period 2025-03
      kaohe ranking 市政府系统 --period 2025-03
    """
    ctx.ensure_object(State)
    dbmod.configure(database)
    ctx.call_on_close(_close_database)
    if ctx.invoked_subcommand not in SCHEMA_FREE_COMMANDS:
        from kaohe.core.storage.migrations import check_schema
        check_schema()


# Commands that work on a database of any schema version (or need none).
SCHEMA_FREE_COMMANDS = {"init-db", "migrate", "backup", "restore", "plugins", "levels", "template"}


def _close_database():
    if not dbmod.db.is_closed():
        dbmod.db.close()


def money_text(value):
    return f"{value:.2f}"


def progress_bar(label, total):
    """A progress bar on a terminal, silent elsewhere: `with progress_bar(...) as bar: bar.update(n)`."""
    return click.progressbar(length=total, label=label, file=sys.stderr,
                             show_pos=True) if sys.stderr.isatty() else NoProgress()
