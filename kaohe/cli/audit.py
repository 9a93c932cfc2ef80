"""`kaohe audit`: the log of every change, filtered, as a table or JSON; undoing an import batch."""

import datetime

import click

from kaohe.cli.base import cli, echo_json, render_table


def _day_or_time(text):
    """A date (2025-03-08) or a time (2025-03-08 14:30, or RFC 3339), in China Standard Time."""
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.date.fromisoformat(value)
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"「{text}」不是日期或时间，应如 2025-03-08 或 2025-03-08 14:30") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone(datetime.timedelta(hours=8))).replace(tzinfo=None)
    return moment


def entry_record(entry):
    from kaohe.core.storage import audit
    return {"id": entry.id, "at": entry.at, "actor": entry.actor, "action": entry.action,
            "action_label": audit.ACTIONS.get(entry.action, entry.action),
            "object_type": entry.object_type, "object_id": entry.object_id,
            "summary": entry.summary, "summary_words": entry.summary_words,
            "old": entry.old, "new": entry.new,
            "source": entry.source, "batch": entry.batch,
            "units": [u for u in entry.units.split("|") if u], "item": entry.item or None,
            "hash": entry.hash}


@cli.group("audit", invoke_without_command=True)
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="输出格式。Output format.")
@click.option("--since", help="起始日期或时间（含）。From this date or time on.")
@click.option("--until", help="截止日期或时间（含）。Up to this date or time.")
@click.option("--unit", "unit_code", help="只列这家单位的数据变更。One unit's changes.")
@click.option("--item", "item_no", help="只列这篇稿件及其采用、批示的变更。One item's changes.")
@click.option("--account", help="只列这个账号（或命令行用户）所做的变更。One account's changes.")
@click.option("--batch", help="只列这一导入批次。One import batch.")
@click.option("--limit", type=click.IntRange(1, 100000), default=200, show_default=True,
              help="最多列出多少条（最新的在前）。At most this many, newest first.")
@click.pass_context
def audit_(ctx, fmt_, since, until, unit_code, item_no, account, batch, limit):
    """列出审计日志（谁在何时从何处改了什么），并校验其摘要链。List the audit log and verify its chain."""
    if ctx.invoked_subcommand is not None:
        return
    from kaohe.core.storage import audit
    query = audit.search(unit=unit_code, item=item_no, actor=account, since=_day_or_time(since),
                         until=_day_or_time(until), batch=batch)
    entries = list(query.limit(limit))
    broken = audit.verify_chain()
    if fmt_ == "json":
        echo_json({"chain": "broken" if broken else "ok", "broken": str(broken) if broken else None,
                   "entries": [entry_record(e) for e in entries]})
    else:
        rows = [(e.id, f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.source or "", e.summary,
                 _changes_text(e)) for e in entries]
        click.echo(render_table(["编号", "时间", "操作人", "来源", "说明", "原值 → 新值"], rows))
        click.echo(f"审计日志校验未通过：{broken}" if broken else "审计日志校验通过。")
    if broken:
        ctx.exit(1)


def _changes_text(entry):
    old, new = entry.old, entry.new
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old or {}, new or {}
        if entry.action.endswith(".update"):
            return "；".join(f"{key}：{old.get(key)} → {new.get(key)}" for key in new)
    return ""


@audit_.command("undo")
@click.argument("batch")
def undo(batch):
    """撤销一次导入（整批），只要之后没有发布过计算结果。Undo an import batch as a whole."""
    from kaohe.core.exchange.recording import undo_batch
    from kaohe.core.storage import changes
    with changes.acting(changes.current().actor, "command"):
        count = undo_batch(batch)
    click.echo(f"已撤销导入批次 {batch}（{count}条记录）。Import batch undone.")
