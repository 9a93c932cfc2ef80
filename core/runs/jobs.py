"""Recalculation jobs: one at a time per scheme, computed outside the request threads, with progress and time limits.

The panel and the API ask for a recalculation with `submit`; a thread of the serving process
waits for the scheme to be free and then computes the run in a child process (`recalculate`,
the same as `kaohe recalc`), relaying its progress to the job's row (RecalcJob). The child can be
stopped, so a rule set that runs longer than its time limit is stopped and named, and the request
that asked for the run has long since answered.

One at a time per scheme, also across several `kaohe serve` processes on one database: jobs are
claimed and created inside one serialized transaction (BEGIN IMMEDIATE on SQLite, a transaction
advisory lock on PostgreSQL), and a request identical to a job in progress (same scheme and
period) joins it instead of starting another.

A job's message (why it failed, or the run's warnings) is a Sentence: its Chinese text is the
`message`, how it was said is kept in `message_words`, and :func:`message_of` says it again, so
that the panel in English can say it; what the child process says comes over the queue as
Sentences whose parameters are plain values (`_portable`), which always pickle.
"""

import contextlib
import logging
import multiprocessing
import queue as queues
import re
import threading
import time
from dataclasses import dataclass

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import listing, said_from, say, sentence_of, words_of
from kaohe.core.storage import audit
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.db import db, is_postgres, write_or_skip
from kaohe.core.storage.models import RecalcJob, Scheme, ScoreRun

log = logging.getLogger("kaohe.jobs")

ACTIVE = ("queued", "running")
JOB_LOCK = 4_826_012  # PostgreSQL advisory lock class of the jobs (the key is the scheme's id)
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Limits:
    """The instance's settings for jobs (see admin/__init__.py's default_config)."""
    ruleset_seconds: int = 600       # a rule set running longer is stopped
    per_account: int = 10            # jobs one account may start within `rate_seconds`
    rate_seconds: int = 600
    trial_runs_kept: int = 20        # unpublished runs kept per scheme and period (0: all)
    stale_seconds: int = 600         # a running job without a heartbeat this long has died


class TooManyRecalculations(KaoheError):
    """An account asked for more recalculations than its rate allows; `retry_after` seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


def _seconds_ago(seconds):
    import datetime
    return now() - datetime.timedelta(seconds=seconds)


@contextlib.contextmanager
def _serialized(scheme_id):
    """A transaction no other process's job bookkeeping of this scheme runs alongside."""
    with db.atomic():  # BEGIN IMMEDIATE on SQLite (core/storage/db.py): one writer at a time
        if is_postgres():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (JOB_LOCK, int(scheme_id)))
        yield


def _end_dead_jobs(scheme_id, limits):
    """Fail the running jobs of a scheme whose process stopped beating (it was killed)."""
    message = say("计算进程已中止（服务器重启或进程被结束），未保存任何结果；请重新计算")
    RecalcJob.update(state="failed", finished_at=now(), **_message_fields(message)) \
        .where((RecalcJob.scheme == scheme_id) & (RecalcJob.state == "running")
               & (RecalcJob.heartbeat_at < _seconds_ago(limits.stale_seconds))).execute()


