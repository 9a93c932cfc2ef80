"""The data kinds of the import files: their names, columns, natural keys, references and links."""

import re
from dataclasses import dataclass, field

from kaohe.core.domain.periods import now
from kaohe.core.exchange.schemas import SCHEMAS
from kaohe.core.storage import changes
from kaohe.core.storage.models import (
    Adjustment,
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Scheme,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentFollowUp,
    UrgentReport,
)

# Text a spreadsheet might run as a formula starts with one of these; an export puts a ' before it
# (and before a leading ' of its own), and the import takes that ' away again.
FORMULA_STARTS = "=+-@\t\r"


@dataclass(frozen=True)
class Link:
    """A list column kept in a link table: `owner` row → `target` row, in the order written."""
    model: type
    owner: str
    target: str
    kind: str
    ordered: bool


@dataclass(frozen=True)
class Kind:
    """One data kind of the import files: its names, columns, natural key and references."""
    name: str
    label: str
    aliases: tuple
    model: type
    columns: tuple  # (field, Chinese header) in file order
    key: tuple  # the natural key's fields
    refs: dict = field(default_factory=dict)  # scalar field -> kind it names
    links: dict = field(default_factory=dict)  # list field -> Link
    example: tuple = ()  # one realistic row for the template, in column order
    extra: tuple = ()  # (model field, callable) filled in on insert
    named: dict = field(default_factory=dict)  # text field -> (model, its key field): must exist
    # text field -> (kind it may name, the built-in codes it may hold instead, vocabulary)
    open_words: dict = field(default_factory=dict)

    @property
    def schema(self):
        return SCHEMAS[self.name]

    def header(self, name):
        return dict(self.columns)[name]

    @property
    def scalars(self):
        return [name for name, _ in self.columns if name not in self.links]

    @property
    def values_fields(self):
        """The fields compared to tell an update from an unchanged row (all but the key)."""
        return [name for name, _ in self.columns if name not in self.key]


