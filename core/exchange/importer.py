"""Importing the data kinds from xlsx sheets and csv files: every row checked, then all written or nothing."""

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field

from marshmallow import ValidationError
from peewee import JOIN

from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import (
    Batch,
    ImportFailed,
    Record,
    add_record,
    flatten_messages,
    key_of,
    read_files,
    remember_key,
    schema_of,
)
from kaohe.core.storage.db import bulk_insert, chunked, db, is_postgres, refresh_statistics

CHUNK = 500


@dataclass
class ImportReport:
    """What an import did (or, dry, would do): per kind, rows created, updated and unchanged."""
    counts: dict = field(default_factory=dict)
    dry_run: bool = False

    def summary_lines(self):
        if not self.counts:
            return ["文件中没有数据行。"]
        lines = []
        for name, count in self.counts.items():
            verb = "将" if self.dry_run else ""
            line = (f"{KINDS[name].label}：{verb}新增 {count['created']} 条，"
                    f"{verb}更新 {count['updated']} 条")
            if count.get("unchanged"):
                line += f"，未变 {count['unchanged']} 条"
            lines.append(line)
        return lines



def lookup(kind_name, codes):
    """{code: id} of the rows of a single-key kind that exist, in a few queries."""
    kind = KINDS[kind_name]
    key = getattr(kind.model, kind.key[0])
    codes = set(codes)
    if _worth_scanning(kind.model, codes):
        return {code: ident for code, ident in kind.model.select(key, kind.model.id).tuples()
                if code in codes}
    found = {}
    for chunk in chunked(codes, CHUNK):
        found.update(kind.model.select(key, kind.model.id).where(key.in_(chunk)).tuples())
    return found


def _worth_scanning(model, wanted):
    """Whether one read of the whole table beats asking for `wanted` a chunk at a time.

    Building a query of thousands of parameters costs more than the database's work, so a
    large import into a table of similar size reads the table once and picks in Python.
    """
    return len(wanted) > CHUNK and len(wanted) * 4 >= model.select().count()


def _check_references(batch):
    """Every code a row names must be in the database or in these files; record their ids."""
    checked = {name: batch.records.get(name, []) + batch.partial.get(name, [])
               for name in set(batch.records) | set(batch.partial)}
    wanted = defaultdict(set)
    for _kind, _record, _field, target, code in _references(checked):
        if (code,) not in batch.seen[target]:
            wanted[target].add(code)
    for target, codes in wanted.items():
        batch.ids[target].update(lookup(target, codes))
    for kind, record, field_name, target, code in _references(checked):
        if (code,) in batch.seen[target] or code in batch.ids[target]:
            continue
        if target in batch.broken:
            continue  # its own sheet is already reported as unreadable
        target_kind = KINDS[target]
        column = record.columns.get(field_name) or kind.header(field_name)
        batch.fail(record.source, record.row, column,
                   f"{target_kind.header(target_kind.key[0])}「{code}」不存在"
                   f"（数据库和本次导入的文件中都没有）")


def _check_names(batch):
    """Every name a row gives of something not imported (a target's 考核方案) must exist, and a
    word of an open vocabulary (a unit's 单位类型) must be built in or defined by the office."""
    _check_open_words(batch)
    for name, records in batch.records.items():
        kind = KINDS[name]
        for field_name, (model, key) in kind.named.items():
            wanted = {r.data.get(field_name) for r in records} - {None, ""}
            if not wanted:
                continue
            column = getattr(model, key)
            found = {value for chunk in chunked(wanted, CHUNK)
                     for (value,) in model.select(column).where(column.in_(chunk)).tuples()}
            for record in records:
                value = record.data.get(field_name)
                if value and value not in found:
                    batch.fail(record.source, record.row,
                               record.columns.get(field_name) or kind.header(field_name),
                               f"{model._meta.fields[key].verbose_name}「{value}」不存在")


def _check_open_words(batch):
    from kaohe.core.domain.vocab import VOCABULARIES
    from kaohe.core.exchange.schemas import CELL_WORDS, VOCABULARY_NOUNS
    for name, records in batch.records.items():
        kind = KINDS[name]
        for field_name, (target, vocabulary) in kind.open_words.items():
            built_in = VOCABULARIES[vocabulary]
            wanted = {r.data.get(field_name) for r in records} - set(built_in) - {None}
            if not wanted:
                continue
            known = {key[0] for key in batch.seen[target]} | set(lookup(target, wanted))
            defined = None
            for record in records:
                value = record.data.get(field_name)
                if value is None or value in built_in or value in known:
                    continue
                if defined is None:
                    target_kind = KINDS[target]
                    defined = [code for (code,) in target_kind.model.select(
                        getattr(target_kind.model, target_kind.key[0])).tuples()]
                    defined += sorted({key[0] for key in batch.seen[target]} - set(defined))
                words = "/".join(list(CELL_WORDS[vocabulary].values()) + defined)
                batch.fail(record.source, record.row,
                           record.columns.get(field_name) or kind.header(field_name),
                           f"未知的{VOCABULARY_NOUNS[vocabulary]}「{value}」，应为 {words}")


