"""The `kaohe` command: set up the database, import, define schemes, recalculate and read results."""

import json
import sys
import unicodedata
from decimal import Decimal

import click

from kaohe.core.storage import db as dbmod
from kaohe.core.runs import results
from kaohe.core.storage import schemes
from kaohe.core.domain.errors import KaoheError
from kaohe.core.storage.models import Unit, create_tables
from kaohe.core.domain.progress import NoProgress
from kaohe.core.domain.vocab import LEVELS, UNIT_KINDS, fmt

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


def echo_json(value):
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def render_table(headers, rows):
    """A plain-text table whose columns line up with Chinese text too."""
    table = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def money_text(value):
    return f"{value:.2f}"


# ---------------------------------------------------------------- set-up and data

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


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="只检查不写入。Check only, write nothing.")
def import_(paths, dry_run):
    """导入 xlsx 或 csv 数据文件，全部成功才写入。Import xlsx/csv files, all or nothing.

    文件或工作表的名称决定数据种类，如 units.csv、采用.csv、稿件.xlsx。
    The file or sheet name says what it holds, e.g. units.csv, 采用.csv.
    """
    from kaohe.core.exchange.importer import import_files
    create_tables()
    report = import_files(paths, dry_run=dry_run)
    for line in report.summary_lines():
        click.echo(line)
    if dry_run:
        click.echo("检查通过（未写入）。Dry run passed, nothing written.")


@cli.command("export")
@click.argument("what")
@click.argument("name", required=False)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="输出文件。Output file (.xlsx or .csv).")
@click.option("--format", "fmt_", type=click.Choice(["xlsx", "csv"]),
              help="格式（默认按输出文件的后缀）。Format (default from the output's suffix).")
@click.option("--period", help="期间（默认方案年度）。Period (default the year).")
@click.option("--run", "run_id", type=int, help="指定计算编号。A run id.")
@click.option("--pool", help="排名只导出一个考核组别。Ranking of one pool only.")
@click.option("--unit", "unit_code", help="明细只导出一个单位。Lines of one unit only.")
@click.option("--encoding", type=click.Choice(["utf-8", "gbk"]), default="utf-8", show_default=True,
              help="CSV 编码。CSV encoding.")
def export(what, name, output, fmt_, period, run_id, pool, unit_code, encoding):
    """导出数据（导入格式）、排名或计分明细。Export data (import format), a ranking or score lines.

    \b
    WHAT：数据种类（units、稿件…，逗号分隔；all 全部）、ranking 排名、lines 计分明细
          Data kinds (comma-separated, or all), ranking, or lines.
    例 e.g.:
      kaohe export all -o 数据.xlsx
      kaohe export 稿件 -o 稿件.csv --encoding gbk
      kaohe export ranking 市政府系统 --period 2025-03 -o 排名.xlsx
      kaohe export lines 市政府系统 --run 3 --unit 330824 -o 明细.csv
    """
    from pathlib import Path

    from kaohe.core.exchange.exporter import export as export_bytes, format_of
    data, summary = export_bytes(what, name, format_of(output, fmt_), period=period, run_id=run_id,
                                 pool=pool, unit_code=unit_code, encoding=encoding)
    Path(output).write_bytes(data)
    click.echo(f"{summary} → {output}")


@cli.command("template")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="输出文件：.xlsx 含全部种类；.csv 按文件名定种类（如 稿件.csv）。"
                   "An .xlsx holds every kind; a .csv's name says its kind.")
@click.option("--kind", help="CSV 模板的数据种类（默认按文件名）。Kind of a CSV template.")
def template(output, kind):
    """写出导入模板：表头与一行示例。Write an import template: headers and an example row."""
    from pathlib import Path

    from kaohe.core.exchange.import_templates import template_csv, template_workbook
    from kaohe.core.exchange.kinds import kind_named
    path = Path(output)
    if path.suffix.lower() == ".csv":
        found = kind_named(kind or path.stem)
        if found is None:
            raise KaoheError("请用 --kind 指明模板的数据种类，或把文件命名为 稿件.csv 这样的名称")
        path.write_bytes(template_csv(found.name))
    else:
        path.write_bytes(template_workbook())
    click.echo(f"已写出导入模板 → {output}")


