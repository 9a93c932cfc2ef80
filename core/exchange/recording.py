"""An import on record: one audit entry per row it created or changed, grouped in a batch that can be undone."""

import uuid
from collections import defaultdict

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import listing, say
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import key_of
from kaohe.core.storage import audit, changes
from kaohe.core.storage.db import chunked, db
from kaohe.core.storage.models import AuditLog, Item, ItemUnit, Reporter, ScoreRun, Unit


def new_batch_id():
    return uuid.uuid4().hex[:12]


def _plain_values(kind, values):
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in zip(kind.values_fields, values)}


def _units_of_items(item_ids):
    """{item id: [unit codes in order]}."""
    found = defaultdict(list)
    for chunk in chunked(list(item_ids), 500):
        for item_id, code in (ItemUnit.select(ItemUnit.item, Unit.code).join(Unit)
                              .where(ItemUnit.item.in_(chunk))
                              .order_by(ItemUnit.item, ItemUnit.position).tuples()):
            found[item_id].append(code)
    return found


def _scope(name, data, item_units, item_ids):
    """(unit codes, item number) an imported row's entry is filed under."""
    if name == "units":
        return [data["code"]], ""
    if name == "items":
        return list(data.get("units") or ()), data["no"]
    if name in ("adoptions", "instructions"):
        no = data.get("item")
        return item_units.get(item_ids.get(no), []), no or ""
    if name == "solicitations":
        return list(data.get("units") or ()), ""
    unit = data.get("unit")
    return ([unit] if unit else []), ""


def record_import(plan, batch):
    """Append an entry for each created and each changed row of an applied plan.

    A row of a kind with a composite key (adoptions, instructions, facts, targets) is named by
    its key in the entry, not by its id, which would cost a read of what was just written.
    """
    who = changes.current()
    ids_of = {name: batch.ids[name] for name in plan if len(KINDS[name].key) == 1}
    item_ids = batch.ids["items"]  # every item the rows name, by number
    # the units of the items adoptions and instructions name: the files', else the database's
    named = {item_ids[r.data["item"]] for n in ("adoptions", "instructions")
             for group in plan.get(n, ((), ())) for r in _records(group)
             if r.data.get("item") in item_ids}
    item_units = {item_ids[r.data["no"]]: list(r.data.get("units") or ())
                  for r in _records(plan.get("items", ((), ()))[0])
                  if item_ids.get(r.data["no"]) in named}
    item_units.update({ident: list(r.data.get("units") or ())
                       for ident, r in plan.get("items", ((), ()))[1] if ident in named})
    item_units.update(_units_of_items(named - set(item_units)))
    audit.record_many(_entries(plan, batch, who, ids_of, item_units, item_ids))


def _entries(plan, batch, who, ids_of, item_units, item_ids):
    """The entries of record_import, one by one (they are hashed and written a thousand at a time)."""
    for name, (created, updated) in plan.items():
        kind = KINDS[name]
        table = kind.model._meta.table_name
        added, changed = changes.action_word(table, "create"), changes.action_word(table, "update")
        ids = ids_of.get(name)
        for record in created:
            key = record.key if record.key is not None else key_of(kind, record.data)
            units, item = _scope(name, record.data, item_units, item_ids)
            yield dict(
                actor=who.actor, action=f"{table}.create", object_type=table,
                object_id=ids.get(key[0], "") if ids is not None else "",
                summary=say("导入{action}「{key}」", action=added, key=_key_words(key)),
                new=record.data, source=who.source, batch=who.batch, units=units, item=item)
        for ident, record in updated:
            before = _plain_values(kind, batch.stored[(name, ident)])
            after = {n: record.data.get(n) for n in kind.values_fields}
            old, new = audit.changed_fields(audit.plain(before), audit.plain(after))
            key = record.key if record.key is not None else key_of(kind, record.data)
            units, item = _scope(name, record.data, item_units, item_ids)
            yield dict(
                actor=who.actor, action=f"{table}.update", object_type=table, object_id=ident,
                summary=say("导入{action}「{key}」", action=changed, key=_key_words(key)),
                old=old, new=new, source=who.source, batch=who.batch, units=units, item=item)


def _key_words(key):
    """A row's key in its entry's summary: the code or number, or a composite key's parts in a
    listing (「2025-0001、P01」, said with the reader's separator)."""
    if len(key) == 1:
        return str(key[0])
    return listing(map(str, key))


def _records(group):
    for entry in group:
        yield entry[1] if isinstance(entry, tuple) else entry


# ---------------------------------------------------------------- undoing a batch