def _references(checked):
    """(kind, record, field name, target kind name, code) for every code the records name."""
    for name, records in checked.items():
        kind = KINDS[name]
        targets = dict(kind.refs)
        targets.update({f: link.kind for f, link in kind.links.items()})
        for record in records:
            for field_name, target in targets.items():
                for code in _codes(record.data.get(field_name)):
                    yield kind, record, field_name, target, code


def _codes(value):
    if value is None:
        return ()
    if isinstance(value, list):
        return value
    return (value,)


def stored_rows(kind, firsts=None):
    """(id, values) of a kind's stored rows, values by field as a file holds them (codes, lists).

    With `firsts`, only the rows whose first key field is one of them; else every row, by id.
    """
    model = kind.model
    joins = []
    columns = {}
    for name in kind.scalars:
        if name in kind.refs:
            target = KINDS[kind.refs[name]]
            alias = target.model.alias()
            joins.append((alias, getattr(model, name) == alias.id))
            columns[name] = getattr(alias, target.key[0])
        else:
            columns[name] = getattr(model, name)
    selected = [model.id] + [columns[name] for name in kind.scalars]

    def query():
        select = model.select(*selected)
        for alias, on in joins:
            select = select.join_from(model, alias, join_type=JOIN.LEFT_OUTER, on=on)
        return select

    scan = firsts is None or _worth_scanning(model, firsts)
    if scan:
        batches = [query().order_by(model.id)]
    else:
        first = columns[kind.key[0]]
        batches = (query().where(first.in_(chunk)) for chunk in chunked(set(firsts), CHUNK))
    found = [(row[0], dict(zip(kind.scalars, row[1:])))
             for select in batches for row in select.tuples()]
    if firsts is not None and scan:
        wanted = set(firsts)
        found = [(ident, values) for ident, values in found if values[kind.key[0]] in wanted]
    for name, link in kind.links.items():
        lists = _link_codes(link, None if firsts is None else [ident for ident, _ in found])
        for ident, values in found:
            values[name] = lists.get(ident, [])
    return found


def _existing(kind, keys):
    """{key: (id, values)} of the stored rows with these natural keys (values compared on import)."""
    wanted = set(keys)
    found = {}
    for ident, values in stored_rows(kind, {key[0] for key in keys}):
        key = key_of(kind, values)
        if key in wanted:
            found[key] = (ident, tuple(_comparable(values.get(n)) for n in kind.values_fields))
    return found


def _link_codes(link, owner_ids):
    """{owner id: [codes in order]} of a link table, for these owners or (None) for all."""
    target = KINDS[link.kind]
    owner = getattr(link.model, link.owner)
    code = getattr(target.model, target.key[0])
    order = link.model.position if link.ordered else link.model.id

    def query():
        return (link.model.select(owner, code)
                .join(target.model, on=(getattr(link.model, link.target) == target.model.id))
                .order_by(owner, order))

    scan = owner_ids is None or _worth_scanning(link.model, owner_ids)
    selects = ([query()] if scan
               else (query().where(owner.in_(chunk)) for chunk in chunked(owner_ids, CHUNK)))
    wanted = None if owner_ids is None else set(owner_ids)
    lists = defaultdict(list)
    for select in selects:
        for ident, value in select.tuples():
            if wanted is None or ident in wanted:
                lists[ident].append(value)
    return lists


def _comparable(value):
    return tuple(value) if isinstance(value, list) else value


def _plan(batch, report):
    """Split each kind's rows into new ones and changed ones (with their ids); count them."""
    plan = {}
    for name in KINDS:
        records = batch.records.get(name, [])
        if name not in batch.kinds:
            continue
        kind = KINDS[name]
        existing = _existing(kind, [key_of(kind, r.data) for r in records]) if records else {}
        created, updated = [], []
        unchanged = 0
        for record in records:
            key = key_of(kind, record.data)
            if key not in existing:
                created.append(record)
                continue
            ident, values = existing[key]
            if len(kind.key) == 1:
                batch.ids[name][key[0]] = ident
            if values == tuple(_comparable(record.data.get(n)) for n in kind.values_fields):
                unchanged += 1
            else:
                updated.append((ident, record))
        plan[name] = (created, updated)
        report.counts[name] = {"created": len(created), "updated": len(updated), "unchanged": unchanged}
    return plan


def _db_values(model, names, values):
    fields_ = model._meta.fields
    return tuple(fields_[name].db_value(value) for name, value in zip(names, values))


