"""Commands for the database itself: create, migrate, back up, restore."""

import sys

import click

from kaohe.cli.base import cli
from kaohe.core.domain.errors import KaoheError
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables


@cli.command("init-db")
def init_db():
    """创建数据库表（已存在的表保持不变）。Create the database tables (existing ones are kept)."""
    create_tables()
    click.echo(f"数据库已就绪：{dbmod.db.obj.database}")


@cli.command("migrate")
def migrate_():
    """把数据库结构升级到本程序的版本，数据保持不变。Upgrade the database schema in place.

    升级前请先备份：kaohe backup PATH。Back up first: kaohe backup PATH.
    """
    from kaohe.core.storage.migrations import LATEST, database_version, migrate
    before = database_version()
    applied = migrate(progress=lambda step: click.echo(f"正在升级到第{step.version}版：{step.title}……"))
    if before == 0:
        click.echo(f"已新建数据库，结构为第{LATEST}版。")
    elif applied:
        click.echo(f"数据库结构已从第{before}版升级到第{LATEST}版。Upgraded {before} → {LATEST}.")
    else:
        click.echo(f"数据库结构已是第{LATEST}版，无需升级。Already current.")


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_(path):
    """备份整个数据库到文件（运行中也可备份）。Back up the whole database to a file.

    SQLite 用在线备份；PostgreSQL 调用 pg_dump -Fc。SQLite: online backup; PostgreSQL: pg_dump -Fc.
    """
    from kaohe.core.storage.backup import backup
    info = backup(path)
    click.echo(f"已备份到 {info.path}（{info.engine}，{info.size:,} 字节）。")


@cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="确认覆盖当前数据库。Confirm replacing the database.")
def restore_(path, yes):
    """用备份文件替换当前数据库的全部内容。Replace the database with a backup.

    请先停止 kaohe serve。Stop `kaohe serve` first.
    """
    from kaohe.core.storage.backup import restore
    from kaohe.core.storage.migrations import LATEST, outdated_message
    if not yes:
        if not sys.stdin.isatty():
            raise KaoheError("恢复会用备份覆盖当前数据库的全部数据；确认无误请加 --yes 再运行")
        click.confirm(f"恢复会用「{path}」覆盖当前数据库的全部数据，确定吗？", abort=True)
    version = restore(path)
    click.echo(f"已从 {path} 恢复数据库。Restored.")
    if version != LATEST:
        click.echo(outdated_message(version))