# ---------------------------------------------------------------- schemes

@cli.group(context_settings=CONTEXT)
def scheme():
    """考核方案：创建、查看、调整参数。Schemes: create, show, tune."""


@scheme.command("create")
@click.argument("name")
@click.option("--year", type=int, required=True, help="考核年度。Scheme year.")
@click.option("--rulesets", required=True,
              help="启用的规则集，按顺序，逗号分隔。Enabled rule sets in order, comma-separated.")
@click.option("--units", help="成员单位代码，逗号分隔（默认全部）。Member unit codes (default all).")
@click.option("--pools", help="只包含这些考核组别的单位。Only units of these pools.")
@click.option("--title", default="", help="方案标题。Title.")
@pass_state
def scheme_create(state, name, year, rulesets, units, pools, title):
    """创建考核方案。Create a scheme."""
    created = schemes.create_scheme(
        state.registry, name, year, _split(rulesets), units=_split(units), pools=_split(pools),
        title=title, author="kaohe")
    count = created.unit_links.count()
    click.echo(f"已创建考核方案「{created.name}」（{year}年，{count}家单位，规则集：{rulesets}）")


def _split(text):
    if not text:
        return None
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@scheme.command("list")
def scheme_list():
    """列出考核方案。List schemes."""
    from kaohe.core.storage.models import Scheme
    rows = [(s.name, s.year, s.unit_links.count(), schemes.current_version(s).number)
            for s in Scheme.select().order_by(Scheme.id)]
    click.echo(render_table(["方案", "年度", "单位数", "参数版本"], rows))


@scheme.command("show")
@click.argument("name")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
@pass_state
def scheme_show(state, name, fmt_):
    """查看方案的规则集与全部参数。Show a scheme's rule sets and parameters."""
    found = schemes.get_scheme(name)
    version = schemes.current_version(found)
    if fmt_ == "json":
        echo_json({"name": found.name, "year": found.year, "version": version.number,
                   "units": [u.unit.code for u in found.unit_links], "config": version.config})
        return
    click.echo(f"考核方案：{found.name}（{found.year}年，{found.unit_links.count()}家单位）")
    click.echo(f"参数版本：第{version.number}版，{version.created_at:%Y-%m-%d %H:%M} "
               f"{version.author}：{version.reason}")
    for entry in version.config["rulesets"]:
        ruleset = state.registry.rulesets.get(entry["name"])
        title = ruleset.title if ruleset else "（未加载）"
        state_text = "启用" if entry.get("enabled", True) else "停用"
        click.echo(f"\n[{state_text}] {entry['name']} {title}")
        for path, value in _leaves(entry["params"], entry["name"]):
            click.echo(f"  {path} = {value}")
    awards = version.config["awards"]
    click.echo("\n评先名额：" + "，".join(f"{UNIT_KINDS.get(k, k)} {v}" for k, v in
                                     awards["units"].items()) + f"，先进个人 {awards['reporters']}")
    conversion = version.config["conversion"]
    click.echo("折算：" + (f"满分 {conversion['max_points']} 分" if conversion["enabled"] else "不折算"))


def _leaves(value, path):
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for n, sub in enumerate(value):
            yield from _leaves(sub, f"{path}.{n}")
    else:
        yield path, value


