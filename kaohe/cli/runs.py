"""Commands for score runs: recalculate, list, publish, rank, explain, award and compare."""

import os
import sys
from decimal import Decimal

import click

from kaohe.cli.base import cli, echo_json, json_default, money_text, pass_state, progress_bar, render_table
from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.vocab import UNIT_KINDS, fmt
from kaohe.core.runs import results
from kaohe.core.scoring.engine import scheme_period
from kaohe.core.storage import schemes
from kaohe.core.storage.models import Unit


@cli.command("recalc")
@click.argument("name")
@click.option("--period", help="期间：2025、2025-H1、2025-Q1、2025-03（默认方案年度）。Period (default the year).")
@click.option("--note", default="", help="备注。Note.")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table",
              help="输出格式。Output format.")
@pass_state
def recalc(state, name, period, note, fmt_):
    """重新计算并保存一次计分结果。Recalculate and store a score run.

    As a job, like the panel's and the API's: one at a time per scheme (a recalculation of the
    scheme running elsewhere is waited for, the same period's is joined), each rule set within
    KAOHE_RULESET_SECONDS, in a process of its own.
    """
    from kaohe.core.runs import jobs
    from kaohe.core.storage.models import RecalcJob, ScoreRun, UnitResult
    found = schemes.get_scheme(name)
    label = scheme_period(found, period).label
    limits = jobs.Limits(ruleset_seconds=_whole("KAOHE_RULESET_SECONDS", 600), per_account=0,
                         trial_runs_kept=_whole("KAOHE_TRIAL_RUNS_KEPT", 20))
    job, joined = jobs.submit(found, label, "kaohe", note=note, limits=limits, start=False)
    if joined:
        click.echo(f"同一方案同一期间的计算（第 {job.id} 号任务）正在进行，等待其完成……", err=True)
        job = jobs.wait(job, float("inf"))
    else:
        with _Bars() as bars:
            jobs.work(job.id, limits, _registry_factory(), on_progress=bars)
        job = RecalcJob.get_by_id(job.id)
    if job.state != "done":
        raise KaoheError(job.message or "计算未完成，未保存任何结果")
    run = ScoreRun.get_by_id(job.run_id)
    units = UnitResult.select().where(UnitResult.run == run).count()
    title = parse_period(run.period).title
    seconds = float(run.seconds or 0)
    if fmt_ == "json":
        echo_json({"run": run.id, "scheme": found.name, "period": run.period, "period_title": title,
                   "units": units, "lines": run.line_count, "seconds": round(seconds, 2)})
        return
    click.echo(f"第 {run.id} 次计算完成：{found.name} {title}，{units}家单位，"
               f"{run.line_count}条计分明细，用时 {seconds:.2f} 秒")
    for warning in filter(None, job.message.split("；")):
        click.echo(f"注意：{warning}", err=True)


def _whole(variable, default):
    """A whole-number setting from the environment, or `default`."""
    try:
        return int(os.environ.get(variable, default))
    except ValueError:
        raise KaoheError(f"环境变量 {variable} 应为整数，现为「{os.environ[variable]}」") from None


def _registry_factory():
    """How the job's process builds the rule sets: as this command would (its plugins folder
    and allow-list resolved here, since that process may have started with another environment)."""
    import functools

    from kaohe.plugins.manager import build_registry, default_plugins_dir
    return functools.partial(build_registry, plugins_dir=str(default_plugins_dir()),
                             allow=os.environ.get("KAOHE_PLUGINS_ALLOW"))


class _Bars:
    """The job's reports drawn as progress bars (a bar per stage), on a terminal only."""

    def __init__(self):
        self.bar = self.context = None

    def __enter__(self):
        return self

    def __call__(self, kind, *values):
        if kind == "stage":
            self.__exit__(None, None, None)
            self.context = progress_bar(values[0], values[1])
            self.bar = self.context.__enter__()
        elif self.bar is not None:
            self.bar.update(values[0])

    def __exit__(self, *exc):
        if self.context is not None:
            self.context.__exit__(*exc)
        self.bar = self.context = None
        return False


@cli.command("runs")
@click.argument("name")
@click.option("--period", help="只列出此期间。Only this period.")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table",
              help="输出格式。Output format.")
def runs(name, period, fmt_):
    """列出计算记录。List score runs."""
    found = schemes.get_scheme(name)
    rows, listed = [], []
    for run in results.runs_of(found, period):
        status = ("正式发布" if results.is_official(run) else "曾发布") if run.published else "未发布"
        listed.append({"id": run.id, "period": run.period, "created_at": run.created_at,
                       "parameter_version": run.parameter_version.number, "lines": run.line_count,
                       "status": status, "published": bool(run.published),
                       "official": results.is_official(run), "fingerprint": run.fingerprint,
                       "ruleset_versions": run.ruleset_versions or {}, "note": run.note})
        versions = "、".join(f"{k} {v}" for k, v in sorted((run.ruleset_versions or {}).items()))
        rows.append((run.id, run.period, f"{run.created_at:%Y-%m-%d %H:%M}",
                     run.parameter_version.number, run.line_count, status, run.fingerprint[:12],
                     versions))
    if fmt_ == "json":
        echo_json(listed)
        return
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


def run_header(run):
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
    if any(r.grade for r in rows):  # where the scheme grades units: each unit's grade
        for record, r in zip(records, rows):
            record["grade"] = r.grade
    if fmt_ == "json":
        echo_json(records)
        return
    if fmt_ == "csv":
        import csv
        writer = csv.writer(sys.stdout)
        writer.writerow(list(records[0]) if records else ["unit"])
        for record in records:
            writer.writerow([json_default(v) if isinstance(v, Decimal) else v for v in record.values()])
        return
    click.echo(run_header(run))
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
    click.echo(run_header(run))
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
    click.echo(run_header(run) if official else run_header(run) + "——名单尚未正式发布")
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
