"""Score runs and what they store: results, score lines, the per-run summaries, recalculation jobs."""


from peewee import (
    SQL,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from kaohe.core.domain.periods import now
from kaohe.core.storage.models.base import AmountField, BaseModel, JSONField, choices
from kaohe.core.storage.models.data import Item, ParameterVersion, Reporter, Scheme, Unit


class ScoreRun(BaseModel):
    scheme = ForeignKeyField(Scheme, backref="runs", on_delete="CASCADE")
    period = CharField(max_length=32, verbose_name="期间")  # a label of core/domain/periods.py
    period_start = DateField()
    period_end = DateField()
    parameter_version = ForeignKeyField(ParameterVersion, backref="runs", on_delete="RESTRICT")
    ruleset_versions = JSONField(default=dict)
    fingerprint = CharField(max_length=64)
    created_by = CharField(max_length=100, default="")
    created_at = DateTimeField(default=now)
    seconds = DecimalField(max_digits=10, decimal_places=3, null=True)
    line_count = IntegerField(default=0)
    note = TextField(default="")
    published = BooleanField(default=False, index=True)
    published_at = DateTimeField(null=True)
    published_by = CharField(max_length=100, null=True)
    # A trial run put aside (published runs are never deleted nor archived).
    archived = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")], verbose_name="已归档")

    class Meta:
        indexes = ((("scheme", "period"), False),)


class UnitResult(BaseModel):
    run = ForeignKeyField(ScoreRun, backref="unit_results", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, backref="results", on_delete="CASCADE")
    pool = CharField(max_length=64)
    points = AmountField()
    yuan = AmountField()
    rank = IntegerField()
    submitted = IntegerField()
    adopted = IntegerField()
    adoption_rate = DecimalField(max_digits=7, decimal_places=4)
    national = IntegerField()
    provincial = IntegerField()
    city = IntegerField()
    tie_break = TextField(default="")
    converted = AmountField(null=True)
    vetoed = BooleanField(default=False)
    veto_reason = TextField(default="")
    award_rank = IntegerField(null=True)
    award_note = TextField(default="")
    grade = CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])  # 优, 达标, 一等奖

    class Meta:
        indexes = ((("run", "unit"), True),)


class RunSnapshot(BaseModel):
    """What a run saw beside its results: the data revision, and the period's leader instructions.

    Written once the run is stored (core/runs/snapshot.py): the revision tells later readers
    whether data changed after the run; the instructions let the notification list the run's own.
    """
    run = ForeignKeyField(ScoreRun, backref="snapshots", on_delete="CASCADE", unique=True)
    data_token = CharField(max_length=32, null=True)
    data_counter = BigIntegerField(null=True)
    instructions = JSONField(default=list)


class UnitCount(BaseModel):
    """A unit's counts in a run that UnitResult does not hold, for the notification: adoptions in
    county publications in the period, and the items submitted earlier in the year whose first
    adoption falls in the period (so that the runs of January..M add up to the items of the year
    adopted by M's end: each month's own `adopted` plus these)."""
    run = ForeignKeyField(ScoreRun, backref="unit_counts", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    county = IntegerField(default=0)
    adopted_earlier = IntegerField(default=0)

    class Meta:
        indexes = ((("run", "unit"), True),)


class ReporterResult(BaseModel):
    run = ForeignKeyField(ScoreRun, backref="reporter_results", on_delete="CASCADE")
    reporter = ForeignKeyField(Reporter, backref="results", on_delete="CASCADE")
    points = AmountField()
    yuan = AmountField()
    rank = IntegerField()
    vetoed = BooleanField(default=False)
    veto_reason = TextField(default="")
    award_rank = IntegerField(null=True)
    award_note = TextField(default="")
    grade = CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])  # 优, 达标, 一等奖

    class Meta:
        indexes = ((("run", "reporter"), True),)