class UndoRefused(KaoheError):
    """A batch that cannot be undone; the message says why."""


def undo_batch(batch_id):
    """Undo an import: delete the rows it created, put back the values it changed, all or nothing.

    Refused while a published run was stored after the import (it may depend on the data), and
    when a row of the batch was changed since (undoing would silently revert that change).
    """
    entries = list(AuditLog.select().where(AuditLog.batch == str(batch_id)).order_by(AuditLog.id))
    if not entries:
        raise UndoRefused(say("没有批次为「{batch_id}」的导入记录", batch_id=batch_id))
    if any(e.action == "import.undo" for e in entries):
        raise UndoRefused(say("导入批次「{batch_id}」已经撤销过了", batch_id=batch_id))
    started = entries[0].at
    published = (ScoreRun.select().where((ScoreRun.published == True)  # noqa: E712
                                         & (ScoreRun.published_at >= started)).first())
    if published is not None:
        raise UndoRefused(say("导入批次「{batch_id}」之后已发布了计算结果（第{published}次计算，"
            "{period}），不能撤销：已发布的结果可能依据这些数据",
            batch_id=batch_id, published=published.id, period=published.period))
    last_id = entries[-1].id
    kinds = {KINDS[name].model._meta.table_name: KINDS[name] for name in KINDS}
    steps = []
    for entry in entries:
        kind = kinds.get(entry.object_type)
        if kind is None:
            continue
        ident = int(entry.object_id) if entry.object_id else _id_by_key(kind, entry.new or {})
        if ident is None:
            continue  # deleted since, on record
        later = (AuditLog.select().where((AuditLog.object_type == entry.object_type)
                                         & (AuditLog.object_id == str(ident))
                                         & (AuditLog.id > last_id)).first())
        if later is not None:
            raise UndoRefused(say("导入批次「{batch_id}」中的记录（{summary}）在导入之后又被修改"
                "（审计日志第{later}条，{actor}），不能撤销，以免覆盖那次修改",
                batch_id=batch_id, summary=audit.summary_of(entry), later=later.id, actor=later.actor))
        steps.append((entry, kind, ident))
    try:
        with db.atomic():
            for entry, kind, ident in reversed(steps):
                if entry.action.endswith(".create"):
                    row = kind.model.get_or_none(kind.model.id == ident)
                    if row is not None:
                        changes.delete(row)
                elif entry.action.endswith(".update"):
                    _restore(kind, ident, entry.old or {})
            who = changes.current()
            audit.record(who.actor, "import.undo", "import", batch_id,
                         summary=say("撤销导入批次「{batch_id}」（{count}条记录）", batch_id=batch_id,
                                     count=len(entries)),
                         source=who.source, batch=batch_id)
    except changes.DeleteRefused as refused:
        raise UndoRefused(say("导入批次「{batch_id}」不能撤销：{refused}", batch_id=batch_id,
                              refused=refused.sentence)) from refused
    return len(steps)


def _id_by_key(kind, data):
    """The id of the stored row of a kind whose natural key `data` holds (codes for references)."""
    model = kind.model
    query = model.select(model.id)
    for name in kind.key:
        value = data.get(name)
        target = kind.refs.get(name)
        if target is not None:
            target_kind = KINDS[target]
            value = (target_kind.model.select(target_kind.model.id)
                     .where(getattr(target_kind.model, target_kind.key[0]) == value).scalar())
        query = query.where(getattr(model, name) == value)
    return query.scalar()


def _restore(kind, ident, old):
    """Put the `old` values back on a stored row (a save on record, like any other)."""
    model = kind.model
    row = model.get_or_none(model.id == ident)
    if row is None:
        return
    for name, value in old.items():
        if name in kind.links:
            continue
        target = kind.refs.get(name)
        if target is not None and value is not None:
            target_kind = KINDS[target]
            key = getattr(target_kind.model, target_kind.key[0])
            value = target_kind.model.select(target_kind.model.id).where(key == value).scalar()
        setattr(row, f"{name}_id" if target is not None else name, value)
    row.save()
    links = {name: old[name] for name in kind.links if name in old}
    if not links:
        return
    if isinstance(row, Item):
        current = changes.item_links(row)
        units = [Unit.get(Unit.code == code) for code in links.get("units", current["units"])]
        reporters = [Reporter.get(Reporter.code == code)
                     for code in links.get("reporters", current["reporters"])]
        changes.set_item_links(row, units, reporters)
    else:
        changes.set_solicitation_units(row, [Unit.get(Unit.code == c) for c in links["units"]])