def submit(scheme, period, author, note="", limits=Limits(), registry_factory=None, start=True):
    """Ask for a recalculation of `scheme` over `period` (a label): (job, joined).

    A job of the same scheme and period already queued or running is returned instead (joined
    True). Otherwise a new job is queued and, with `start`, a thread begins to work on it; an
    account over its rate is refused with TooManyRecalculations.
    """
    with _serialized(scheme.id):
        _end_dead_jobs(scheme.id, limits)
        active = (RecalcJob.select()
                  .where((RecalcJob.scheme == scheme) & (RecalcJob.period == period)
                         & RecalcJob.state.in_(ACTIVE)).order_by(RecalcJob.id).first())
        if active is not None:
            return active, True
        if limits.per_account:
            recent = list(RecalcJob.select(RecalcJob.requested_at)
                          .where((RecalcJob.requested_by == author)
                                 & (RecalcJob.requested_at > _seconds_ago(limits.rate_seconds)))
                          .order_by(RecalcJob.requested_at.desc()).limit(limits.per_account))
            if len(recent) >= limits.per_account:
                oldest = recent[-1].requested_at
                wait = max(1, int(limits.rate_seconds - (now() - oldest).total_seconds()) + 1)
                raise TooManyRecalculations(
                    say("账号「{author}」在 {rate_seconds} 分钟内已发起 "
                        "{per_account} 次计算，请 {wait} 秒后再试",
                        author=author, rate_seconds=limits.rate_seconds // 60, per_account=limits.per_account,
                        wait=wait), retry_after=wait)
        job = RecalcJob.create(scheme=scheme, period=period, note=note, requested_by=author,
                               requested_at=now())
    if start:
        worker = threading.Thread(target=work, args=(job.id, limits, registry_factory),
                                  name=f"kaohe-job-{job.id}", daemon=True)
        worker.start()
    return job, False


def wait(job, seconds):
    """The job's row once it is done or failed, or as it stands after `seconds`."""
    deadline = time.monotonic() + seconds
    pause = 0.02  # a month of a county takes a fraction of a second: look soon, then less often
    while True:
        job = RecalcJob.get_by_id(job.id)
        if job.state not in ACTIVE or time.monotonic() >= deadline:
            return job
        time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 2, POLL_SECONDS)


def progress_text(job):
    """How far a job has got, in words (a Sentence): "计分（规则集 county_bonus） 2/4"; its message
    once it has ended."""
    if job.state == "queued":
        return say("排队中：同一考核方案的另一次计算完成后开始")
    if job.state == "running":
        stage = job.stage or "准备中"
        return _progress(stage, job.step, job.steps) if job.steps else _stage(stage)
    return message_of(job)


def message_of(job):
    """The job's message as it was said (a Sentence), or its text as it is (a job of before schema
    version 9, a plain message, words that no longer make the text)."""
    return said_from(job.message, job.message_words)


def _message_fields(message):
    """The columns of a job's message: its text and how it was said."""
    return {"message": str(message), "message_words": words_of(message)}


# The stages a job goes through (the engine's progress labels, core/runs/store.py, and the
# parent's), said as sentences of their own: 计分 is a stage here, not a score line's type. While
# a rule set computes, the stored label names it (计分（规则集 county_bonus）), read back by the pattern.
RULESET_STAGE = "{stage}（规则集 {ruleset}）"
_RULESET_STAGE = re.compile(r"(.+)（规则集 (.+)）", re.S)


def _stage(stage):
    """A stage's stored label as a sentence (准备中, 计分, 保存); an unknown one as it is."""
    if stage == "准备中":
        return say("准备中")
    return stage


def _progress(stage, step, steps):
    """The progress of a stage with steps, said from its stored label: the sentence of its stage
    where it is one of the job's own (计分 2/4, 计分（规则集 provincial） 1/4, 保存 5000/20000), else
    the label with the numbers."""
    found = _RULESET_STAGE.fullmatch(stage)
    if found and found.group(1) == "计分":
        return say("计分（规则集 {ruleset}） {step}/{steps}", ruleset=found.group(2), step=step,
                   steps=steps)
    if stage == "计分":
        return say("计分 {step}/{steps}", step=step, steps=steps)
    if stage == "保存":
        return say("保存 {step}/{steps}", step=step, steps=steps)
    return say("{stage} {step}/{steps}", stage=_stage(stage), step=step, steps=steps)


# ---------------------------------------------------------------- the worker thread