@scheme.command("set")
@click.argument("name")
@click.argument("path")
@click.argument("value")
@click.option("--reason", required=True, help="修改原因（必填）。Why (required).")
@click.option("--author", default="kaohe", help="修改人。Who.")
@pass_state
def scheme_set(state, name, path, value, reason, author):
    """修改一项参数，生成新的参数版本。Change one parameter; makes a new version.

    \b
    PATH 例 e.g.: provincial.adoption.provincial.full
                 urgent_penalty.deductions.late
                 awards.units.county   conversion.enabled   county_bonus.enabled
    """
    found = schemes.get_scheme(name)
    old = schemes.current_version(found)
    version = schemes.set_param(state.registry, found, path, value, author=author, reason=reason)
    for changed, before, after in schemes.version_changes(old.config, version.config):
        click.echo(f"{changed}: {before} → {after}  （{schemes.describe_path(state.registry, changed)}）")
    click.echo(f"已保存为第{version.number}版参数。Saved as version {version.number}.")


@scheme.command("rulesets")
@click.argument("name")
@click.argument("names")
@click.option("--reason", required=True, help="修改原因（必填）。Why (required).")
@pass_state
def scheme_rulesets(state, name, names, reason):
    """按顺序启用这些规则集，其余停用。Enable these rule sets in order, disable the rest."""
    found = schemes.get_scheme(name)
    version = schemes.set_rulesets(state.registry, found, _split(names), author="kaohe", reason=reason)
    click.echo(f"已保存为第{version.number}版参数。Saved as version {version.number}.")


@scheme.command("versions")
@click.argument("name")
def scheme_versions(name):
    """列出参数版本。List parameter versions."""
    found = schemes.get_scheme(name)
    from kaohe.core.storage.models import ParameterVersion
    rows = [(v.number, f"{v.created_at:%Y-%m-%d %H:%M}", v.author, v.reason)
            for v in found.versions.order_by(ParameterVersion.number)]
    click.echo(render_table(["版本", "时间", "修改人", "原因"], rows))


@scheme.command("restore")
@click.argument("name")
@click.argument("number", type=int)
@click.option("--reason", default="", help="原因。Why.")
@pass_state
def scheme_restore(state, name, number, reason):
    """恢复某一参数版本（生成新版本）。Restore a parameter version (as a new version)."""
    found = schemes.get_scheme(name)
    version = schemes.restore_version(state.registry, found, number, author="kaohe", reason=reason)
    click.echo(f"已恢复第{number}版，保存为第{version.number}版。Restored as version {version.number}.")


# ---------------------------------------------------------------- runs and results

@cli.command("recalc")
@click.argument("name")
@click.option("--period", help="期间：2025、2025-H1、2025-Q1、2025-03（默认方案年度）。Period (default the year).")
@click.option("--note", default="", help="备注。Note.")
@pass_state
def recalc(state, name, period, note):
    """重新计算并保存一次计分结果。Recalculate and store a score run."""
    from kaohe.core.scoring.engine import recalculate
    found = schemes.get_scheme(name)
    outcome = recalculate(state.registry, found, period, author="kaohe", note=note,
                          progress=_progress_bar)
    run = outcome.run
    click.echo(f"第 {run.id} 次计算完成：{found.name} {outcome.period.title}，{len(outcome.units)}家单位，"
               f"{run.line_count}条计分明细，用时 {outcome.seconds:.2f} 秒")


@cli.command("runs")
@click.argument("name")
@click.option("--period", help="只列出此期间。Only this period.")
def runs(name, period):
    """列出计算记录。List score runs."""
    found = schemes.get_scheme(name)
    rows = []
    for run in results.runs_of(found, period):
        status = ("正式发布" if results.is_official(run) else "曾发布") if run.published else "未发布"
        versions = "、".join(f"{k} {v}" for k, v in sorted((run.ruleset_versions or {}).items()))
        rows.append((run.id, run.period, f"{run.created_at:%Y-%m-%d %H:%M}",
                     run.parameter_version.number, run.line_count, status, run.fingerprint[:12],
                     versions))
    click.echo(render_table(["编号", "期间", "时间", "参数版本", "明细数", "状态", "指纹", "规则集版本"],
                            rows))


