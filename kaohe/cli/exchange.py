"""Commands that move data in and out: import, export, templates, the notification and award documents."""


import click

from kaohe.cli.base import cli, pass_state
from kaohe.core.domain.errors import KaoheError
from kaohe.core.storage import schemes
from kaohe.core.storage.migrations import create_tables


# What a folder given to `kaohe import` contributes: its data files, by name.
DATA_SUFFIXES = (".csv", ".xlsx", ".xls", ".ods")


def data_files(paths):
    """The files to import: each file given, and the data files directly inside each folder given."""
    from pathlib import Path
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
            if not inside:
                raise KaoheError(f"文件夹「{path}」中没有 csv 或 xlsx 数据文件")
            found.extend(map(str, inside))
        else:
            found.append(str(path))
    return found


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="只检查不写入。Check only, write nothing.")
def import_(paths, dry_run):
    """导入 xlsx 或 csv 数据文件（或文件夹中的全部），全部成功才写入。Import xlsx/csv files, all or nothing.

    文件或工作表的名称决定数据种类，如 units.csv、采用.csv、稿件.xlsx；给出文件夹时导入其中的数据文件。
    The file or sheet name says what it holds, e.g. units.csv, 采用.csv; a folder gives its data files.
    """
    from kaohe.core.exchange.importer import import_files
    create_tables()
    report = import_files(data_files(paths), dry_run=dry_run)
    for line in report.summary_lines():
        click.echo(line)
    if report.batch:
        click.echo(f"导入批次 {report.batch}：kaohe audit --batch {report.batch} 列出其变更，"
                   f"kaohe audit undo {report.batch} 可整批撤销。")
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
@pass_state
def export(state, what, name, output, fmt_, period, run_id, pool, unit_code, encoding):
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

    from kaohe.core.exchange.exporter import export as export_bytes
    from kaohe.core.exchange.exporter import format_of
    data, summary = export_bytes(what, name, format_of(output, fmt_), period=period, run_id=run_id,
                                 pool=pool, unit_code=unit_code, encoding=encoding,
                                 registry=state.registry)
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


@cli.command("report")
@click.argument("kind")
@click.argument("name")
@click.option("--period", help="期间，如 2025-Q1、2025-03、2025（默认方案年度）。The period.")
@click.option("--reporter", "reporter_code", help="信息员编号（信息员个人页）。A reporter's code.")
@click.option("--format", "fmt_", type=click.Choice(["xlsx", "html", "json"]),
              help="xlsx、可打印的 html 或 json（默认按文件名，否则 xlsx）。xlsx, printable html or json.")
@click.option("--output", "-o", help="输出文件（json 可省略，写到标准输出）。Output file.")
def report(kind, name, period, reporter_code, fmt_, output):
    """更多报表。Further reports.

    \b
    KIND：quarterly 每季度通报、urgent 紧急重大信息报送情况通报、targets 目标任务完成情况、
          publications 按刊物统计采用、solicitations 约稿采用占比、reporter 信息员个人页
    例 e.g.:
      kaohe report quarterly 市政府系统 --period 2025-Q1 -o 一季度通报.xlsx
      kaohe report reporter 市政府系统 --reporter R001 --period 2025 -o 张三.xlsx
      kaohe report targets 市政府系统 --format json
    """
    import json

    from kaohe.core.exchange.reports.catalog import build_report
    from kaohe.core.exchange.reports.tabular import table_filename, table_html, table_xlsx
    found = schemes.get_scheme(name)
    if fmt_ is None and output and output.lower().endswith(".json"):
        fmt_ = "json"
    fmt_ = fmt_ or _report_format(output, None)
    data = build_report(kind, found, period, reporter=reporter_code)
    if fmt_ == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        if output:
            _write_report(output, text)
            click.echo(f"已生成{data['title']}：{output}")
        else:
            click.echo(text)
        return
    content = table_xlsx(data) if fmt_ == "xlsx" else table_html(data)
    target = _write_report(output or table_filename(data, fmt_), content)
    click.echo(f"已生成{data['title']}：{target}")
    click.echo(data["basis"])
    for line in (data["notice"], data["stale"]):
        if line:
            click.echo(line)
