"""The peewee models: who reports, what they report, what was adopted, and the score runs."""

import json

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    SQL,
    TextField,
)

from kaohe.core.domain.periods import now
from kaohe.core.domain.vocab import (
    CATEGORIES,
    FORMS,
    FORWARDED,
    LEVELS,
    SEVERITIES,
    UNIT_KINDS,
    URGENT_STATUSES,
    from_cents,
    to_cents,
)
from kaohe.core.storage.db import db

SCHEMA_VERSION = 8  # the latest of core/storage/migrations.py's MIGRATIONS


def choices(vocabulary):
    return [(code, label) for code, label in vocabulary.items()]


class AmountField(BigIntegerField):
    """An exact amount (points or 元) with two places, stored as whole hundredths.

    Hundredths in an integer column sum exactly in SQL on every backend, where SQLite would
    turn a DECIMAL column into floating point.
    """

    def db_value(self, value):
        if value is None:
            return None
        return to_cents(value)

    def python_value(self, value):
        if value is None:
            return None
        return from_cents(value)


class JSONField(TextField):
    """A JSON document in a text column (portable across SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


# ---------------------------------------------------------------- who reports

class UnitKind(BaseModel):
    """A unit kind an office names beyond the built-in ones (vocab.UNIT_KINDS), e.g. 地市."""
    code = CharField(max_length=32, unique=True, verbose_name="类型代码")
    name = CharField(max_length=64, verbose_name="类型名称")

    def __str__(self):
        return self.name


class Unit(BaseModel):
    code = CharField(max_length=64, unique=True, verbose_name="单位代码")
    name = CharField(max_length=200, verbose_name="单位名称")
    # a built-in kind (vocab.UNIT_KINDS) or the code of an office's own UnitKind
    kind = CharField(max_length=32, choices=choices(UNIT_KINDS), verbose_name="单位类型")
    pool = CharField(max_length=64, index=True, verbose_name="考核组别")
    sector = CharField(max_length=32, null=True, verbose_name="口子")
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL",
                             verbose_name="上级单位")

    def __str__(self):
        return self.name


class Reporter(BaseModel):
    code = CharField(max_length=64, unique=True, verbose_name="信息员编号")
    name = CharField(max_length=100, verbose_name="姓名")
    unit = ForeignKeyField(Unit, backref="reporters", on_delete="CASCADE", verbose_name="所在单位")

    def __str__(self):
        return f"{self.name}（{self.unit.name}）"


class Publication(BaseModel):
    code = CharField(max_length=64, unique=True, verbose_name="刊物代码")
    name = CharField(max_length=200, verbose_name="刊物名称")
    level = CharField(max_length=32, choices=choices(LEVELS), verbose_name="级别")
    issuer = CharField(max_length=200, null=True, verbose_name="主办单位")

    def __str__(self):
        return f"《{self.name}》（{LEVELS.get(self.level, self.level)}）"


# ---------------------------------------------------------------- what they report

class Solicitation(BaseModel):
    no = CharField(max_length=64, unique=True, verbose_name="约稿编号")
    title = CharField(max_length=500, verbose_name="题目")
    issued_on = DateField(verbose_name="下发日期")
    due_on = DateField(index=True, verbose_name="截止日期")

    def __str__(self):
        return f"{self.no} {self.title}"


class SolicitationUnit(BaseModel):
    solicitation = ForeignKeyField(Solicitation, backref="unit_links", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, backref="solicitation_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("solicitation", "unit"), True),)


class Item(BaseModel):
    no = CharField(max_length=64, unique=True, verbose_name="稿件编号")
    title = CharField(max_length=500, verbose_name="标题")
    submitted_on = DateField(index=True, verbose_name="报送日期")
    category = CharField(max_length=32, choices=choices(CATEGORIES), default="news",
                         verbose_name="类别")
    negative = BooleanField(default=False, verbose_name="负反馈")
    solicitation = ForeignKeyField(Solicitation, null=True, backref="items", on_delete="SET NULL",
                                   verbose_name="约稿")
    # words a scheme's rules may name (图片, 视频); the database's default serves bulk inserts
    tags = JSONField(default=list, constraints=[SQL("DEFAULT '[]'")], verbose_name="标签")
    created_at = DateTimeField(default=now, verbose_name="录入时间")

    def __str__(self):
        return f"{self.no} {self.title}"


class ItemUnit(BaseModel):
    """A unit that reported an item; several units make a joint report (合报)."""
    item = ForeignKeyField(Item, backref="unit_links", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, backref="item_links", on_delete="CASCADE")
    position = IntegerField(default=0)

    class Meta:
        indexes = ((("item", "unit"), True), (("unit", "item"), False))


class ItemAuthor(BaseModel):
    item = ForeignKeyField(Item, backref="author_links", on_delete="CASCADE")
    reporter = ForeignKeyField(Reporter, backref="item_links", on_delete="CASCADE")
    position = IntegerField(default=0)

    class Meta:
        indexes = ((("item", "reporter"), True),)


class Adoption(BaseModel):
    item = ForeignKeyField(Item, backref="adoptions", on_delete="CASCADE", verbose_name="稿件")
    publication = ForeignKeyField(Publication, backref="adoptions", on_delete="RESTRICT",
                                  verbose_name="刊物")
    issue = CharField(max_length=64, default="", verbose_name="期号")
    adopted_on = DateField(index=True, verbose_name="采用日期")
    form = CharField(max_length=32, choices=choices(FORMS), verbose_name="采用形式")

    class Meta:
        indexes = ((("item", "publication", "issue"), True),)


def adopted(adoption=Adoption):
    """The SQL condition of the one rule of adoption (`vocab.is_adopted`) on `adoption`: the
    Adoption model or an alias of it."""
    return adoption.form != FORWARDED


class Instruction(BaseModel):
    item = ForeignKeyField(Item, backref="instructions", on_delete="CASCADE", verbose_name="稿件")
    leader_level = CharField(max_length=32, choices=choices(LEVELS), verbose_name="批示领导级别")
    leader = CharField(max_length=100, default="", verbose_name="批示领导")
    instructed_on = DateField(index=True, verbose_name="批示日期")

    class Meta:
        indexes = ((("item", "leader_level", "leader", "instructed_on"), True),)


class UrgentReport(BaseModel):
    no = CharField(max_length=64, unique=True, verbose_name="事件编号")
    unit = ForeignKeyField(Unit, backref="urgent_reports", on_delete="CASCADE",
                           verbose_name="报送单位")
    title = CharField(max_length=500, verbose_name="事件")
    severity = CharField(max_length=4, choices=choices(SEVERITIES), verbose_name="级别")
    occurred_at = DateTimeField(index=True, verbose_name="发生时间")
    reported_at = DateTimeField(null=True, verbose_name="首报时间")
    status = CharField(max_length=16, choices=choices(URGENT_STATUSES), default="reported",
                       verbose_name="状态")
    misreported = BooleanField(default=False, verbose_name="误报")
    reporter = ForeignKeyField(Reporter, null=True, backref="urgent_reports",
                               on_delete="SET NULL", verbose_name="责任信息员")
    item = ForeignKeyField(Item, null=True, backref="urgent_reports", on_delete="SET NULL",
                           verbose_name="稿件")  # the item that carried the report, if scored as one


class UnitFact(BaseModel):
    """A recorded fact about a unit in a year, e.g. `provincial_county_rank` = 12."""
    unit = ForeignKeyField(Unit, backref="facts", on_delete="CASCADE", verbose_name="单位")
    year = IntegerField(verbose_name="年度")
    kind = CharField(max_length=64, verbose_name="事实")
    value = CharField(max_length=200, verbose_name="值")

    class Meta:
        indexes = ((("unit", "year", "kind"), True),)


class Target(BaseModel):
    """A unit's quota for a year, or for a half, quarter or month of it (`2025-H1`, `2025-Q1`,
    `2025-03`); `period` is empty for the whole year.

    `scheme` is the name of the scheme it holds for; empty, it holds for every scheme (a
    scheme's own target for the same unit and period takes its place).
    """
    unit = ForeignKeyField(Unit, backref="targets", on_delete="CASCADE", verbose_name="单位")
    year = IntegerField(verbose_name="年度")
    period = CharField(max_length=16, default="", constraints=[SQL("DEFAULT ''")],
                       verbose_name="期间")
    scheme = CharField(max_length=100, default="", constraints=[SQL("DEFAULT ''")],
                       verbose_name="考核方案")
    submit_target = IntegerField(default=0, verbose_name="报送任务")
    adopt_target = IntegerField(default=0, verbose_name="采用任务")

    class Meta:
        indexes = ((("unit", "year", "period", "scheme"), True),)


class Adjustment(BaseModel):
    """Points or 元 the office gives or deducts by hand (加减分), e.g. for a content error.

    `kind` is a word the scheme's rules may name (迟报, 差错); `reference` the article it rests on.
    """
    unit = ForeignKeyField(Unit, backref="adjustments", on_delete="CASCADE", verbose_name="单位")
    date = DateField(index=True, verbose_name="日期")
    points = AmountField(null=True, verbose_name="分值")
    yuan = AmountField(null=True, verbose_name="金额")
    kind = CharField(max_length=32, default="", verbose_name="类别")
    reason = CharField(max_length=500, verbose_name="事由")
    reference = CharField(max_length=500, default="", verbose_name="依据")
    reporter = ForeignKeyField(Reporter, null=True, backref="adjustments", on_delete="SET NULL",
                               verbose_name="信息员")
    item = ForeignKeyField(Item, null=True, backref="adjustments", on_delete="SET NULL",
                           verbose_name="稿件")
    created_at = DateTimeField(default=now, verbose_name="录入时间")

    class Meta:
        indexes = ((("unit", "date", "kind", "reason"), True),)


# ---------------------------------------------------------------- schemes and their versions

class Scheme(BaseModel):
    name = CharField(max_length=100, unique=True, verbose_name="方案名称")
    title = CharField(max_length=300, default="", verbose_name="标题")
    year = IntegerField(verbose_name="年度")
    created_at = DateTimeField(default=now, verbose_name="创建时间")

    def __str__(self):
        return self.name


class SchemeUnit(BaseModel):
    scheme = ForeignKeyField(Scheme, backref="unit_links", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, backref="scheme_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("scheme", "unit"), True),)


class ParameterVersion(BaseModel):
    """One saved state of everything tunable in a scheme.

    `config` holds the enabled rule sets in order with their parameter values, and the award
    and conversion settings. The highest number is the scheme's current configuration.
    """
    scheme = ForeignKeyField(Scheme, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    config = JSONField()
    author = CharField(max_length=100, default="")
    reason = TextField(default="")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("scheme", "number"), True),)


# ---------------------------------------------------------------- score runs

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


# ---------------------------------------------------------------- accounts

ROLES = {
    "admin": "管理员",
    "clerk": "录入员",
    "reporter": "单位信息员",
    "viewer": "查阅者",
}


class User(BaseModel):
    """An account of the panel and the API. A `reporter` account is tied to one unit."""
    username = CharField(max_length=64, unique=True, verbose_name="用户名")
    password_hash = CharField(max_length=255, verbose_name="密码摘要")
    role = CharField(max_length=16, choices=choices(ROLES), verbose_name="角色")
    unit = ForeignKeyField(Unit, null=True, backref="users", on_delete="SET NULL",
                           verbose_name="所属单位")
    active = BooleanField(default=True, verbose_name="启用")
    token_hash = CharField(max_length=128, null=True, index=True)
    created_at = DateTimeField(default=now, verbose_name="创建时间")

    def __str__(self):
        return self.username


# ---------------------------------------------------------------- schema version and audit log

class SchemaVersion(BaseModel):
    """One applied schema version (core/storage/migrations.py); the highest is the database's version."""
    version = IntegerField(primary_key=True)
    description = CharField(max_length=200, default="")
    applied_at = DateTimeField(default=now)


class AuditLog(BaseModel):
    """One change to schemes, parameters, publications or accounts, chained to the entry before.

    `hash` is the SHA-256 of the entry's canonical JSON together with `prev_hash`, so altering or
    removing an entry breaks the chain from there on (core/storage/audit.py verifies it).
    """
    at = DateTimeField(default=now, index=True, verbose_name="时间")
    actor = CharField(max_length=100, default="", verbose_name="操作人")
    action = CharField(max_length=64, verbose_name="操作")
    object_type = CharField(max_length=64, verbose_name="对象类型")
    object_id = CharField(max_length=64, default="", verbose_name="对象")
    summary = TextField(default="", verbose_name="说明")
    old = JSONField(null=True, verbose_name="原值")
    new = JSONField(null=True, verbose_name="新值")
    prev_hash = CharField(max_length=64, verbose_name="前一条摘要")
    hash = CharField(max_length=64, unique=True, verbose_name="摘要")


class LoginFailure(BaseModel):
    """One failed login to the panel: which username, from which client, when (for throttling)."""
    at = DateTimeField(default=now, index=True)
    username = CharField(max_length=64, index=True)
    client = CharField(max_length=64, index=True)


MODELS = [
    UnitKind, Unit, Reporter, Publication, Solicitation, SolicitationUnit, Item, ItemUnit, ItemAuthor,
    Adoption, Instruction, UrgentReport, UnitFact, Target, Adjustment, Scheme, SchemeUnit, ParameterVersion,
    ScoreRun, UnitResult, ReporterResult, ScoreLine, User, SchemaVersion, AuditLog, LoginFailure,
]