def claim(job_id, limits):
    """Start the job if no other job of its scheme runs; False while one does."""
    job = RecalcJob.get_by_id(job_id)
    with _serialized(job.scheme_id):
        _end_dead_jobs(job.scheme_id, limits)
        busy = RecalcJob.select().where((RecalcJob.scheme == job.scheme_id)
                                        & (RecalcJob.state == "running")
                                        & (RecalcJob.id != job_id)).exists()
        earlier = RecalcJob.select().where((RecalcJob.scheme == job.scheme_id)
                                           & (RecalcJob.state == "queued")
                                           & (RecalcJob.id < job_id)).exists()
        if busy or earlier:
            return False
        moment = now()
        return RecalcJob.update(state="running", started_at=moment, heartbeat_at=moment,
                                stage="准备中").where(
            (RecalcJob.id == job_id) & (RecalcJob.state == "queued")).execute() == 1


def work(job_id, limits=Limits(), registry_factory=None, on_progress=None):
    """Wait for the scheme to be free, compute the job's run in a child process, record the end.

    `registry_factory()` builds the rule sets in the child (the panel passes one that builds
    them as the app did: core code does not reach up to the plugin manager). `on_progress`,
    if given, is called with each of the child's reports: ("stage", label, total), ("step", n).
    """
    db.connect(reuse_if_open=True)
    try:
        while True:
            state = RecalcJob.get_by_id(job_id).state
            if state != "queued":
                return
            if claim(job_id, limits):
                break
            time.sleep(POLL_SECONDS * 2)
        job = RecalcJob.get_by_id(job_id)
        try:
            run_id, message = _compute(job, limits, registry_factory, on_progress)
        except Exception as error:  # the job must end whatever went wrong
            log.exception("recalculation job %s failed", job_id)
            run_id, message = None, say("计算出错：{error_type}: {error}；未保存任何结果",
                                        error_type=type(error).__name__, error=sentence_of(error))
        _finish(job_id, run_id, message)
        if run_id is not None:
            prune_trial_runs(job.scheme_id, job.period, limits.trial_runs_kept)
    finally:
        if not db.is_closed():
            db.close()


def _finish(job_id, run_id, message):
    fields = {"finished_at": now(), "heartbeat_at": now()}
    if run_id is not None:  # `message`: the run's warnings, if any
        fields.update(state="done", run=run_id, stage="完成", **_message_fields(message or ""))
    else:
        fields.update(state="failed", **_message_fields(message))
    RecalcJob.update(**fields).where(RecalcJob.id == job_id).execute()


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kaohe.core.runs.store"])
        return context
    return multiprocessing.get_context("spawn")


def _compute(job, limits, registry_factory, on_progress=None):
    """Run the child and relay its progress: (run id, its warnings) or (None, why it failed)."""
    from kaohe.core.storage.schemes import current_version, enabled_rulesets
    names = [entry["name"] for entry in enabled_rulesets(current_version(job.scheme).config)]
    context = _context()
    messages = context.Queue()
    child = context.Process(target=_child, daemon=True, name=f"kaohe-recalc-{job.id}", args=(
        dbmod.configured_url or dbmod.default_url(), registry_factory, job.scheme_id, job.period,
        job.requested_by, job.note, messages))
    child.start()
    stage, step, steps, stage_started, beat = "准备中", 0, 0, time.monotonic(), 0.0
    outcome = None
    while outcome is None:
        try:
            message = messages.get(timeout=0.5)
        except queues.Empty:
            message = None
            if not child.is_alive():
                with contextlib.suppress(queues.Empty):
                    message = messages.get(timeout=0.5)
                if message is None:
                    outcome = (None, say("计算进程意外退出（代码 {code}），未保存任何结果",
                                         code=child.exitcode))
                    break
        if message is not None:
            kind = message[0]
            if on_progress is not None and kind in ("stage", "step"):
                on_progress(*message)
            if kind == "stage":
                stage, steps, step = message[1], message[2], 0
                stage_started = time.monotonic()
            elif kind == "step":
                step += message[1]
                stage_started = time.monotonic()
            else:
                # done: the run and its warnings (two rules scoring one adoption); else why not
                outcome = (message[1], listing(message[2], "；")) if kind == "done" \
                    else (None, message[1])
                break
        if stage == "计分" and step < len(names) and limits.ruleset_seconds \
                and time.monotonic() - stage_started > limits.ruleset_seconds:
            child.terminate()
            outcome = (None, say("规则集「{ruleset}」计算超过 {seconds} 秒仍未完成，已停止；本次计算"
                                 "未保存，已有结果保持不变。请检查该规则集或调整时限（KAOHE_RULESET_SECONDS）",
                                 ruleset=names[step], seconds=limits.ruleset_seconds))
            break
        if time.monotonic() - beat >= 1:
            beat = time.monotonic()
            label = (RULESET_STAGE.format(stage=stage, ruleset=names[step])
                     if stage == "计分" and step < len(names) else stage)
            write_or_skip(lambda: RecalcJob.update(
                stage=label[:100], step=step, steps=steps, heartbeat_at=now())
                .where(RecalcJob.id == job.id).execute())
    child.join(timeout=10)
    if child.is_alive():
        child.kill()
    return outcome


