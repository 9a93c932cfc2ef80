"""Reading stored runs: which run is official, rankings, a unit's explanation, awards, diffs, publishing."""

from collections import defaultdict
from decimal import Decimal

from peewee import JOIN, fn

from kaohe.core.domain.errors import KaoheError, NotFound
from kaohe.core.domain.periods import now, parse_period
from kaohe.core.domain.sentences import said_again, say
from kaohe.core.domain.vocab import UNIT_KINDS, ZERO
from kaohe.core.runs import summary
from kaohe.core.storage import audit
from kaohe.core.storage.db import db
from kaohe.core.storage.models import (
    Item,
    Reporter,
    ReporterResult,
    RunSentence,
    ScoreLine,
    ScoreRun,
    Unit,
    UnitResult,
)


def runs_of(scheme, period=None):
    query = ScoreRun.select().where(ScoreRun.scheme == scheme)
    if period is not None:
        query = query.where(ScoreRun.period == parse_period(period).label)
    return list(query.order_by(ScoreRun.id.desc()))


def official_run(scheme, period):
    """The published run of a period: the one published last (None when none is)."""
    return (ScoreRun.select()
            .where((ScoreRun.scheme == scheme) & (ScoreRun.period == parse_period(period).label)
                   & (ScoreRun.published == True))  # noqa: E712 (peewee expression)
            .order_by(ScoreRun.published_at.desc(), ScoreRun.id.desc()).first())


def latest_run(scheme, period):
    return (ScoreRun.select()
            .where((ScoreRun.scheme == scheme) & (ScoreRun.period == parse_period(period).label))
            .order_by(ScoreRun.id.desc()).first())


def get_run(scheme, run_id):
    run = ScoreRun.get_or_none((ScoreRun.id == int(run_id)) & (ScoreRun.scheme == scheme))
    if run is None:
        raise NotFound(say("考核方案「{scheme}」没有编号为 {run_id} 的计算结果",
            scheme=scheme.name, run_id=run_id))
    return run


def is_official(run):
    if not run.published:
        return False
    current = official_run(run.scheme, run.period)
    return current is not None and current.id == run.id


def pick_run(scheme, period=None, run_id=None, prefer_official=True):
    """The run to show: the one asked for, else the period's official run, else its latest."""
    if run_id is not None:
        return get_run(scheme, run_id)
    period = period if period is not None else scheme.year
    run = official_run(scheme, period) if prefer_official else None
    run = run or latest_run(scheme, period)
    if run is None:
        raise NotFound(say("考核方案「{scheme}」{period}尚未计算，请先运行 "
            "kaohe recalc {scheme} --period {label}",
            scheme=scheme.name, period=parse_period(period).title,
            label=parse_period(period).label))
    return run


def ranking(run, pool=None):
    """The run's unit results with their units, ordered by pool and rank."""
    query = (UnitResult.select(UnitResult, Unit).join(Unit)
             .where(UnitResult.run == run))
    if pool:
        query = query.where(UnitResult.pool == pool)
    order = list(UNIT_KINDS)
    rows = list(query)
    rows.sort(key=lambda r: (order.index(r.pool) if r.pool in order else 99, r.pool, r.rank))
    return rows


def ranking_bars(run):
    """[(pool, unit name, points, awarded)] of a run in ranking order: what the dashboard draws,
    read as plain rows (building a thousand result objects costs more than the page)."""
    query = (UnitResult.select(UnitResult.pool, Unit.name, UnitResult.points, UnitResult.rank,
                               UnitResult.award_rank.is_null(False))
             .join(Unit).where(UnitResult.run == run).tuples())
    order = list(UNIT_KINDS)
    rows = sorted(query, key=lambda r: (order.index(r[0]) if r[0] in order else 99, r[0], r[3]))
    return [(pool, name, points, bool(awarded)) for pool, name, points, _rank, awarded in rows]


def unit_lines(run, unit):
    """The score lines of one unit in a run, with item numbers and titles, grouped by rule set."""
    query = (ScoreLine.select(ScoreLine, Item)
             .join(Item, JOIN.LEFT_OUTER, on=(ScoreLine.item == Item.id))
             .where((ScoreLine.run == run) & (ScoreLine.unit == unit))
             .order_by(ScoreLine.id))
    groups = defaultdict(list)
    for line in query:
        groups[line.ruleset].append(line)
    return dict(groups)


