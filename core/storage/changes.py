"""Every change to the scored data on record: who, from where, each field's old and new value."""

import contextvars
import getpass
import sys
from contextlib import contextmanager
from dataclasses import dataclass

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import listing, say
from kaohe.core.storage import audit, policy
from kaohe.core.storage.models import (
    Adjustment,
    Adoption,
    AuditLog,
    DataModel,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentFollowUp,
    UrgentReport,
)

# Where a change came from; an import adds its file names ("import: 稿件.xlsx、采用.csv").
SOURCES = {"panel": "管理后台", "api": "接口", "import": "导入", "command": "命令行"}

# What each recorded table is called in the log, and the field that names a row of it.
NAMES = {
    "unit": ("单位", "code"), "reporter": ("信息员", "code"), "publication": ("刊物", "code"),
    "solicitation": ("约稿", "no"), "item": ("稿件", "no"), "adoption": ("采用", None),
    "instruction": ("领导批示", None), "urgent_report": ("紧急信息", "no"),
    "unit_fact": ("单位事实", None), "target": ("目标任务", None),
    "unit_kind": ("单位类型", "code"), "adjustment": ("加减分", None),
    "urgent_follow_up": ("紧急信息续报", None),
}
for _table, (_label, _key) in NAMES.items():
    audit.ACTIONS.setdefault(f"{_table}.create", f"新增{_label}")
    audit.ACTIONS.setdefault(f"{_table}.update", f"修改{_label}")
    audit.ACTIONS.setdefault(f"{_table}.delete", f"删除{_label}")
audit.ACTIONS.setdefault("import.undo", "撤销导入批次")

# Fields the log leaves out: the row's own bookkeeping.
UNRECORDED = {"id", "version", "created_at"}


@dataclass(frozen=True)
class Acting:
    """Who is changing data now, from where, and the import batch the changes belong to."""
    actor: str
    source: str
    batch: str = ""


_acting = contextvars.ContextVar("kaohe_acting", default=None)


@contextmanager
def acting(actor, source, batch=""):
    """Record the changes made inside as done by `actor` from `source` (see SOURCES)."""
    token = _acting.set(Acting(str(actor or ""), source, batch))
    try:
        yield _acting.get()
    finally:
        _acting.reset(token)


def current():
    """Who is acting: what `acting` set, else the operating-system user at the command line."""
    found = _acting.get()
    if found is not None:
        return found
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = ""
    return Acting(user, "command")


class StaleEdit(KaoheError):
    """A save made on a copy older than the stored row: someone else changed it meanwhile."""

    def __init__(self, message, current_values):
        super().__init__(message)
        self.current_values = current_values


class DeleteRefused(KaoheError):
    """A row that other data depends on; the message names what."""


# ---------------------------------------------------------------- describing a row

def _natural_key(model, row_id):
    key = NAMES.get(model._meta.table_name, (None, None))[1]
    if key is None or row_id is None:
        return row_id
    return model.select(getattr(model, key)).where(model.id == row_id).scalar()


def fields_of(row):
    """The row's recorded fields as plain values; a reference as the code or number it names."""
    values = {}
    for name, field in row._meta.fields.items():
        if name in UNRECORDED:
            continue
        if hasattr(field, "rel_model"):
            values[name] = _natural_key(field.rel_model, getattr(row, field.column_name))
        else:
            values[name] = getattr(row, name)
    if isinstance(row, Item) and row.id is not None:
        values.update(item_links(row))
    if isinstance(row, Solicitation) and row.id is not None:
        values["units"] = [u for (u,) in SolicitationUnit.select(Unit.code).join(Unit)
                           .where(SolicitationUnit.solicitation == row).order_by(Unit.code).tuples()]
    return audit.plain(values)


def item_links(item):
    """{"units": [codes], "reporters": [codes]} of a stored item, in their order."""
    return {
        "units": [c for (c,) in ItemUnit.select(Unit.code).join(Unit).where(ItemUnit.item == item)
                  .order_by(ItemUnit.position).tuples()],
        "reporters": [c for (c,) in ItemAuthor.select(Reporter.code).join(Reporter)
                      .where(ItemAuthor.item == item).order_by(ItemAuthor.position).tuples()],
    }


def _scope(row):
    """(unit codes, item number) the entry of a change to `row` is filed under."""
    if isinstance(row, Unit):
        return [row.code], ""
    if isinstance(row, Item):
        return item_links(row)["units"] if row.id else [], row.no
    if isinstance(row, (Adoption, Instruction)):
        item = Item.get_or_none(Item.id == row.item_id)
        return (item_links(item)["units"], item.no) if item else ([], "")
    unit_id = getattr(row, "unit_id", None)
    if unit_id is not None:
        return [_natural_key(Unit, unit_id)], ""
    return [], ""


