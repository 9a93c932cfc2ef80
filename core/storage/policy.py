"""Who may read and change which data: the one ownership policy the panel and the API both ask.

Administrators and clerks (the office) read and write everything. A unit reporter submits and
edits its own unit's items while they wait for review or were returned, and reads its own unit's
items with their adoptions and instructions; what other units put on a joint item is kept whatever
a reporter saves. Adoptions, instructions, urgent reports, facts, targets, solicitations, units,
reporters and publications are the office's data: only the office writes them. Viewers read
results only.

`account` is anything with `role` and `unit_id` (the panel's login, an API token's user).
"""

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import COUNTED_ITEM_STATE, ITEM_STATES
from kaohe.core.storage.models import (
    Adjustment,
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentFollowUp,
    UrgentReport,
)

STAFF = frozenset({"admin", "clerk"})
# The models a reporter reads (its unit's rows only) and the one it writes.
REPORTER_READS = (Item, Adoption, Instruction)
REPORTER_WRITES = (Item,)
# States of an item in which its reporter may still change it.
REPORTER_EDITABLE_STATES = ("pending", "returned")


class Refused(KaoheError):
    """An account asked for what its role may not do; the message says what and why."""


def is_staff(account):
    return account is not None and getattr(account, "role", None) in STAFF


def is_reporter(account):
    return account is not None and getattr(account, "role", None) == "reporter"


def may_read(account, model):
    """Whether the account may list rows of `model` at all (a reporter: its unit's only)."""
    return is_staff(account) or (is_reporter(account) and model in REPORTER_READS)


def may_write(account, model):
    """Whether the account may create, change or delete rows of `model` (some of them, for a reporter)."""
    return is_staff(account) or (is_reporter(account) and model in REPORTER_WRITES)


def writers(model):
    """The roles that may write rows of `model` (some of them, for a reporter), in ROLES order."""
    return tuple(sorted(STAFF, key=("admin", "clerk").index)) + (
        ("reporter",) if model in REPORTER_WRITES else ())


def may_review(account):
    """Accepting and returning submitted items is the office's."""
    return is_staff(account)


TUNERS = frozenset({"admin"})


def may_tune(account):
    """Changing a scheme's parameters — its rule sets, their values, its own rule rows — is the
    administrator's: every change becomes a parameter version that the next run scores by."""
    return account is not None and getattr(account, "role", None) in TUNERS


# ---------------------------------------------------------------- which rows

def own_items(account):
    """The ids of the items the account's unit reported (joint reports included), as a subquery."""
    return ItemUnit.select(ItemUnit.item).where(ItemUnit.unit == account.unit_id)


def scope(query, account, item_column):
    """`query` limited to the rows the account may see; `item_column` names each row's item."""
    if is_staff(account):
        return query
    if is_reporter(account):
        return query.where(item_column.in_(own_items(account)))
    return query.where(item_column.is_null() & item_column.is_null(False))  # nothing


def sees_item(account, item):
    if is_staff(account):
        return True
    return is_reporter(account) and ItemUnit.select().where(
        (ItemUnit.item == item) & (ItemUnit.unit == account.unit_id)).exists()


def sees_unit(account, unit_id):
    """Whether the account may see a unit's data and results (viewers see published results)."""
    return not is_reporter(account) or unit_id == account.unit_id


# ---------------------------------------------------------------- downloads

def may_export_data(account):
    """The data in the import format (every unit's rows) is the office's to download."""
    return is_staff(account)


def may_export_run(account, run):
    """Staff download any run; viewers and unit reporters only published ones."""
    return is_staff(account) or bool(run.published)


def may_export_ranking(account, run):
    """A run's whole ranking: not a unit reporter's (it sees its own unit's lines only)."""
    return may_export_run(account, run) and not is_reporter(account)


def may_export_lines(account, run, unit_id):
    """A run's score lines, of one unit (`unit_id`) or of all (None): a reporter its own unit's."""
    if not may_export_run(account, run):
        return False
    return not is_reporter(account) or (unit_id is not None and sees_unit(account, unit_id))


# ---------------------------------------------------------------- changing items

def _own_unit(account):
    return Unit.get_by_id(account.unit_id)


