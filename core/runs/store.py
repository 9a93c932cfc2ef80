"""Recalculation: compute a scheme's period and store the run, its results and score lines, in one transaction."""

import contextlib
import logging
import time
from decimal import Decimal

from peewee import OperationalError

from kaohe.core.domain.errors import RecalcError
from kaohe.core.domain.periods import now
from kaohe.core.domain.progress import no_progress
from kaohe.core.domain.sentences import Sentence, listing, say, stored_form
from kaohe.core.domain.vocab import (
    to_cents,
)
from kaohe.core.reads.rows import by_ids
from kaohe.core.runs import snapshot, summary
from kaohe.core.scoring.engine import _collector_paused, compute
from kaohe.core.storage import revision
from kaohe.core.storage.db import bulk_insert, db, is_sqlite
from kaohe.core.storage.models import (
    Item,
    ParameterVersion,
    Reporter,
    ReporterResult,
    RunSentence,
    Scheme,
    ScoreLine,
    ScoreRun,
    Unit,
    UnitResult,
)
from kaohe.core.storage.schemes import current_version, enabled_rulesets

log = logging.getLogger("kaohe.engine")


def recalculate(registry, scheme, period=None, author="", note="", progress=None):
    """Compute and store a score run in one transaction; on any failure nothing is stored.

    `progress(label, total)`, if given, makes a context whose ``update(n)`` is told how far the
    scoring (one step per rule set, one for the ranking) and then the storing (rows) have got:
    ``kaohe recalc`` draws its progress bars with it.
    """
    progress = progress or no_progress
    started = time.perf_counter()
    stamp = None if db.in_transaction() else revision.current()  # before any row is read
    steps = len(enabled_rulesets(current_version(scheme).config)) + 1
    with progress("计分", steps) as bar:
        outcome = compute(registry, scheme, period, on_step=bar.update)
    try:
        with _storing(stamp, outcome):
            run = ScoreRun.create(
                scheme=scheme, period=outcome.period.label, period_start=outcome.period.start,
                period_end=outcome.period.end, parameter_version=outcome.version,
                ruleset_versions=outcome.ruleset_versions, fingerprint=outcome.fingerprint,
                created_by=author, created_at=now(), note=note, line_count=len(outcome.lines))
            rows = len(outcome.lines) + len(outcome.units) + len(outcome.reporters)
            with _collector_paused(), progress("保存", rows) as bar:
                _store(run, outcome, on_rows=bar.update)
            snapshot.record(run, stamp)  # the revision it read, the notification's counts
            run.seconds = Decimal(str(round(time.perf_counter() - started, 3)))
            run.save(only=[ScoreRun.seconds])
    except OperationalError as error:
        # SQLite lets one writer at a time; another run or an import held it past busy_timeout.
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        raise RecalcError(say("数据库正忙：另一次计算或导入正在写入，等待超时；本次计算未保存，"
            "已有结果保持不变，请稍后再试")) from error
    outcome.run = run
    outcome.seconds = time.perf_counter() - started
    try:
        registry.hook.kaohe_run_stored(run=run, scheme=scheme)
    except Exception:  # a listener's failure must not undo a stored run
        log.exception("a kaohe_run_stored hook failed for run %s", run.id)
    return outcome


@contextlib.contextmanager
def _storing(stamp, outcome):
    """The transaction a run is stored in, its references checked once for the whole run.

    SQLite checks a row's foreign keys as it is inserted: for a province's run that is a third
    of a million lookups of items, units and reporters that the run has just read. When the data
    revision taken before reading is unchanged once the write lock is held, every row the run
    names still exists, so the checks are switched off for the transaction; when it moved (a
    clerk saved an item meanwhile), the references are looked up in one batch per table and a
    deleted one fails the run, naming it. On PostgreSQL the same batch check names what was
    deleted, and the database still checks each row; inside a caller's transaction (where the
    pragma cannot change) only the database checks.
    """
    fast = stamp is not None and is_sqlite()  # (no stamp inside a caller's transaction)
    if fast:
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        # On SQLite the write lock first, so that nothing changes after the check.
        with db.atomic(lock_type="IMMEDIATE") if fast else db.atomic():
            if stamp is not None:
                _check_references(outcome, data_changed=revision.current() != stamp)
            yield
    finally:
        if fast:
            db.execute_sql("PRAGMA foreign_keys = ON")


