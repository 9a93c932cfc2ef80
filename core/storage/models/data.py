"""The data scores depend on: units, reporters, publications, items and what happened to them, schemes."""


from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from kaohe.core.domain.periods import now
from kaohe.core.domain.vocab import (
    CATEGORIES,
    COUNTED_ITEM_STATE,
    FORMS,
    FORWARDED,
    ITEM_STATES,
    LEVELS,
    SEVERITIES,
    UNIT_KINDS,
    URGENT_STATUSES,
)
from kaohe.core.storage.models.base import AmountField, BaseModel, DataModel, JSONField, choices


class UnitKind(DataModel):
    """A unit kind an office names beyond the built-in ones (vocab.UNIT_KINDS), e.g. 地市."""
    code = CharField(max_length=32, unique=True, verbose_name="类型代码")
    name = CharField(max_length=64, verbose_name="类型名称")

    def __str__(self):
        return self.name


class Unit(DataModel):
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


class Reporter(DataModel):
    code = CharField(max_length=64, unique=True, verbose_name="信息员编号")
    name = CharField(max_length=100, verbose_name="姓名")
    unit = ForeignKeyField(Unit, backref="reporters", on_delete="CASCADE", verbose_name="所在单位")

    def __str__(self):
        return f"{self.name}（{self.unit.name}）"


class Publication(DataModel):
    code = CharField(max_length=64, unique=True, verbose_name="刊物代码")
    name = CharField(max_length=200, verbose_name="刊物名称")
    level = CharField(max_length=32, choices=choices(LEVELS), verbose_name="级别")
    issuer = CharField(max_length=200, null=True, verbose_name="主办单位")

    def __str__(self):
        return f"《{self.name}》（{LEVELS.get(self.level, self.level)}）"


class Solicitation(DataModel):
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


class Item(DataModel):
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
    # The review step (报送 → 审核): see ITEM_STATES; only accepted items are counted and scored.
    state = CharField(max_length=16, choices=choices(ITEM_STATES), default="accepted", index=True,
                      constraints=[SQL("DEFAULT 'accepted'")], verbose_name="审核状态")
    review_comment = TextField(default="", constraints=[SQL("DEFAULT ''")], verbose_name="审核意见")
    reviewed_by = CharField(max_length=100, default="", constraints=[SQL("DEFAULT ''")],
                            verbose_name="审核人")
    reviewed_at = DateTimeField(null=True, verbose_name="审核时间")

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


class Adoption(DataModel):
    item = ForeignKeyField(Item, backref="adoptions", on_delete="CASCADE", verbose_name="稿件")
    publication = ForeignKeyField(Publication, backref="adoptions", on_delete="RESTRICT",
                                  verbose_name="刊物")
    issue = CharField(max_length=64, default="", verbose_name="期号")
    adopted_on = DateField(index=True, verbose_name="采用日期")
    form = CharField(max_length=32, choices=choices(FORMS), verbose_name="采用形式")

    class Meta:
        indexes = ((("item", "publication", "issue"), True),)


def counted(item=Item):
    """The SQL condition of the one rule of review (`vocab.COUNTED_ITEM_STATE`) on `item`: only
    an accepted item counts — for submissions, quotas, adoption rates, solicitations and points."""
    return item.state == COUNTED_ITEM_STATE


def adopted(adoption=Adoption):
    """The SQL condition of the one rule of adoption (`vocab.is_adopted`) on `adoption`: the
    Adoption model or an alias of it."""
    return adoption.form != FORWARDED


class Instruction(DataModel):
    item = ForeignKeyField(Item, backref="instructions", on_delete="CASCADE", verbose_name="稿件")
    leader_level = CharField(max_length=32, choices=choices(LEVELS), verbose_name="批示领导级别")
    leader = CharField(max_length=100, default="", verbose_name="批示领导")
    instructed_on = DateField(index=True, verbose_name="批示日期")

    class Meta:
        indexes = ((("item", "leader_level", "leader", "instructed_on"), True),)


class UrgentReport(DataModel):
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


class UrgentFollowUp(DataModel):
    """A follow-up report (续报) of an urgent incident: what the unit reported later, and when.

    Kept as rows of their own under the first report (UrgentReport holds the 首报), so that an
    incident can have any number of 续报 and the first report's timing rules stay as they are.
    """
    report = ForeignKeyField(UrgentReport, backref="follow_ups", on_delete="CASCADE",
                             verbose_name="紧急信息")
    reported_at = DateTimeField(index=True, verbose_name="续报时间")
    content = TextField(default="", verbose_name="续报内容")
    created_by = CharField(max_length=100, default="", verbose_name="录入人")
    created_at = DateTimeField(default=now, verbose_name="录入时间")


class UnitFact(DataModel):
    """A recorded fact about a unit in a year, e.g. `provincial_county_rank` = 12."""
    unit = ForeignKeyField(Unit, backref="facts", on_delete="CASCADE", verbose_name="单位")
    year = IntegerField(verbose_name="年度")
    kind = CharField(max_length=64, verbose_name="事实")
    value = CharField(max_length=200, verbose_name="值")

    class Meta:
        indexes = ((("unit", "year", "kind"), True),)


class Target(DataModel):
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


class Adjustment(DataModel):
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