def _named(row):
    """(the kind's word, the row's code or number — its id where the kind has none, whether it
    has one) of `row`, as NAMES says."""
    table = row._meta.table_name
    label, key = NAMES.get(table, (table, None))
    return label, (getattr(row, key) if key else row.id), key is not None


def _label(row):
    label, name, keyed = _named(row)
    return say("{label}「{name}」", label=label, name=name) if keyed else \
        say("{label}（第{name}条）", label=label, name=name)


def action_word(table, action):
    """The log's word for `action` (create, update, delete) on a row of `table`: 新增单位, 修改稿件
    (audit.ACTIONS), else the verb and the kind's word."""
    return audit.ACTIONS.get(f"{table}.{action}") or f"{_VERBS[action]}{NAMES.get(table, (table,))[0]}"


def _summary(row, action, fields=None):
    """The summary of a change to `row`: its action's word (新增单位, 修改稿件; the log's words,
    audit.ACTIONS) with the row's code or number, and the fields changed (a listing of their
    names). The same Chinese as 新增 + _label(row): the action's word says the verb and the kind
    together, so that English says them as a phrase ("Item changed"), not the kind's heading."""
    _, name, keyed = _named(row)
    word = action_word(row._meta.table_name, action)
    if fields is None:
        return say("{action}「{name}」", action=word, name=name) if keyed else \
            say("{action}（第{name}条）", action=word, name=name)
    return say("{action}「{name}」：{fields}", action=word, name=name, fields=fields) if keyed else \
        say("{action}（第{name}条）：{fields}", action=word, name=name, fields=fields)


_VERBS = {"create": "新增", "update": "修改", "delete": "删除"}


def _record(row, action, old=None, new=None, summary=""):
    who = current()
    units, item = _scope(row)
    table = row._meta.table_name
    return audit.record(who.actor, f"{table}.{action}", table, row.id, summary=summary,
                        old=old, new=new, source=who.source, batch=who.batch,
                        units=units, item=item)


# ---------------------------------------------------------------- the hooks of DataModel

def before_save(row, force_insert):
    """Check the row's version against the stored one; returns the stored fields (None: a new row)."""
    model = type(row)
    stored = None if force_insert or row.id is None else model.get_or_none(model.id == row.id)
    if isinstance(row, (Adoption, Instruction)):
        item = Item.get_or_none(Item.id == row.item_id)
        if item is not None and (stored is None or stored.item_id != row.item_id):
            policy.check_reviewed(item, "采用" if isinstance(row, Adoption) else "领导批示")
    if stored is None:
        row.version = 1
        return None
    try:
        version = int(row.version) if row.version not in (None, "") else None
    except (TypeError, ValueError):
        version = None
    if version is not None and version != stored.version:
        raise stale_edit(stored, version)
    row.version = stored.version + 1
    return fields_of(stored)


def after_save(row, before):
    after = fields_of(row)
    if before is None:
        _record(row, "create", new=after, summary=_summary(row, "create"))
        return
    old, new = audit.changed_fields(before, after)
    if new:
        order = row._meta.sorted_field_names
        names = sorted(new, key=lambda k: order.index(k) if k in order else len(order))
        _record(row, "update", old=old, new=new,
                summary=_summary(row, "update", listing(_verbose(row, k) for k in names)))


def before_delete(row):
    _record(row, "delete", old=fields_of(row), summary=_summary(row, "delete"))


def _verbose(row, name):
    field = row._meta.fields.get(name)
    return str(field.verbose_name) if field is not None and field.verbose_name else name


def last_change(row):
    """The newest log entry about `row` (None when it has none)."""
    return (AuditLog.select().where((AuditLog.object_type == row._meta.table_name)
                                    & (AuditLog.object_id == str(row.id)))
            .order_by(AuditLog.id.desc()).first())