KINDS = {kind.name: kind for kind in (
    Kind("units", "单位", ("unit", "单位", "报送单位"), Unit,
         (("code", "单位代码"), ("name", "单位名称"), ("kind", "单位类型"), ("pool", "考核组别"),
          ("sector", "口子"), ("parent", "上级单位代码")),
         ("code",), refs={"parent": "units"},
         open_words={"kind": ("unit_kinds", "kind")},
         example=("330824", "开化县", "县区", "县区", "", "")),
    Kind("reporters", "信息员", ("reporter", "信息员"), Reporter,
         (("code", "信息员编号"), ("name", "姓名"), ("unit", "单位代码")),
         ("code",), refs={"unit": "units"},
         example=("R330824-01", "李明", "330824")),
    Kind("publications", "刊物", ("publication", "刊物"), Publication,
         (("code", "刊物代码"), ("name", "刊物名称"), ("level", "级别"), ("issuer", "主办单位")),
         ("code",),
         example=("ZJZB", "专报信息", "省", "省政府办公厅")),
    Kind("solicitations", "约稿", ("solicitation", "约稿"), Solicitation,
         (("no", "约稿编号"), ("title", "题目"), ("issued_on", "下发日期"), ("due_on", "截止日期"),
          ("units", "单位")),
         ("no",), links={"units": Link(SolicitationUnit, "solicitation", "unit", "units", False)},
         example=("YG2025-03", "一季度农村人居环境整治进展情况", "2025-03-01", "2025-03-20", "330824")),
    Kind("items", "稿件", ("item", "稿件", "信息稿件"), Item,
         (("no", "稿件编号"), ("title", "标题"), ("submitted_on", "报送日期"), ("units", "报送单位"),
          ("reporters", "作者"), ("category", "类别"), ("negative", "负反馈"),
          ("solicitation", "约稿编号"), ("tags", "标签")),
         ("no",), refs={"solicitation": "solicitations"},
         links={"units": Link(ItemUnit, "item", "unit", "units", True),
                "reporters": Link(ItemAuthor, "item", "reporter", "reporters", True)},
         example=("2025-0001", "开化县多措并举推进农村生活污水治理", "2025-03-08", "330824",
                  "R330824-01", "经验", "否", "YG2025-03", "图片；视频"),
         extra=(("created_at", now),)),
    Kind("adoptions", "采用", ("adoption", "采用", "采用情况"), Adoption,
         (("item", "稿件编号"), ("publication", "刊物代码"), ("issue", "期号"),
          ("adopted_on", "采用日期"), ("form", "采用形式")),
         ("item", "publication", "issue"), refs={"item": "items", "publication": "publications"},
         example=("2025-0001", "ZJZB", "2025年第12期", "2025-03-12", "全文")),
    Kind("instructions", "批示", ("instruction", "批示", "领导批示"), Instruction,
         (("item", "稿件编号"), ("leader_level", "批示领导级别"), ("leader", "批示领导"),
          ("instructed_on", "批示日期")),
         ("item", "leader_level", "leader", "instructed_on"), refs={"item": "items"},
         example=("2025-0001", "省", "王副省长", "2025-03-15")),
    Kind("urgent", "紧急信息", ("urgent_reports", "urgent_report", "紧急信息", "紧急信息报送"),
         UrgentReport,
         (("no", "事件编号"), ("unit", "单位代码"), ("title", "事件"), ("severity", "级别"),
          ("occurred_at", "发生时间"), ("reported_at", "首报时间"), ("status", "状态"),
          ("misreported", "误报"), ("reporter", "责任信息员"), ("item", "稿件编号")),
         ("no",), refs={"unit": "units", "reporter": "reporters", "item": "items"},
         example=("JJ2025-001", "330824", "某镇山体滑坡", "较大", "2025-03-08 14:30",
                  "2025-03-08 15:10", "已报", "否", "R330824-01", "")),
    Kind("follow_ups", "续报", ("follow_up", "urgent_follow_ups", "紧急信息续报", "续报情况"),
         UrgentFollowUp,
         (("report", "事件编号"), ("reported_at", "续报时间"), ("content", "续报内容")),
         ("report", "reported_at"), refs={"report": "urgent"},
         example=("JJ2025-001", "2025-03-08 17:00", "已转移群众12人，无人员伤亡，道路正在抢通"),
         extra=(("created_at", now), ("created_by", lambda: changes.current().actor[:100]))),
    Kind("facts", "单位事实", ("fact", "unit_facts", "单位事实", "事实"), UnitFact,
         (("unit", "单位代码"), ("year", "年度"), ("kind", "事实"), ("value", "值")),
         ("unit", "year", "kind"), refs={"unit": "units"},
         example=("330824", 2025, "provincial_county_rank", "12")),
    Kind("targets", "目标任务", ("target", "目标任务", "目标", "报送任务"), Target,
         (("unit", "单位代码"), ("year", "年度"), ("period", "期间"), ("submit_target", "报送任务"),
          ("adopt_target", "采用任务"), ("scheme", "考核方案")),
         ("unit", "year", "period", "scheme"), refs={"unit": "units"},
         named={"scheme": (Scheme, "name")},
         example=("330824", 2025, "2025-Q1", 30, 8, "")),
    Kind("adjustments", "加减分", ("adjustment", "加减分", "加分扣分", "扣分", "加分"), Adjustment,
         (("unit", "单位代码"), ("date", "日期"), ("points", "分值"), ("yuan", "金额"),
          ("kind", "类别"), ("reason", "事由"), ("reference", "依据"), ("reporter", "信息员"),
          ("item", "稿件编号")),
         ("unit", "date", "kind", "reason"),
         refs={"unit": "units", "reporter": "reporters", "item": "items"},
         example=("330824", "2025-05-20", "-2", "", "差错", "所报稿件数据有误，被市政府办公室通报",
                  "被上级部门通报的，每次扣2分", "R330824-01", "2025-0001"),
         extra=(("created_at", now),)),
    Kind("unit_kinds", "单位类型", ("unit_kind", "单位种类", "自定义单位类型"), UnitKind,
         (("code", "类型代码"), ("name", "类型名称")),
         ("code",),
         example=("地市", "设区市")),
)}

_KIND_NAMES = {}


for _kind in KINDS.values():
    for _name in (_kind.name, _kind.label) + _kind.aliases:
        _KIND_NAMES[_name.lower()] = _kind


NOTE_PATTERN = re.compile(r"\s*[（(][^（）()]*[)）]\s*$")

_NAME_TAIL = re.compile(r"^[\s\-_.·（(【\[]")


def kind_named(name):
    """The kind a file stem or sheet name stands for (稿件, items, 稿件-2025年3月), or None."""
    text = (name or "").strip().lower()
    if text in _KIND_NAMES:
        return _KIND_NAMES[text]
    for known in sorted(_KIND_NAMES, key=len, reverse=True):
        if text.startswith(known) and _NAME_TAIL.match(text[len(known):]):
            return _KIND_NAMES[known]
    return None


def fold(code):
    """A code as rows are matched by it: `sz-zbxx` is `SZ-ZBXX` (Excel users do not see case)."""
    return code.upper() if code.__class__ is str else code


def kind_names_text():
    return "/".join(kind.label for kind in KINDS.values())
