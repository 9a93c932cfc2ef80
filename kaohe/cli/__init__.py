"""The `kaohe` command: set up the database, import, define schemes, recalculate and read results.

Each area's commands live in their own module and attach to the group in `base`; `main` runs a
fresh copy of that group with the plugins' commands added, so a plugin's command exists only in
the command built with that plugin.
"""

import copy
import sys

import click
import peewee

from kaohe.cli import accounts, audit, database, exchange, runs, schemes, system  # noqa: F401 (commands)
from kaohe.cli.base import State, cli, database_error, echo_json, pass_state, render_table
from kaohe.cli.usage import show_usage_error
from kaohe.core.domain.errors import KaoheError

__all__ = ["main", "State", "pass_state", "echo_json", "render_table", "command_group"]


def command_group(registry):
    """The `kaohe` group with the built-in commands and those the plugins of `registry` add."""
    group = copy.copy(cli)
    group.commands = dict(cli.commands)
    registry.hook.kaohe_commands(cli=group)
    return group


def main(argv=None):
    """Run the `kaohe` command; a user's error prints one line and exits 1, a usage error 2."""
    state = State()
    try:
        group = command_group(state.registry)
        group.main(args=argv, prog_name="kaohe", standalone_mode=False, obj=state)
    except KaoheError as error:
        click.echo(f"错误：{error}", err=True)
        sys.exit(1)
    except (peewee.OperationalError, peewee.InterfaceError, peewee.ProgrammingError) as error:
        # a database that cannot be reached, opened or is not set up (not a bug of ours: those
        # keep their traceback)
        click.echo(f"错误：{database_error(error)}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.UsageError as error:
        show_usage_error(error)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("已取消。Aborted.", err=True)
        sys.exit(1)
    return 0