def bulk_update(model, names, rows, batch=5000):
    """Update many rows by id: `rows` are tuples of the `names` values followed by the id."""
    if not rows:
        return 0
    table = model._meta.table_name
    assignments = ", ".join(f'"{model._meta.fields[n].column_name}" = {db.obj.param}' for n in names)
    sql = f'UPDATE "{table}" SET {assignments} WHERE "id" = {db.obj.param}'
    cursor = db.cursor()
    for chunk in chunked(rows, batch):
        if is_postgres():
            from psycopg2.extras import execute_batch
            execute_batch(cursor, sql, chunk, page_size=len(chunk))
        else:
            cursor.executemany(sql, chunk)
    return len(rows)


def _resolve(kind, record, name, batch):
    value = record.data.get(name)
    if name in kind.refs and value is not None:
        return batch.ids[kind.refs[name]][value]
    return value


def _apply(plan, batch):
    for name, (created, updated) in plan.items():
        kind = KINDS[name]
        model = kind.model
        scalars = kind.scalars
        # a unit's parent may be a unit of the same file: insert without parents, then set them
        deferred = [n for n in scalars if kind.refs.get(n) == name]
        first = [n for n in scalars if n not in deferred]
        extra = [n for n, _ in kind.extra]
        rows = [_db_values(model, first + extra,
                           [_resolve(kind, r, n, batch) for n in first] + [make() for _, make in kind.extra])
                for r in created]
        bulk_insert(model, first + extra, rows)
        if len(kind.key) == 1 and created:
            batch.ids[name].update(lookup(name, [key_of(kind, r.data)[0] for r in created]))
        changing = [n for n in scalars if n not in kind.key]
        bulk_update(model, changing, [
            _db_values(model, changing, [_resolve(kind, r, n, batch) for n in changing]) + (ident,)
            for ident, r in updated])
        if deferred:
            bulk_update(model, deferred, [
                _db_values(model, deferred, [_resolve(kind, r, n, batch) for n in deferred])
                + (batch.ids[name][key_of(kind, r.data)[0]],)
                for r in created if any(r.data.get(n) is not None for n in deferred)])
        for field_name, link in kind.links.items():
            stale = [ident for ident, _ in updated]
            for chunk in chunked(stale, CHUNK):
                link.model.delete().where(getattr(link.model, link.owner).in_(chunk)).execute()
            link_rows = []
            owners = [(batch.ids[name][key_of(kind, r.data)[0]], r) for r in created]
            owners += updated
            for ident, record in owners:
                for position, code in enumerate(record.data.get(field_name) or ()):
                    target = batch.ids[link.kind][code]
                    link_rows.append((ident, target, position) if link.ordered else (ident, target))
            names = [link.owner, link.target] + (["position"] if link.ordered else [])
            bulk_insert(link.model, names, link_rows)


def validate_files(paths):
    """Every problem of these files (an empty list when they would import), writing nothing."""
    batch = read_files(paths)
    _check_references(batch)
    _check_names(batch)
    return batch.sorted_errors()


def import_files(paths, dry_run=False):
    """Import the files together, all or nothing; raise ImportFailed listing every problem.

    Rows are matched to the database by their natural keys, so importing a file again
    updates the rows it changed instead of adding them twice.
    """
    batch = read_files(paths)
    report = ImportReport(dry_run=dry_run)
    with nullcontext() if dry_run else db.atomic():
        _check_references(batch)
        _check_names(batch)
        if batch.errors:
            raise ImportFailed(batch.sorted_errors())
        plan = _plan(batch, report)
        if not dry_run:
            _apply(plan, batch)
    if not dry_run:
        refresh_statistics(sum(len(records) for records in batch.records.values()))
    return report


def import_records(kind_name, rows, source="接口"):
    """Import rows of one kind given as dicts of field names (as the JSON API receives them).

    The rows take the same path as a file's: the kind's schema, the reference checks and the
    upsert by natural key, all or nothing. A problem is a RowError whose `row` is the row's
    place counted from 1 and whose `column` is the field name; raise ImportFailed listing them.
    """
    kind = KINDS[kind_name]
    batch = Batch()
    batch.kinds.append(kind.name)
    schema = schema_of(kind)
    names = {name: name for name, _ in kind.columns}
    for number, data in enumerate(rows, start=1):
        try:
            loaded = schema.load(data)
        except ValidationError as error:
            for name, messages in error.messages.items():
                for message in flatten_messages(messages):
                    batch.fail(source, number, name, message)
            remember_key(kind, error.valid_data or {}, batch)
            batch.partial[kind.name].append(Record(source, number, names, error.valid_data or {}))
            continue
        add_record(kind, Record(source, number, names, loaded), batch)
    report = ImportReport()
    with db.atomic():
        _check_references(batch)
        _check_names(batch)
        if batch.errors:
            raise ImportFailed(batch.sorted_errors())
        _apply(_plan(batch, report), batch)
    return report