@cli.command("publish")
@click.argument("name")
@click.argument("run_id", type=int)
@click.option("--by", "user", default="kaohe", help="发布人。Who publishes.")
def publish(name, run_id, user):
    """发布一次计算结果为正式结果。Publish a run as the official result."""
    found = schemes.get_scheme(name)
    run = results.publish(results.get_run(found, run_id), user)
    click.echo(f"第 {run.id} 次计算已发布为{run.period}的正式结果。Published.")


def _run_header(run):
    state = "正式结果" if results.is_official(run) else "未发布，非正式结果"
    return f"第 {run.id} 次计算（{run.period}，{state}）"


@cli.command("ranking")
@click.argument("name")
@click.option("--period", help="期间（默认方案年度）。Period (default the year).")
@click.option("--run", "run_id", type=int, help="指定计算编号。A run id.")
@click.option("--pool", help="只看一个考核组别。One pool only.")
@click.option("--format", "fmt_", type=click.Choice(["table", "json", "csv"]), default="table")
def ranking(name, period, run_id, pool, fmt_):
    """排名：正式发布的结果，没有时用最近一次计算。Ranking of the official (or latest) run."""
    found = schemes.get_scheme(name)
    run = results.pick_run(found, period, run_id)
    rows = results.ranking(run, pool)
    records = [{
        "unit": r.unit.code, "name": r.unit.name, "pool": r.pool, "rank": r.rank,
        "points": r.points, "yuan": r.yuan, "adoption_rate": f"{r.adoption_rate:.4f}",
        "submitted": r.submitted, "adopted": r.adopted, "national": r.national,
        "provincial": r.provincial, "city": r.city, "converted": r.converted,
        "vetoed": r.vetoed, "tie_break": r.tie_break,
    } for r in rows]
    if fmt_ == "json":
        echo_json(records)
        return
    if fmt_ == "csv":
        import csv
        writer = csv.writer(sys.stdout)
        writer.writerow(list(records[0]) if records else ["unit"])
        for record in records:
            writer.writerow([_json_default(v) if isinstance(v, Decimal) else v for v in record.values()])
        return
    click.echo(_run_header(run))
    current = None
    table = []
    for r in rows:
        if r.pool != current:
            if table:
                click.echo(render_table(_RANK_HEADERS, table) + "\n")
                table = []
            current = r.pool
            click.echo(f"【{UNIT_KINDS.get(r.pool, r.pool)}】")
        table.append((r.rank, r.unit.code, r.unit.name, money_text(r.points), money_text(r.yuan),
                      f"{r.adoption_rate * 100:.1f}%", f"{r.adopted}/{r.submitted}",
                      "否决" if r.vetoed else "", r.tie_break))
    if table:
        click.echo(render_table(_RANK_HEADERS, table))


_RANK_HEADERS = ["名次", "代码", "单位", "得分", "奖惩(元)", "采用率", "采用/报送", "一票否决", "同分说明"]