def unit_line_groups(run, unit):
    """[(rule set, lines, points, 元)] of one unit in a run, in the order the rule sets wrote them:
    the subtotals of an explanation, counted in SQL without reading the lines."""
    query = (ScoreLine.select(ScoreLine.ruleset, fn.COUNT(ScoreLine.id), fn.SUM(ScoreLine.points),
                              fn.SUM(ScoreLine.yuan), fn.MIN(ScoreLine.id))
             .where((ScoreLine.run == run) & (ScoreLine.unit == unit))
             .group_by(ScoreLine.ruleset).tuples())
    rows = sorted(query, key=lambda row: row[4])
    return [(name, count, _amount(points or 0), _amount(yuan or 0)) for name, count, points, yuan, _first in rows]


def unit_lines_page(run, unit, page=1, per_page=200):
    """One page of a unit's lines (with items), in the order they were written, grouped by rule set."""
    query = (ScoreLine.select(ScoreLine, Item)
             .join(Item, JOIN.LEFT_OUTER, on=(ScoreLine.item == Item.id))
             .where((ScoreLine.run == run) & (ScoreLine.unit == unit))
             .order_by(ScoreLine.id).paginate(page, per_page))
    groups = defaultdict(list)
    for line in query:
        groups[line.ruleset].append(line)
    return dict(groups)


def reporter_lines(run, reporter):
    query = (ScoreLine.select(ScoreLine, Item)
             .join(Item, JOIN.LEFT_OUTER, on=(ScoreLine.item == Item.id))
             .where((ScoreLine.run == run) & (ScoreLine.reporter == reporter))
             .order_by(ScoreLine.id))
    return list(query)


def unit_result(run, unit):
    result = UnitResult.get_or_none((UnitResult.run == run) & (UnitResult.unit == unit))
    if result is None:
        raise NotFound(say("单位「{unit}」不在这次计算的结果中", unit=unit.name))
    return result


def awards(run):
    """The award lists of a run: units by pool, then reporters, each with exclusions."""
    units = defaultdict(list)
    for row in ranking(run):
        if row.award_rank is not None:
            units[row.pool].append(row)
    for rows in units.values():
        rows.sort(key=lambda r: r.award_rank)
    excluded_units = [r for r in ranking(run) if r.award_rank is None and r.award_note]
    reporters = list(ReporterResult.select(ReporterResult, Reporter).join(Reporter)
                     .where((ReporterResult.run == run) & ReporterResult.award_rank.is_null(False))
                     .order_by(ReporterResult.award_rank))
    excluded_reporters = list(
        ReporterResult.select(ReporterResult, Reporter).join(Reporter)
        .where((ReporterResult.run == run) & ReporterResult.award_rank.is_null(True)
               & ((ReporterResult.vetoed == True) | (ReporterResult.rank <= 20)))  # noqa: E712
        .order_by(ReporterResult.rank))
    return {"units": dict(units), "reporters": reporters, "excluded_units": excluded_units,
            "excluded_reporters": [r for r in excluded_reporters if r.award_note]}


def publish(run, user=""):
    """Make a run the official result of its period. Runs are never changed after they are stored."""
    if run.published:
        raise KaoheError(say("第 {run} 次计算已于 {published_at:%Y-%m-%d %H:%M} "
            "由 {who} 发布",
            run=run.id, published_at=run.published_at, who=run.published_by or say("（未知）")))
    with db.atomic():
        updated = (ScoreRun.update(published=True, published_at=now(), published_by=user or "")
                   .where((ScoreRun.id == run.id) & (ScoreRun.published == False))  # noqa: E712
                   .execute())
        if updated:
            audit.record(user, "run.publish", "score_run", run.id,
                         summary=say("发布考核方案「{scheme}」{period}第 {run} 次计算为正式结果",
                                     scheme=run.scheme.name, period=run.period, run=run.id),
                         old={"published": False}, new={"published": True, "period": run.period})
    if not updated:
        raise KaoheError(say("第 {run} 次计算已经发布", run=run.id))
    return ScoreRun.get_by_id(run.id)


