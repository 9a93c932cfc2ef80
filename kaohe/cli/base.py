"""The `kaohe` command group, its shared state and the output helpers every command uses."""

import sys
from importlib.metadata import PackageNotFoundError, version

import click

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.progress import NoProgress
from kaohe.core.domain.text import (  # noqa: F401 (kaohe.cli's names)
    display_width,
    echo_json,
    json_default,
    render_table,
)
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


def installed_version():
    try:
        return version("kaohe")
    except PackageNotFoundError:
        return "未安装 not installed"


@click.group(context_settings=CONTEXT)
@click.version_option(installed_version(), "--version", "-V", prog_name="kaohe",
                      message="%(prog)s %(version)s", help="显示版本。Show the version.")
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
    configure_database(database)
    ctx.call_on_close(_close_database)
    if ctx.invoked_subcommand not in SCHEMA_FREE_COMMANDS:
        from kaohe.core.storage.migrations import check_schema
        check_schema()


# Commands that work on a database of any schema version (or need none).
SCHEMA_FREE_COMMANDS = {"init-db", "migrate", "backup", "restore", "plugins", "levels", "template"}


_configured_url = None


def configure_database(url=None):
    """Point the models at `url` (or KAOHE_DATABASE_URL); a URL of no known kind is a one-line error."""
    global _configured_url
    _configured_url = url or dbmod.default_url()
    try:
        return dbmod.configure(url)
    except (RuntimeError, ValueError) as error:
        raise KaoheError(f"数据库地址「{_safe_url(url or dbmod.default_url())}」无法使用（{error}）。"
                         "应为 sqlite:///文件路径 或 postgresql://用户:密码@主机:端口/库名") from None


def _safe_url(url):
    """A database URL without its password, to be printed."""
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def database_error(error):
    """One line for a database that cannot be reached or read, saying what to do."""
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    url = _safe_url(_configured_url or dbmod.default_url())
    if "no such table" in first or ("relation" in first and "does not exist" in first):
        return f"数据库中还没有 Kaohe 的表（{first}），请先运行 kaohe init-db"
    return f"无法连接或读取数据库 {url}：{first}。请检查 KAOHE_DATABASE_URL 或 --database"


def _close_database():
    if not dbmod.db.is_closed():
        dbmod.db.close()


def boxed(lines):
    """Lines set off between two rules wide enough for their Chinese characters.

    No side borders, so that a password line is just the password (to copy it whole).
    """
    rule = "=" * (max(display_width(line) for line in lines) + 4)
    return "\n".join(["", rule, *[f"  {line}" for line in lines], rule, ""])


def money_text(value):
    return f"{value:.2f}"


def progress_bar(label, total):
    """A progress bar on a terminal, silent elsewhere: `with progress_bar(...) as bar: bar.update(n)`."""
    return click.progressbar(length=total, label=label, file=sys.stderr,
                             show_pos=True) if sys.stderr.isatty() else NoProgress()
