"""Commands for accounts: create users and issue API tokens."""

import sys

import click

from kaohe.cli.base import boxed, cli
from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import Unit


@cli.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "clerk", "reporter", "viewer"]),
              help="角色：admin 管理员、clerk 录入员、reporter 单位信息员、viewer 查阅者。Role.")
@click.option("--unit", "unit_code", help="所属单位代码（单位信息员必填）。Unit code (reporters).")
def create_user_(username, role, unit_code):
    """创建账号，密码从标准输入读取。Create an account; the password is read from standard input.

    在终端上输入两次（不回显）；通过管道传入时读取第一行。
    On a terminal it is asked twice, hidden; piped, the first line is read.
    """
    from kaohe.admin.auth import create_user
    unit = None
    if unit_code:
        unit = Unit.get_or_none(Unit.code == unit_code)
        if unit is None:
            raise KaoheError(f"找不到单位代码「{unit_code}」")
    if sys.stdin.isatty():
        password = click.prompt("密码 Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    create_tables()
    try:
        user = create_user(username, password, role, unit=unit, actor="kaohe create-user")
    except ValueError as error:
        raise KaoheError(str(error)) from None
    click.echo(f"已创建账号「{user.username}」（{user.role}）。")


@cli.command("token")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="只吊销现有令牌，不生成新令牌。Revoke only.")
def token(username, revoke):
    """为账号生成 API 令牌（只显示一次），旧令牌随即失效。Issue an API token for an account.

    令牌以 Authorization: Bearer <令牌> 调用 /api/v1/，权限与账号的角色相同。
    The token is printed once; the previous one stops working. Use it as a Bearer token.
    """
    from kaohe.core.storage import audit
    from kaohe.core.storage.tokens import get_user, issue_token, revoke_token
    user = get_user(username)
    if revoke:
        with dbmod.db.atomic():
            had = revoke_token(user)
            if had:
                audit.record("kaohe token", "account.token_revoke", "user", user.id,
                             summary=say("吊销账号「{username}」的接口令牌", username=user.username))
        click.echo(f"已吊销账号「{user.username}」的令牌。" if had else f"账号「{user.username}」没有令牌。")
        return
    if not user.active:
        raise KaoheError(f"账号「{user.username}」已停用，不能生成令牌")
    with dbmod.db.atomic():
        issued = issue_token(user)
        audit.record("kaohe token", "account.token", "user", user.id,
                     summary=say("为账号「{username}」签发接口令牌（旧令牌失效）", username=user.username))
    click.echo(f"账号「{user.username}」（{user.role}）的新令牌（只显示这一次，请妥善保存；旧令牌已失效）：",
               err=True)
    click.echo(issued)


@cli.command("reset-password")
@click.argument("username")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="从标准输入读取新密码（第一行），不自动生成。Read the new password from standard input.")
def reset_password(username, from_stdin):
    """重设账号的密码：默认生成随机密码并只显示一次。Reset an account's password.

    忘记管理员密码时在服务器上运行：kaohe reset-password admin。
    The new password is random and shown once, unless --stdin gives one. The account is enabled
    again and its failed logins are forgotten; the change is written to the audit log.
    """
    import secrets

    from kaohe.admin.auth import forget_failures, hash_password
    from kaohe.core.storage import audit
    from kaohe.core.storage.models import User
    user = User.get_or_none(User.username == username)
    if user is None:
        raise KaoheError(f"没有用户名为「{username}」的账号（kaohe create-user 可新建）")
    password = sys.stdin.readline().rstrip("\r\n") if from_stdin else secrets.token_urlsafe(12)
    if len(password) < 8:
        raise KaoheError("密码至少8位")
    with dbmod.db.atomic():
        User.update(password_hash=hash_password(password), active=True).where(
            User.id == user.id).execute()
        audit.record("kaohe reset-password", "account.password", "user", user.id,
                     summary=say("重设账号「{username}」的密码", username=user.username))
        forget_failures(user.username)
    if from_stdin:
        click.echo(f"已重设账号「{user.username}」的密码。")
    else:
        click.echo(boxed([f"已重设账号「{user.username}」的密码，新密码（只显示这一次，请记下）：", password]))