def delete_run(run, user=""):
    """Delete a trial run with its results and lines, on record; a published run never goes."""
    if run.published:
        raise KaoheError(say("已发布的计算结果不能删除"))
    with db.atomic():
        ScoreLine.delete().where(ScoreLine.run == run).execute()
        RunSentence.delete().where(RunSentence.run == run).execute()
        summary.forget(run)
        UnitResult.delete().where(UnitResult.run == run).execute()
        ReporterResult.delete().where(ReporterResult.run == run).execute()
        audit.record(user, "run.delete", "score_run", run.id,
                     summary=say("删除试算结果：考核方案「{scheme}」{period}第 {run} 次计算",
                                 scheme=run.scheme.name, period=run.period, run=run.id),
                     old={"period": run.period, "lines": run.line_count, "created_by": run.created_by})
        run.delete_instance()


def stored_sentences(run, texts=None):
    """{text: Sentence} for those of `texts` that `run` stored with their templates (RunSentence,
    one query per few hundred texts), so that a page can say them in another language; every
    one of the run's with `texts` None (an export: a few thousand); a run stored before
    sentences were kept gives none."""
    found = {}
    if texts is None:
        query = (RunSentence.select(RunSentence.text, RunSentence.template, RunSentence.params)
                 .where(RunSentence.run == run).tuples())
        return {text: said_again(text, template, params) for text, template, params in query}
    wanted = sorted({str(t) for t in texts if t})
    for start in range(0, len(wanted), 400):
        chunk = wanted[start:start + 400]
        query = (RunSentence.select(RunSentence.text, RunSentence.template, RunSentence.params)
                 .where((RunSentence.run == run) & RunSentence.text.in_(chunk)).tuples())
        for text, template, params in query:
            found[text] = said_again(text, template, params)
    return found


def archive_run(run, user=""):
    """Put a trial run aside (kept, marked archived); a published run stays as it is."""
    if run.published:
        raise KaoheError(say("已发布的计算结果不能归档：它是该期间的正式结果或曾经的正式结果"))
    if run.archived:
        raise KaoheError(say("第 {run} 次计算已经归档", run=run.id))
    with db.atomic():
        ScoreRun.update(archived=True).where(ScoreRun.id == run.id).execute()
        audit.record(user, "run.archive", "score_run", run.id,
                     summary=say("归档试算结果：考核方案「{scheme}」{period}第 {run} 次计算",
                                 scheme=run.scheme.name, period=run.period, run=run.id),
                     old={"archived": False}, new={"archived": True})
    return ScoreRun.get_by_id(run.id)


def diff_runs(run_a, run_b, limit=None):
    """What changed from run A to run B: units whose totals or ranks moved, and differing lines.

    Only the lines of the units (and reporters) whose digests differ are read and compared
    (core/runs/summary.py), so two runs of a province that differ in a few units compare in
    well under a second. With `limit`, only the first `limit` differing lines (in the order of
    the full list) are listed and ``more`` says whether others differ too.
    """
    a_results = {r.unit_id: r for r in UnitResult.select().where(UnitResult.run == run_a)}
    b_results = {r.unit_id: r for r in UnitResult.select().where(UnitResult.run == run_b)}
    unit_names = {u.id: u for u in Unit.select().where(Unit.id.in_(set(a_results) | set(b_results)))}
    units = []
    for uid in sorted(set(a_results) | set(b_results), key=lambda i: unit_names[i].code):
        a, b = a_results.get(uid), b_results.get(uid)
        pa, pb = (a.points if a else ZERO), (b.points if b else ZERO)
        ya, yb = (a.yuan if a else ZERO), (b.yuan if b else ZERO)
        ra, rb = (a.rank if a else None), (b.rank if b else None)
        if pa != pb or ya != yb or ra != rb:
            units.append({"unit": unit_names[uid], "pool": (b or a).pool, "points_a": pa, "points_b": pb,
                          "points_delta": pb - pa, "yuan_a": ya, "yuan_b": yb,
                          "yuan_delta": yb - ya, "rank_a": ra, "rank_b": rb})
    digests_a, digests_b = summary.digests(run_a), summary.digests(run_b)
    changed = sorted((g for g in set(digests_a) | set(digests_b) if digests_a.get(g) != digests_b.get(g)),
                     key=lambda g: (str(g[0]), str(g[1])))
    lines, more = [], False
    for unit, reporter in changed:
        if limit is not None and len(lines) >= limit:
            more = True
            break
        lines += _group_diff(run_a, run_b, unit, reporter)
    if limit is not None and len(lines) > limit:
        lines, more = lines[:limit], True
    found = {"run_a": run_a, "run_b": run_b, "units": units, "lines": lines}
    if limit is not None:
        found["more"] = more
    return found


