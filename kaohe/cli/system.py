"""Commands for the installation: plugins, the demo data, the first start and the server."""

import sys

import click

from kaohe.cli.base import boxed, cli, echo_json, pass_state, progress_bar, render_table
from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.vocab import LEVELS
from kaohe.core.storage import schemes
from kaohe.core.storage.migrations import create_tables
from kaohe.core.storage.models import Unit


@cli.command("plugins")
@click.argument("action", required=False, type=click.Choice(["check"]))
@click.argument("scheme_name", required=False)
@click.option("--period", help="核对的期间（默认方案年度）。Period to check (default the year).")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
@pass_state
def plugins_(state, fmt_, action=None, scheme_name=None, period=None):
    """已加载的规则集与插件，以及加载出错的插件；`plugins check 方案` 核对预览与明细是否一致。
    Loaded rule sets and plugin problems; `plugins check SCHEME` checks previews against lines."""
    if action == "check":
        _check_previews(state, scheme_name, period)
        return
    registry = state.registry
    rows = []
    for info in registry.plugins:
        for name in info.rulesets:
            ruleset = registry.rulesets[name]
            rows.append({"name": name, "title": ruleset.title, "version": ruleset.version,
                         "plugin": info.name, "source": info.source, "origin": info.origin})
    problems = [{"plugin": p.name, "source": p.source, "origin": p.origin, "error": p.error}
                for p in registry.problems]
    if fmt_ == "json":
        echo_json({"rulesets": rows, "problems": problems})
    else:
        click.echo(render_table(["规则集", "标题", "版本", "来源", "位置"],
                                [(r["name"], r["title"], r["version"], _SOURCES[r["source"]],
                                  r["origin"]) for r in rows]))
        for problem in problems:
            click.echo(f"\n未加载：{problem['error']}", err=True)
    if problems:
        sys.exit(3)


def _check_previews(state, scheme_name, period):
    from kaohe.core.scoring.engine import check_previews
    if not scheme_name:
        raise click.UsageError("请指明考核方案：kaohe plugins check 方案名称")
    drifts = check_previews(state.registry, schemes.get_scheme(scheme_name), period)
    if not drifts:
        click.echo("各规则集的预览与计分明细一致")
        return
    for name, found in drifts:
        click.echo(f"规则集「{name}」的预览与计分明细不一致（{len(found)}处）：", err=True)
        for line in found[:20]:
            click.echo(f"  {line}", err=True)
    sys.exit(4)


_SOURCES = {"builtin": "内置", "entrypoint": "已安装的包", "folder": "插件目录"}


@cli.command("demo")
@click.option("--units", type=int, help="单位数（默认一个市的规模，约90家）。Number of units.")
@click.option("--items", type=int, help="稿件数（默认约9000篇）。Number of items.")
@click.option("--seed", type=int, default=2025, show_default=True, help="随机种子。Random seed.")
@click.option("--no-recalc", is_flag=True, help="只生成数据，不计算。Build data only.")
@pass_state
def demo(state, units, items, seed, no_recalc):
    """生成演示数据与两个考核方案，并计算全年结果。Build demo data, two schemes, and score them.

    数据库须为空。The database must be empty.
    """
    from kaohe.core.runs.store import recalculate
    from kaohe.demo import build_demo
    create_tables()
    summary = build_demo(state.registry, units=units, items=items, seed=seed,
                         progress=progress_bar)
    click.echo(summary["text"])
    if no_recalc:
        return
    for name in summary["schemes"]:
        outcome = recalculate(state.registry, schemes.get_scheme(name), author="kaohe demo",
                              note="演示数据全年计算", progress=progress_bar)
        click.echo(f"已计算「{name}」{outcome.period.title}：{outcome.run.line_count}条明细，"
                   f"用时 {outcome.seconds:.2f} 秒")


@cli.command("levels", hidden=True)
def levels():
    """列出刊物级别。List publication levels."""
    click.echo(render_table(["代码", "级别"], list(LEVELS.items())))


