"""`kaohe water`: create a water bureau's scheme and print its weekly quota table."""

import click

from kaohe.plugins import current_registry, current_version, echo_json, fmt, get_scheme, render_table

from .scheme import CONVERSION_POINTS, create_water_scheme, scheme_quota_table


@click.group("water")
def water():
    """水利系统政务信息考核：建立方案、查看每周报送任务。Water bureau scheme tools."""


def _split(text):
    if not text:
        return None
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@water.command("init")
@click.argument("name")
@click.option("--year", type=int, required=True, help="考核年度。Scheme year.")
@click.option("--units", help="成员单位代码，逗号分隔（默认全部）。Member unit codes (default all).")
@click.option("--pools", help="只包含这些考核组别的单位。Only units of these pools.")
@click.option("--title", default="", help="方案标题。Title.")
@click.option("--also", default="", help="同时启用的其他规则集，逗号分隔。Other rule sets to enable too.")
def water_init(name, year, units, pools, title, also):
    """建立水利系统考核方案：启用 water 规则集，信息工作折算为目标考核3分。"""
    created = create_water_scheme(current_registry(), name, year, units=_split(units),
                                  pools=_split(pools), title=title, extra_rulesets=_split(also) or ())
    version = current_version(created)
    click.echo(f"已建立水利系统考核方案「{created.name}」（{year}年，{created.unit_links.count()}家单位，"
               f"规则集：{'、'.join(e['name'] for e in version.config['rulesets'])}；"
               f"信息工作折算为目标考核{CONVERSION_POINTS}分，参数第{version.number}版）")


@water.command("quota")
@click.argument("name")
@click.option("--period", help="期间：2025-03、2025-Q1、2025（默认本月）。Period (default this month).")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
def water_quota(name, period, fmt_):
    """每周报送任务完成情况：各单位每个整周报送篇数与任务数。Weekly quota table."""
    found = get_scheme(name)
    period, table = scheme_quota_table(found, period)
    if fmt_ == "json":
        echo_json({
            "scheme": found.name, "period": period.label, "quota": table.quota,
            "weeks": [{"week": w.key, "start": w.start, "end": w.end} for w in table.weeks],
            "units": [{"unit": row.unit.code, "name": row.unit.name, "submitted": row.submitted,
                       "missing": row.missing_total, "points": row.points} for row in table.rows],
        })
        return
    click.echo(f"{found.name} {period.title}每周报送任务（每周{table.quota}篇，每少报1篇扣"
               f"{fmt(table.deduction)}分）")
    if not table.weeks:
        click.echo("本期间还没有已过完的整周（周一至周日），暂不考核。")
        return
    headers = ["代码", "单位"] + [week.short for week in table.weeks] + ["少报", "扣分"]
    rows = [[row.unit.code, row.unit.name]
            + [f"{count}/{table.quota}" + ("" if count >= table.quota else " ✗") for count in row.submitted]
            + [row.missing_total, fmt(row.points)]
            for row in table.rows]
    click.echo(render_table(headers, rows))