@cli.command("explain")
@click.argument("name")
@click.option("--unit", "code", required=True, help="单位代码。Unit code.")
@click.option("--period", help="期间（默认方案年度）。Period.")
@click.option("--run", "run_id", type=int, help="指定计算编号。A run id.")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
def explain(name, code, period, run_id, fmt_):
    """一个单位的每一分从何而来。Where every point of a unit comes from."""
    found = schemes.get_scheme(name)
    run = results.pick_run(found, period, run_id)
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise KaoheError(f"找不到单位代码「{code}」")
    result = results.unit_result(run, unit)
    groups = results.unit_lines(run, unit)
    if fmt_ == "json":
        echo_json({
            "run": run.id, "period": run.period, "official": results.is_official(run),
            "unit": unit.code, "name": unit.name, "points": result.points, "yuan": result.yuan,
            "rank": result.rank, "pool": result.pool,
            "lines": [{"ruleset": line.ruleset, "rule": line.rule, "kind": line.kind,
                       "item": line.item.no if line.item_id else None,
                       "title": line.item.title if line.item_id else None,
                       "points": line.points, "yuan": line.yuan, "explanation": line.explanation}
                      for lines in groups.values() for line in lines],
        })
        return
    click.echo(_run_header(run))
    click.echo(f"{unit.name}（{unit.code}）：{fmt(result.points)}分，{fmt(result.yuan)}元，"
               f"{UNIT_KINDS.get(result.pool, result.pool)}第{result.rank}名")
    for ruleset_name, lines in groups.items():
        subtotal = sum((line.points for line in lines), Decimal("0.00"))
        click.echo(f"\n[{ruleset_name}] 小计 {fmt(subtotal)} 分")
        for line in lines:
            amount = f"{line.points:+.2f}分" if line.points or not line.yuan else f"{line.yuan:+.2f}元"
            if line.kind != "score":
                amount = "否决" if line.kind == "veto" else "提示"
            subject = f"{line.item.no}《{line.item.title}》 " if line.item_id else ""
            click.echo(f"  {amount:>10}  {subject}{line.explanation}")


@cli.command("awards")
@click.argument("name")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
def awards(name, fmt_):
    """年度评先名单（已发布的年度结果，没有时用最近一次计算）。Annual award lists."""
    found = schemes.get_scheme(name)
    run = results.pick_run(found, found.year)
    lists = results.awards(run)
    official = results.is_official(run)
    if fmt_ == "json":
        echo_json({
            "run": run.id, "official": official,
            "units": [{"code": r.unit.code, "name": r.unit.name, "pool": r.pool,
                       "points": r.points, "award_rank": r.award_rank}
                      for rows in lists["units"].values() for r in rows],
            "reporters": [{"code": r.reporter.code, "name": r.reporter.name,
                           "points": r.points, "award_rank": r.award_rank}
                          for r in lists["reporters"]],
            "excluded_units": [{"code": r.unit.code, "name": r.unit.name, "reason": r.award_note}
                               for r in lists["excluded_units"]],
            "excluded_reporters": [{"code": r.reporter.code, "name": r.reporter.name,
                                    "reason": r.award_note} for r in lists["excluded_reporters"]],
        })
        return
    click.echo(_run_header(run) if official else _run_header(run) + "——名单尚未正式发布")
    for pool, rows in lists["units"].items():
        click.echo(f"\n先进单位【{UNIT_KINDS.get(pool, pool)}】")
        click.echo(render_table(["名次", "代码", "单位", "得分"],
                                [(r.award_rank, r.unit.code, r.unit.name, money_text(r.points))
                                 for r in rows]))
    click.echo("\n先进个人")
    click.echo(render_table(["名次", "编号", "姓名", "得分"],
                            [(r.award_rank, r.reporter.code, r.reporter.name, money_text(r.points))
                             for r in lists["reporters"]]))
    vetoed = [r for r in lists["excluded_units"] if r.vetoed]
    if vetoed:
        click.echo("\n不参加评先的单位")
        for r in vetoed:
            click.echo(f"  {r.unit.name}：{r.award_note}")


def _report_format(output, fmt_):
    """The report format asked for, else the output file's suffix, else xlsx."""
    if fmt_:
        return fmt_
    suffix = output.rsplit(".", 1)[-1].lower() if output and "." in output else ""
    if suffix in ("xlsx", "html"):
        return suffix
    if output:
        raise KaoheError(f"无法从文件名「{output}」看出格式，请用 --format xlsx 或 --format html")
    return "xlsx"


def _write_report(path, content):
    from pathlib import Path
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        target.write_text(content, encoding="utf-8")
    else:
        target.write_bytes(content)
    return target