def _group_diff(run_a, run_b, unit, reporter):
    """The differing lines of one unit (or reporter) between two runs, in the list's order."""
    a_lines = _line_map(summary.read_lines(run_a, unit, reporter, group=True))
    b_lines = _line_map(summary.read_lines(run_b, unit, reporter, group=True))
    lines = []
    for key in sorted(set(a_lines) | set(b_lines), key=lambda k: tuple(str(x) for x in k)):
        la, lb = a_lines.get(key), b_lines.get(key)
        if la and lb and la[0] == lb[0] and la[1] == lb[1] and la[2] == lb[2]:
            continue
        change = "added" if la is None else "removed" if lb is None else "changed"
        lines.append({"change": change, "unit": key[0], "reporter": key[1], "item": key[2],
                      "ruleset": key[3], "rule": key[4], "ref": key[5],
                      "points_a": la[0] if la else None, "points_b": lb[0] if lb else None,
                      "yuan_a": la[1] if la else None, "yuan_b": lb[1] if lb else None,
                      "explanation_a": la[2] if la else "", "explanation_b": lb[2] if lb else ""})
    return lines


def _line_map(rows):
    """Lines (summary.LINE_COLUMNS rows) by what they come from: (points, 元, sentence)."""
    lines = {}
    for unit, reporter, item, ruleset, rule, kind, points, yuan, ref, text in rows:
        key = (unit, reporter, item, ruleset, rule, ref or kind)
        if key in lines:  # the same source twice (rare): keep them apart by their sentence
            key = key + (text,)
        lines[key] = (_amount(points), _amount(yuan), text)
    return lines


def _amount(cents):
    """Stored hundredths as the amount the models give (AmountField)."""
    return Decimal(int(cents)).scaleb(-2)


def total_of(lines):
    return sum((line.points for line in lines), Decimal("0.00"))


def runs_citing(obj):
    """How many stored runs name this unit, reporter or item (or, for a scheme, are published).

    Such a row must not be deleted: the database would take its results and score lines with it
    (or cut the line's item), and published results never change behind anyone's back.
    """
    from kaohe.core.storage.models import Scheme
    if isinstance(obj, Unit):
        runs = (UnitResult.select(UnitResult.run).where(UnitResult.unit == obj)
                | ScoreLine.select(ScoreLine.run).where(ScoreLine.unit == obj))
    elif isinstance(obj, Reporter):
        runs = (ReporterResult.select(ReporterResult.run).where(ReporterResult.reporter == obj)
                | ScoreLine.select(ScoreLine.run).where(ScoreLine.reporter == obj))
    elif isinstance(obj, Item):
        runs = ScoreLine.select(ScoreLine.run).where(ScoreLine.item == obj)
    elif isinstance(obj, Scheme):
        return ScoreRun.select().where((ScoreRun.scheme == obj) & (ScoreRun.published == True)).count()  # noqa: E712
    else:
        return 0
    return ScoreRun.select().where(ScoreRun.id.in_(runs)).count()


def deletion_refusal(obj):
    """Why `obj` may not be deleted (a Chinese sentence), or None when it may."""
    from kaohe.core.storage.models import Scheme
    count = runs_citing(obj)
    if not count:
        return None
    if isinstance(obj, Scheme):
        return say("考核方案「{name}」有{count}次已发布的计算结果，不能删除：已发布的结果必须保留。",
                   name=obj.name, count=count)
    if isinstance(obj, Unit):
        return say("单位「{name}」出现在{count}次已保存的计算结果中，不能删除：删除会改变这些结果。"
                   "如不再参加考核，请在考核方案中把它移出成员单位。", name=obj.name, count=count)
    if isinstance(obj, Reporter):
        return say("信息员「{name}」出现在{count}次已保存的计算结果中，不能删除：删除会改变这些结果。",
                   name=obj.name, count=count)
    return say("稿件「{no}」已计入{count}次已保存的计算结果，不能删除：删除会改变这些结果的计分明细。"
               "如为误录，请改正后重新计算。", no=obj.no, count=count)