class _Relay:
    """The engine's progress callback in the child: each stage and step goes to the parent."""

    def __init__(self, messages):
        self.messages = messages

    @contextlib.contextmanager
    def __call__(self, label, total):
        self.messages.put(("stage", label, total))
        yield self

    def update(self, n=1):
        self.messages.put(("step", n))


def _child(url, registry_factory, scheme_id, period, author, note, messages):
    """In the child process: compute and store the run, and say how it ended."""
    from kaohe.core.runs.store import recalculate
    dbmod.configure(url)
    db.connect(reuse_if_open=True)
    try:
        registry = registry_factory()
        scheme = Scheme.get_by_id(scheme_id)
        outcome = recalculate(registry, scheme, period, author=author, note=note,
                              progress=_Relay(messages))
        messages.put(("done", outcome.run.id, [_portable(w) for w in outcome.warnings]))
    except KaoheError as error:
        messages.put(("failed", _portable(error.sentence)))
    except Exception as error:
        log.exception("recalculation of scheme %s %s failed", scheme_id, period)
        messages.put(("failed", _portable(say("计算出错：{error_type}: {error}；本次计算未保存，"
                                              "已有结果保持不变", error_type=type(error).__name__,
                                              error=sentence_of(error)))))
    finally:
        db.close()
        messages.close()
        messages.join_thread()


def _portable(text):
    """`text` for the queue to the parent: a Sentence said again from its stored form (parameters
    as JSON's values, Decimals as Decimals), so that it pickles whatever its parameters were;
    plain text as a str."""
    words = words_of(text)
    return said_from(str(text), words) if words is not None else str(text)


# ---------------------------------------------------------------- retention of trial runs

def prune_trial_runs(scheme_id, period, keep):
    """Delete the unpublished runs of a scheme's period but the newest `keep` (0 keeps all).

    Published runs are never deleted. Returns the ids deleted; one audit entry records them.
    """
    if not keep:
        return []
    old = [run_id for (run_id,) in ScoreRun.select(ScoreRun.id)
           .where((ScoreRun.scheme == scheme_id) & (ScoreRun.period == period)
                  & (ScoreRun.published == False))  # noqa: E712 (peewee expression)
           .order_by(ScoreRun.id.desc()).offset(keep).tuples()]
    if not old:
        return []
    with db.atomic():
        RecalcJob.update(run=None).where(RecalcJob.run.in_(old)).execute()
        ScoreRun.delete().where(ScoreRun.id.in_(old)).execute()
        audit.record("kaohe", "run.prune", "scheme", scheme_id,
                     summary=say("按保留设置（每期保留最近 {keep} 次未发布的计算）删除{period}的"
                                 "试算结果 {count} 次：{runs}", keep=keep, period=period,
                                 count=len(old), runs=listing(map(str, sorted(old)))),
                     old={"runs": sorted(old)})
    return old