@cli.command("notify")
@click.argument("name")
@click.option("--month", required=True, help="通报月份，如 2025-03。The month, e.g. 2025-03.")
@click.option("--format", "fmt_", type=click.Choice(["xlsx", "html"]),
              help="xlsx 表格或可打印的 html 页面（默认按文件名，否则 xlsx）。xlsx or printable html.")
@click.option("--output", "-o", help="输出文件（默认“方案-通报-月份.格式”）。Output file.")
@click.option("--recalc-missing", is_flag=True,
              help="先计算并保存缺少计算结果的月份。Compute and store missing month runs first.")
@pass_state
def notify(state, name, month, fmt_, output, recalc_missing):
    """每月通报：各组别单位本月报送、采用、得分、年度累计、名次和采用率。The monthly notification."""
    from kaohe.core.exchange import reports
    found = schemes.get_scheme(name)
    fmt_ = _report_format(output, fmt_)
    data = reports.monthly_notification(found, month, recalc_missing=recalc_missing,
                                        registry=state.registry)
    content = reports.notification_xlsx(data) if fmt_ == "xlsx" else reports.notification_html(data)
    target = _write_report(output or reports.notification_filename(data, fmt_), content)
    click.echo(f"已生成{data['title']}：{target}")
    click.echo("计算依据：" + "；".join(f"{r['title']}第{r['run_id']}次计算（{r['status']}）"
                                   for r in data["runs"]))
    if not data["all_official"]:
        click.echo(data["notice"])


@cli.command("award-docs")
@click.argument("name")
@click.option("--year", type=int, help="年度（默认方案年度）。The year (default the scheme's).")
@click.option("--format", "fmt_", type=click.Choice(["xlsx", "html"]),
              help="xlsx 表格或可打印的 html 页面（默认按文件名）。xlsx or printable html.")
@click.option("--output", "-o", required=True, help="输出文件。Output file.")
def award_docs(name, year, fmt_, output):
    """年度评先文件：先进单位、先进个人及不参加评先的原因，仅限已发布的年度结果。Award documents."""
    from kaohe.core.exchange import reports
    found = schemes.get_scheme(name)
    fmt_ = _report_format(output, fmt_)
    data = reports.award_documents(found, year)
    content = reports.awards_xlsx(data) if fmt_ == "xlsx" else reports.awards_html(data)
    target = _write_report(output, content)
    click.echo(f"已生成{data['title']}（第 {data['run']['id']} 次计算，正式发布）：{target}")


@cli.command("diff")
@click.argument("name")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
def diff(name, run_a, run_b, fmt_):
    """比较两次计算：哪些单位变了、变了多少、哪些明细不同。Compare two runs."""
    found = schemes.get_scheme(name)
    changes = results.diff_runs(results.get_run(found, run_a), results.get_run(found, run_b))
    if fmt_ == "json":
        echo_json({
            "units": [{**{k: v for k, v in u.items() if k != "unit"}, "unit": u["unit"].code,
                       "name": u["unit"].name} for u in changes["units"]],
            "lines": changes["lines"],
        })
        return
    if not changes["units"] and not changes["lines"]:
        click.echo("两次计算结果相同。The runs are the same.")
        return
    click.echo(render_table(
        ["代码", "单位", f"第{run_a}次", f"第{run_b}次", "变化", "名次"],
        [(u["unit"].code, u["unit"].name, money_text(u["points_a"]), money_text(u["points_b"]),
          f"{u['points_delta']:+.2f}", f"{u['rank_a']}→{u['rank_b']}") for u in changes["units"]]))
    click.echo(f"\n明细不同 {len(changes['lines'])} 条：")
    for line in changes["lines"][:200]:
        sign = {"added": "+", "removed": "-", "changed": "~"}[line["change"]]
        text = line["explanation_b"] or line["explanation_a"]
        click.echo(f"  {sign} [{line['ruleset']}] {text}")