class ScoreLine(BaseModel):
    """One reason a unit (or a reporter) holds points or 元, with the sentence that says why.

    `kind` is `score` for amounts, `flag` for a warning that carries no amount, `veto` for a
    disqualification from the year's awards.
    """
    run = ForeignKeyField(ScoreRun, backref="lines", on_delete="CASCADE", index=False)
    unit = ForeignKeyField(Unit, null=True, on_delete="CASCADE", index=False)
    reporter = ForeignKeyField(Reporter, null=True, on_delete="CASCADE", index=False)
    item = ForeignKeyField(Item, null=True, on_delete="SET NULL", index=False)
    ruleset = CharField(max_length=64)
    rule = CharField(max_length=64)
    kind = CharField(max_length=8, default="score")
    points = AmountField(default=0)
    yuan = AmountField(default=0)
    ref = CharField(max_length=64, default="")
    explanation = TextField()

    class Meta:
        indexes = ((("run", "unit"), False),)


# A reporter's own lines are a few hundred of a run's hundreds of thousands (item lines name
# units; authors' shares are added up, not listed): the index holds only those, which keeps
# storing a province's run a quarter of a second shorter (schema version 4).
ScoreLine.add_index(ScoreLine.index(ScoreLine.run, ScoreLine.reporter,
                                    where=ScoreLine.reporter.is_null(False)))


class RunMonth(BaseModel):
    """A run's unit points by month of the adoption or instruction they come from, and the
    member units' adoptions of that month: what the dashboard draws, kept with the run
    (core/runs/summary.py) so that the page does not read the run's lines."""
    run = ForeignKeyField(ScoreRun, backref="months", on_delete="CASCADE", index=False)
    month = IntegerField()
    points = AmountField(default=0)
    adoptions = IntegerField(default=0)

    class Meta:
        indexes = ((("run", "month"), True),)


class RunDigest(BaseModel):
    """The score lines of one unit (or reporter, or neither) in a run, in brief: how many and a
    digest of them all, so that comparing two runs reads only the lines that differ."""
    run = ForeignKeyField(ScoreRun, backref="digests", on_delete="CASCADE", index=False)
    unit = ForeignKeyField(Unit, null=True, on_delete="CASCADE", index=False)
    reporter = ForeignKeyField(Reporter, null=True, on_delete="CASCADE", index=False)
    lines = IntegerField()
    digest = CharField(max_length=64)

    class Meta:
        indexes = ((("run", "unit", "reporter"), False),)


class RunSentence(BaseModel):
    """A distinct sentence a run stored as text (a score line's explanation, a tie-break, a veto
    reason, an award note) with what it was made of: its template (the key of its translations)
    and its parameters (kaohe.core.domain.sentences.stored_form), so that the panel can say it
    in English. Written once per distinct text by core/runs/store.py; a run stored before these
    were kept has none, and its texts are shown as they are (Chinese)."""
    run = ForeignKeyField(ScoreRun, backref="sentences", on_delete="CASCADE")
    text = TextField()
    template = TextField(default="")  # "" for a listing (its parts in `params`)
    params = JSONField(default=dict)


JOB_STATES = {"queued": "排队中", "running": "计算中", "done": "已完成", "failed": "失败"}


class RecalcJob(BaseModel):
    """One recalculation asked for in the panel or the API, computed outside the request threads.

    At most one job of a scheme runs at a time (core/runs/jobs.py); `heartbeat_at` shows that the
    process running it is alive, `step`/`steps` and `stage` how far it has got. `message` (why it
    failed, or the run's warnings) is kept with how it was said in `message_words` (schema
    version 9; kaohe.core.domain.sentences.words_of), so that the panel in English can say it;
    NULL for a plain message and for the jobs of before version 9.
    """
    scheme = ForeignKeyField(Scheme, backref="jobs", on_delete="CASCADE")
    period = CharField(max_length=16, verbose_name="期间")
    note = TextField(default="")
    requested_by = CharField(max_length=100, default="", index=True)
    requested_at = DateTimeField(default=now, index=True)
    state = CharField(max_length=16, default="queued", choices=choices(JOB_STATES), index=True)
    stage = CharField(max_length=100, default="")
    step = IntegerField(default=0)
    steps = IntegerField(default=0)
    started_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    run = ForeignKeyField(ScoreRun, null=True, backref="jobs", on_delete="SET NULL")
    message = TextField(default="")
    message_words = JSONField(null=True)