@cli.command("bootstrap")
@pass_state
def bootstrap(state):
    """首次运行：创建管理员账号（随机密码只显示一次），空库时生成演示数据。First-run set-up.

    已有账号、已有单位时什么也不做。Idempotent: does nothing on a database in use.
    """
    import secrets

    from kaohe.admin.auth import create_user
    from kaohe.core.storage.models import User
    create_tables()
    password = None
    if not User.select().exists():
        password = secrets.token_urlsafe(12)
        create_user("admin", password, "admin", actor="kaohe bootstrap")
    else:
        click.echo("已有账号，未创建管理员。")
    if not Unit.select().exists():
        from kaohe.core.runs.store import recalculate
        from kaohe.demo import build_demo
        summary = build_demo(state.registry, progress=progress_bar)
        click.echo(summary["text"])
        for name in summary["schemes"]:
            outcome = recalculate(state.registry, schemes.get_scheme(name), author="kaohe bootstrap",
                                  note="演示数据全年计算")
            click.echo(f"已计算「{name}」{outcome.period.title}，用时 {outcome.seconds:.2f} 秒")
    else:
        click.echo("已有单位数据，未生成演示数据。")
    if password:
        # last, between rules, so that it is what the office sees before the server starts
        click.echo(boxed(["管理员账号 admin 已创建，初始密码（只显示这一次，请记下）：", password,
                          "忘记密码时：.venv/bin/kaohe reset-password admin"]))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。Host.")
@click.option("--port", default=5000, show_default=True, type=int, help="端口。Port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="处理请求的线程数。Worker threads of this process.")
@click.option("--trusted-proxy", metavar="ADDR",
              help="前置代理（如 nginx）的地址，信任它转发的客户端地址与协议。"
                   "A reverse proxy's address whose X-Forwarded-For/-Proto headers are trusted.")
@click.option("--dev", is_flag=True, help="使用 Flask 开发服务器（不自动重载）。Flask's server.")
def serve(host, port, threads, trusted_proxy, dev):
    """启动管理后台（waitress，多线程）。Serve the admin panel with waitress.

    配置来自 instance/config.py 与环境变量 KAOHE_DATABASE_URL、KAOHE_SECRET_KEY。
    多个进程共用一个 PostgreSQL 库时，各进程用不同端口，前面放 nginx。
    Configuration: instance/config.py, KAOHE_DATABASE_URL and KAOHE_SECRET_KEY.
    """
    from kaohe.admin import create_app
    try:
        app = create_app()
    except OSError as error:  # the instance folder or its secret key cannot be written or read
        raise KaoheError(f"无法准备实例目录：{error.strerror or error}（{error.filename or ''}）。"
                         "请检查 KAOHE_INSTANCE_PATH 指向的目录是否存在且可写") from None
    if dev:
        _refuse_busy_port(host, port)
        click.echo(f"管理后台：http://{host}:{port}/")
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
        return
    import logging

    # waitress says where it listens and warns when requests queue up: show both (journal, log).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = {"host": host, "port": port, "threads": threads, "ident": "kaohe",
               "channel_timeout": 300}
    if trusted_proxy:
        options.update(trusted_proxy=trusted_proxy, trusted_proxy_count=1,
                       trusted_proxy_headers="x-forwarded-for x-forwarded-proto",
                       clear_untrusted_proxy_headers=True)
    from waitress import create_server
    try:
        server = create_server(app, **options)
    except OSError as error:
        raise KaoheError(_port_problem(host, port, error)) from None
    click.echo(f"管理后台：http://{host}:{port}/")
    server.print_listen("Serving on http://{}:{}")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。Stopped.")


def _port_problem(host, port, error):
    import errno
    if error.errno == errno.EADDRINUSE:
        return (f"端口 {port} 已被占用（{host}:{port}，Address already in use）：先停止占用它的程序，"
                f"或换一个端口：kaohe serve --port {port + 1}（make run 时 PORT={port + 1} make run）")
    if error.errno == errno.EACCES:
        return f"没有权限监听 {host}:{port}（{error.strerror}）：请用 1024 以上的端口，例如 --port 5000"
    return f"无法在 {host}:{port} 上启动（{error.strerror or error}）：请检查 --host 与 --port"


def _refuse_busy_port(host, port):
    import socket
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind((host, port))
    except OSError as error:
        raise KaoheError(_port_problem(host, port, error)) from None
    finally:
        probe.close()