def _check_references(outcome, data_changed):
    """Fail unless the scheme, the parameter version and (when the data changed) every unit,
    reporter and item the run names still exist."""
    gone = []
    if not Scheme.select().where(Scheme.id == outcome.scheme.id).exists() or \
            not ParameterVersion.select().where(ParameterVersion.id == outcome.version.id).exists():
        gone.append(say("考核方案或其参数版本"))
    if data_changed:
        named = {Unit: set(outcome.units), Reporter: set(outcome.reporters), Item: set()}
        for unit, reporter, item, *_rest in outcome.lines:
            if unit is not None:
                named[Unit].add(unit)
            if reporter is not None:
                named[Reporter].add(reporter)
            if item is not None:
                named[Item].add(item)
        words = {Unit: "单位", Reporter: "信息员", Item: "稿件"}
        for model, ids in named.items():
            found = {r[0] for r in by_ids(model.select(model.id), model.id, sorted(ids))}
            missing = sorted(ids - found)
            if missing:
                shown = "、".join(map(str, missing[:5])) + ("等" if len(missing) > 5 else "")
                gone.append(say("{what}（id {ids}）", what=words[model], ids=shown))
    if gone:
        raise RecalcError(say("计算期间{gone}已被删除；本次计算未保存，已有结果保持不变，"
            "请重新计算",
            gone=listing(gone)))


def _store(run, outcome, on_rows=None):
    run_id = run.id
    # Each distinct sentence is stored as its text once in the rows (a plain str, which the
    # database binds without looking for an adapter) and kept, with its template, in `said`.
    said, texts = {}, {}  # text -> its Sentence; Sentence -> its text

    def text_of(sentence):
        text = texts.get(sentence)
        if text is None:
            text = texts[sentence] = str(sentence)
            said[text] = sentence
        return text

    def plain(text):
        return text_of(text) if text.__class__ is Sentence else text

    unit_rows = [
        (run_id, t.unit, t.pool, to_cents(t.points), to_cents(t.yuan), t.rank, t.submitted, t.adopted,
         str(t.adoption_rate), t.national, t.provincial, t.city, plain(t.tie_break),
         None if t.converted is None else to_cents(t.converted), t.vetoed, plain(t.veto_reason),
         t.award_rank, plain(t.award_note), plain(t.grade))
        for t in outcome.units.values()
    ]
    bulk_insert(UnitResult, ["run", "unit", "pool", "points", "yuan", "rank", "submitted",
                             "adopted", "adoption_rate", "national", "provincial", "city",
                             "tie_break", "converted", "vetoed", "veto_reason", "award_rank",
                             "award_note", "grade"], unit_rows, on_rows=on_rows)
    reporter_rows = [
        (run_id, r.reporter, to_cents(r.points), to_cents(r.yuan), r.rank, r.vetoed,
         plain(r.veto_reason), r.award_rank, plain(r.award_note), plain(r.grade))
        for r in outcome.reporters.values()
    ]
    bulk_insert(ReporterResult, ["run", "reporter", "points", "yuan", "rank", "vetoed",
                                 "veto_reason", "award_rank", "award_note", "grade"], reporter_rows,
                on_rows=on_rows)
    line_rows = [
        (run_id, unit, reporter, item, ruleset, rule, kind, to_cents(points), to_cents(yuan),
         ref, text if text.__class__ is not Sentence else (texts.get(text) or text_of(text)))
        for unit, reporter, item, ruleset, rule, kind, points, yuan, ref, text in outcome.lines
    ]
    bulk_insert(ScoreLine, ["run", "unit", "reporter", "item", "ruleset", "rule", "kind", "points",
                            "yuan", "ref", "explanation"], line_rows, on_rows=on_rows)
    _store_sentences(run_id, said)
    # What the dashboard and the comparison read instead of the lines, kept with the run.
    summary.summarise(run, rows=line_rows, skip=1)


def _store_sentences(run_id, said):
    """Each distinct sentence the run stored as text ({text: Sentence}), with its template and
    parameters, once: a province's run has a third of a million lines but a few thousand
    sentences, most lines sharing the sentence of their kind of adoption (RunSentence, for the
    panel in English)."""
    field, rows = RunSentence.params, []
    for text, sentence in said.items():
        if sentence.template is None and sentence.parts is None:
            continue
        template, params = stored_form(sentence)
        rows.append((run_id, text, template, field.db_value(params)))
    bulk_insert(RunSentence, ["run", "text", "template", "params"], rows)