def check_item_change(account, item):
    """Refuse a change to `item` (None: a new item) the account may not make."""
    if is_staff(account):
        return
    if not is_reporter(account):
        raise Refused(say("只有录入员、管理员和单位信息员可以报送稿件"))
    if item is None:
        return
    if not sees_item(account, item):
        raise Refused(say("稿件「{item}」是其他单位报送的，单位信息员不能修改", item=item.no))
    if item.state not in REPORTER_EDITABLE_STATES:
        raise Refused(say("稿件「{item}」已审核入库，单位信息员不能再修改；如需更正请联系录入员",
            item=item.no))


def item_links(account, item, units, reporters, no=None):
    """The units and authors (rows, in order) an item gets when `account` saves these.

    The office's choice stands as it is. A reporter's item always keeps its own unit; on a stored
    item the other units and their authors stay whatever the reporter sent; a reporter names
    authors of its own unit only, and other units only on a new (joint) item.
    """
    units, reporters = list(units), list(reporters)
    if is_staff(account):
        return units, reporters
    own = _own_unit(account)
    foreign_authors = [r for r in reporters if r.unit_id != own.id]
    if item is None or item.id is None:
        if own.id not in [u.id for u in units]:
            named = f"稿件「{no}」" if no else "稿件"
            raise Refused(say("单位信息员只能报送本单位的稿件：{named}的报送单位中没有本单位（{own}，"
                "{own_code}）",
                named=named, own=own.name, own_code=own.code))
        stored_units, stored_authors = [], []
    else:
        stored_units = [link.unit for link in item.unit_links.order_by(ItemUnit.position)]
        stored_authors = [link.reporter for link in item.author_links.order_by(ItemAuthor.position)]
    kept_authors = {r.id for r in stored_authors if r.unit_id != own.id}
    added = [r for r in foreign_authors if r.id not in kept_authors]
    if added:
        raise Refused(say("单位信息员只能把本单位的信息员列为作者：{added}不是{own}的信息员",
            added=added[0].name, own=own.name))
    if stored_units:
        merged_units = stored_units  # a reporter does not relink a stored item
    else:
        merged_units = units
    merged_authors = ([r for r in stored_authors if r.unit_id != own.id]
                      + [r for r in reporters if r.unit_id == own.id])
    seen, authors = set(), []
    for reporter in merged_authors:
        if reporter.id not in seen:
            seen.add(reporter.id)
            authors.append(reporter)
    return merged_units, authors


def state_after_save(account, item_is_new):
    """The review state an item takes when `account` saves it: a reporter's (re)submission waits."""
    if is_staff(account):
        return None  # unchanged (a new item of the office is accepted by default)
    return "pending"


def check_item_delete(account, item):
    if is_staff(account):
        return
    check_item_change(account, item)
    if ItemUnit.select().where((ItemUnit.item == item) & (ItemUnit.unit != account.unit_id)).exists():
        raise Refused(say("合报稿件含其他单位，请联系录入员删除"))


OFFICE_DATA = {Adoption: "采用", Instruction: "领导批示", UrgentReport: "紧急信息",
               UnitFact: "单位事实", Target: "目标任务", Solicitation: "约稿", Unit: "报送单位",
               Reporter: "信息员", Publication: "刊物", Adjustment: "加减分", UnitKind: "单位类型",
               UrgentFollowUp: "紧急信息续报"}


def check_write(account, model):
    """Refuse any write to `model` the account's role may not make (the office's data)."""
    if not may_write(account, model):
        what = OFFICE_DATA.get(model, model.__name__)
        raise Refused(say("{what}是办公室的记录，只有录入员和管理员可以登记或修改", what=what))


def check_reviewed(item, what):
    """Adoptions and instructions are recorded on accepted items only."""
    if item.state != COUNTED_ITEM_STATE:
        raise Refused(say("稿件「{item}」{state}，尚未审核入库，不能登记{what}；"
            "请先审核通过",
            item=item.no, state=ITEM_STATES.get(item.state, item.state), what=what))


def reporters_of(account):
    """The reporters an account may name as authors (a reporter: its unit's)."""
    query = Reporter.select().order_by(Reporter.code)
    return query if is_staff(account) else query.where(Reporter.unit == account.unit_id)
