"""The domain's controlled vocabularies: code names, Chinese labels and the words an import accepts."""

from decimal import ROUND_HALF_UP, Decimal

# Unit kinds (报送单位类型). The pool (考核组别) defaults to the kind.
UNIT_KINDS = {
    "county": "县(市、区)",
    "department": "市直部门",
    "township": "乡镇/街道",
    "direct_point": "信息直报点",
    "bureau": "系统内单位",
    "division": "处室",
}

SECTORS = ("财政政法", "工业", "城建", "农业", "社会事业", "流通金融", "涉外")

# Publication and leader levels, highest first.
LEVELS = {
    "national": "国家级",
    "ministry": "部委",
    "provincial": "省级",
    "provincial_dept": "省直厅局",
    "city": "市级",
    "county": "县级",
}

# Adoption forms.
FORMS = {
    "full": "全文采用",
    "combined": "综合采用",
    "brief": "简讯采用",
    "forwarded": "上报",
}
FORMS_SHORT = {"full": "全文", "combined": "综合", "brief": "简讯", "forwarded": "上报"}

CATEGORIES = {
    "news": "动态",
    "experience": "经验",
    "problem": "问题",
    "proposal": "建议",
    "research": "调研",
    "synthesis": "综合",
    "warning": "预警",
}

SEVERITIES = {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}

# How long after the occurrence an urgent report is due, by severity (DOMAIN.md; a scheme may
# set its own in the urgent_penalty rules).
URGENT_DEADLINE_HOURS = {"I": 2, "II": 2, "III": 4, "IV": 4}

URGENT_STATUSES = {"reported": "已报", "missed": "漏报", "concealed": "瞒报",
                   "understated": "轻报", "false": "谎报"}

# What can be wrong with an urgent report, in the order its lines are written: first reported
# after the deadline of its severity (迟报), not reported (漏报), concealed (瞒报), wrongly reported
# (误报), understated (轻报), false (谎报).
URGENT_FAILURES = {"late": "迟报", "missed": "漏报", "concealed": "瞒报", "misreported": "误报",
                   "understated": "轻报", "false": "谎报"}

# The review step of an item (报送 → 审核). A reporter's submission waits (pending) until the office
# accepts it or returns it with a comment; items the office enters or imports are accepted as they
# come. Only accepted items count: for submissions, quotas, adoption rates and every point.
ITEM_STATES = {"pending": "待审核", "accepted": "已审核", "returned": "退回修改"}
COUNTED_ITEM_STATE = "accepted"

# Tie-break tiers of the ranking: a tier counts adoptions at these levels.
TIE_BREAK_TIERS = (
    ("national", "国家级", ("national", "ministry")),
    ("provincial", "省级", ("provincial", "provincial_dept")),
    ("city", "市级", ("city",)),
)

# Words an import cell may hold for each vocabulary, besides the code names themselves.
ALIASES = {
    "form": {"全文": "full", "单篇": "full", "全文采用": "full", "综合": "combined",
             "综合采用": "combined", "简讯": "brief", "摘编": "brief", "简讯采用": "brief",
             "上报": "forwarded"},
    "level": {"国家": "national", "国家级": "national", "国办": "national", "中办": "national",
              "部委": "ministry", "省": "provincial", "省级": "provincial",
              "省直": "provincial_dept", "省直厅局": "provincial_dept",
              "市": "city", "市级": "city", "县": "county", "县级": "county"},
    "kind": {"县区": "county", "县": "county", "县(市、区)": "county", "部门": "department",
             "市直部门": "department", "乡镇": "township", "街道": "township",
             "乡镇/街道": "township", "直报点": "direct_point", "信息直报点": "direct_point",
             "系统单位": "bureau", "系统内单位": "bureau", "处室": "division"},
    "severity": {"特别重大": "I", "重大": "II", "较大": "III", "一般": "IV",
                 "1": "I", "2": "II", "3": "III", "4": "IV"},
    "status": {"已报": "reported", "漏报": "missed", "瞒报": "concealed", "轻报": "understated",
               "谎报": "false"},
    "category": {v: k for k, v in CATEGORIES.items()},
}

VOCABULARIES = {
    "form": FORMS,
    "level": LEVELS,
    "kind": UNIT_KINDS,
    "severity": SEVERITIES,
    "status": URGENT_STATUSES,
    "category": CATEGORIES,
}

TRUE_WORDS = {"是", "yes", "true", "1", "y", "√", "有"}
FALSE_WORDS = {"否", "no", "false", "0", "n", "", "无"}

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def normalize(vocabulary, word):
    """Return the code name for a Chinese word or code name of `vocabulary`, or None."""
    word = (word or "").strip()
    if word in VOCABULARIES[vocabulary]:
        return word
    lowered = word.lower()
    if lowered in VOCABULARIES[vocabulary]:
        return lowered
    return ALIASES[vocabulary].get(word)


def money(value):
    """An exact amount with two places, rounded half-up (points and 元 alike)."""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


FORWARDED = "forwarded"


def is_adopted(form):
    """The project's one rule of adoption: an item counts as adopted when it has an adoption in a
    form other than `forwarded` (上报: sent up by the office, not yet adopted)."""
    return form != FORWARDED


def pool_label(pool):
    """A pool's Chinese name: a unit kind's word, or the name an office gave its own pool."""
    return UNIT_KINDS.get(pool, pool)


def percent(rate):
    """An adoption rate as a percentage with one place, half up: 0.4545 → 45.5%; None → ""."""
    if rate is None:
        return ""
    return f"{(Decimal(str(rate)) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def to_cents(amount):
    """An exact amount as whole hundredths, the way amounts are stored and summed in SQL."""
    return int(money(amount) * 100)


def from_cents(value):
    """Whole hundredths (a stored amount, or an SQL sum of them; None as 0) as an exact amount."""
    return Decimal(int(value or 0)).scaleb(-2)


def fmt(value):
    """Show an amount the way the schemes print it: 20, 10.5, 3.33 (no trailing zeros)."""
    value = money(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"