@cli.command("plugins")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
@pass_state
def plugins_(state, fmt_):
    """已加载的规则集与插件，以及加载出错的插件。Loaded rule sets and plugin problems."""
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
    from kaohe.demo import build_demo
    from kaohe.core.scoring.engine import recalculate
    create_tables()
    summary = build_demo(state.registry, units=units, items=items, seed=seed,
                         progress=_progress_bar)
    click.echo(summary["text"])
    if no_recalc:
        return
    for name in summary["schemes"]:
        outcome = recalculate(state.registry, schemes.get_scheme(name), author="kaohe demo",
                              note="演示数据全年计算", progress=_progress_bar)
        click.echo(f"已计算「{name}」{outcome.period.title}：{outcome.run.line_count}条明细，"
                   f"用时 {outcome.seconds:.2f} 秒")


def _progress_bar(label, total):
    """A progress bar on a terminal, silent elsewhere: `with _progress_bar(...) as bar: bar.update(n)`."""
    return click.progressbar(length=total, label=label, file=sys.stderr,
                             show_pos=True) if sys.stderr.isatty() else NoProgress()


@cli.command("levels", hidden=True)
def levels():
    """列出刊物级别。List publication levels."""
    click.echo(render_table(["代码", "级别"], list(LEVELS.items())))


# ---------------------------------------------------------------- accounts and the panel

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
                             summary=f"吊销账号「{user.username}」的接口令牌")
        click.echo(f"已吊销账号「{user.username}」的令牌。" if had else f"账号「{user.username}」没有令牌。")
        return
    if not user.active:
        raise KaoheError(f"账号「{user.username}」已停用，不能生成令牌")
    with dbmod.db.atomic():
        issued = issue_token(user)
        audit.record("kaohe token", "account.token", "user", user.id,
                     summary=f"为账号「{user.username}」签发接口令牌（旧令牌失效）")
    click.echo(f"账号「{user.username}」（{user.role}）的新令牌（只显示这一次，请妥善保存；旧令牌已失效）：",
               err=True)
    click.echo(issued)


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
    if not User.select().exists():
        password = secrets.token_urlsafe(12)
        create_user("admin", password, "admin", actor="kaohe bootstrap")
        click.echo("已创建管理员账号 admin，初始密码（只显示这一次，请妥善保存）：")
        click.echo(f"    {password}")
    else:
        click.echo("已有账号，未创建管理员。")
    if not Unit.select().exists():
        from kaohe.demo import build_demo
        from kaohe.core.scoring.engine import recalculate
        summary = build_demo(state.registry, progress=_progress_bar)
        click.echo(summary["text"])
        for name in summary["schemes"]:
            outcome = recalculate(state.registry, schemes.get_scheme(name), author="kaohe bootstrap",
                                  note="演示数据全年计算")
            click.echo(f"已计算「{name}」{outcome.period.title}，用时 {outcome.seconds:.2f} 秒")
    else:
        click.echo("已有单位数据，未生成演示数据。")


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
    app = create_app()
    click.echo(f"管理后台：http://{host}:{port}/")
    if dev:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
        return
    import logging

    from waitress import serve as waitress_serve
    # waitress says where it listens and warns when requests queue up: show both (journal, log).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = {"host": host, "port": port, "threads": threads, "ident": "kaohe",
               "channel_timeout": 300}
    if trusted_proxy:
        options.update(trusted_proxy=trusted_proxy, trusted_proxy_count=1,
                       trusted_proxy_headers="x-forwarded-for x-forwarded-proto",
                       clear_untrusted_proxy_headers=True)
    waitress_serve(app, **options)


# ---------------------------------------------------------------- entry point

def main(argv=None):
    """Run the `kaohe` command; a user's error prints one line and exits 1."""
    state = State()
    try:
        state.registry.hook.kaohe_commands(cli=cli)
        cli.main(args=argv, prog_name="kaohe", standalone_mode=False, obj=state)
    except KaoheError as error:
        click.echo(f"错误：{error}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("已取消。Aborted.", err=True)
        sys.exit(1)
    return 0