def stale_edit(stored, version):
    """The refusal of a save made on version `version` of a row now at `stored.version`."""
    entry = last_change(stored)
    who = (say("已被 {actor} 于 {at:%Y-%m-%d %H:%M:%S} 修改", actor=entry.actor or say("（未知）"),
               at=entry.at)
           if entry is not None else say("已被他人修改"))
    current_values = {k: v for k, v in fields_of(stored).items() if v not in (None, "", [])}
    shown = listing((say("{field}：{value}", field=_verbose(stored, k), value=v)
                     for k, v in current_values.items()), "；")
    return StaleEdit(say("{row}在您打开之后{who}（现为第{now}版，您修改的是第{version}版），本次保存未执行，"
                         "以免覆盖他人的修改。当前内容为——{shown}。请重新打开后再修改。", row=_label(stored),
                         who=who, now=stored.version, version=version, shown=shown), current_values)


# ---------------------------------------------------------------- links and deletes

def set_item_links(item, units, reporters):
    """Make `units` and `reporters` (rows, in order) the item's links, recording what changed."""
    before = item_links(item)
    ItemUnit.delete().where(ItemUnit.item == item).execute()
    for position, unit in enumerate(units):
        ItemUnit.create(item=item, unit=unit, position=position)
    ItemAuthor.delete().where(ItemAuthor.item == item).execute()
    for position, reporter in enumerate(reporters):
        ItemAuthor.create(item=item, reporter=reporter, position=position)
    old, new = audit.changed_fields(before, item_links(item))
    if new:
        names = {"units": "报送单位", "reporters": "作者"}
        _record(item, "update", old=old, new=new,
                summary=_summary(item, "update", listing(names[k] for k in new)))


def set_solicitation_units(solicitation, units):
    before = [u.code for u in Unit.select().join(SolicitationUnit)
              .where(SolicitationUnit.solicitation == solicitation).order_by(Unit.code)]
    SolicitationUnit.delete().where(SolicitationUnit.solicitation == solicitation).execute()
    for unit in units:
        SolicitationUnit.create(solicitation=solicitation, unit=unit)
    after = sorted(u.code for u in units)
    if before != after:
        _record(solicitation, "update", old={"units": before}, new={"units": after},
                summary=_summary(solicitation, "update", "约稿单位"))


# What depends on a row, by the model that refers to it: (model, its field, what it is called).
DEPENDENTS = {
    Unit: ((ItemUnit, "unit", "稿件"), (Reporter, "unit", "信息员"),
           (UrgentReport, "unit", "紧急信息"), (UnitFact, "unit", "单位事实"),
           (Target, "unit", "目标任务"), (SolicitationUnit, "unit", "约稿"),
           (Adjustment, "unit", "加减分"), (Unit, "parent", "下级单位")),
    Reporter: ((ItemAuthor, "reporter", "稿件"), (UrgentReport, "reporter", "紧急信息")),
    Publication: ((Adoption, "publication", "采用"),),
    Solicitation: ((Item, "solicitation", "稿件"),),
    Item: ((Adoption, "item", "采用"), (Instruction, "item", "领导批示")),
    UrgentReport: ((UrgentFollowUp, "report", "续报"),),
    # units name an office's own kind by its code, not by a foreign key
    UnitKind: ((Unit, "kind", "报送单位", "code"),),
}
# Rows that are part of the row they refer to, and go with it.
PARTS = {Item: (ItemUnit, ItemAuthor), Solicitation: (SolicitationUnit,)}


def dependents(row):
    """[(what, count)] of the data that refers to `row` (empty: nothing does)."""
    found = []
    for model, field, what, *key in DEPENDENTS.get(type(row), ()):
        value = getattr(row, key[0]) if key else row.id
        count = model.select().where(getattr(model, field) == value).count()
        if count:
            found.append((what, count))
    return found


def deletion_refusal(row):
    """Why `row` may not be deleted because other data refers to it, or None."""
    found = dependents(row)
    if not found:
        return None
    listed = listing(say("{count}条{what}", count=count, what=what) for what, count in found)
    return say("{row}还有{listed}引用它，不能删除；请先删除或改正这些记录。", row=_label(row), listed=listed)


def delete(row):
    """Delete `row` with its own parts only, on record; refused when other data refers to it."""
    refusal = deletion_refusal(row)
    if refusal:
        raise DeleteRefused(refusal)
    with type(row)._meta.database.atomic():
        before_delete_parts = fields_of(row)
        for part in PARTS.get(type(row), ()):
            owner = "item" if type(row) is Item else "solicitation"
            part.delete().where(getattr(part, owner) == row.id).execute()
        _record(row, "delete", old=before_delete_parts, summary=_summary(row, "delete"))
        type(row).delete().where(type(row).id == row.id).execute()


def install():
    """Make this module the recorder of every DataModel save and delete (done on import)."""
    DataModel.recorder = sys.modules[__name__]


install()
