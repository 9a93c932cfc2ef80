"""Importing the data kinds from xlsx sheets and csv files: every row checked, then all written or nothing."""

import gc
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path

from marshmallow import ValidationError
from peewee import fn

from kaohe.core.domain.sentences import say
from kaohe.core.exchange import preview
from kaohe.core.exchange.files import Limits
from kaohe.core.exchange.kinds import KINDS, fold
from kaohe.core.exchange.matching import (  # noqa: F401 (lookup and stored_rows are also named from here)
    CHUNK,
    compared,
    existing,
    highest_id,
    inserted_ids,
    lookup,
    new_ids,
    stored_rows,
)
from kaohe.core.exchange.reading import (
    Batch,
    ImportFailed,
    Place,
    Record,
    add_record,
    duplicate,
    flatten_messages,
    read_chunks,
    remember_key,
    schema_of,
)
from kaohe.core.exchange.recording import new_batch_id, record_import
from kaohe.core.exchange.rows import WRITTEN, bulk_update, row_maker, slices
from kaohe.core.storage import changes, revision
from kaohe.core.storage.db import bound, bulk_insert, chunked, db, refresh_statistics
from kaohe.core.storage.models import Item

WARNINGS_LISTED = 20  # in the summary a command prints; the panel lists up to 200


@dataclass
class ImportReport:
    """What an import did (or, dry, would do): per kind, rows created, updated and unchanged.

    For the clerk's preview it also lists, per kind, the first new rows and the first changed rows
    with each changed field's old and new value (`preview.LISTED` of each), the warnings (rows that
    are suspicious but not wrong), and the months the rows' dates fall in.
    """
    counts: dict = field(default_factory=dict)
    dry_run: bool = False
    batch: str = ""  # the batch its changes are recorded under (undone as a whole)
    new_rows: dict = field(default_factory=dict)  # kind -> [preview.NewRow]
    changes: dict = field(default_factory=dict)  # kind -> [preview.ChangedRow]
    warnings: list = field(default_factory=list)  # RowError
    months: list = field(default_factory=list)

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
        for warning in self.warnings[:WARNINGS_LISTED]:
            lines.append(f"提醒：{warning}")
        if len(self.warnings) > WARNINGS_LISTED:
            lines.append(f"另有{len(self.warnings) - WARNINGS_LISTED}处提醒")
        return lines


def _check_references(batch):
    """Every code a row names must be in the database or in these files; record their ids."""
    checked = {name: batch.records.get(name, []) + batch.partial.get(name, [])
               for name in set(batch.records) | set(batch.partial)}
    named = defaultdict(set)  # target -> the codes named (one pass, in sets: most repeat)
    for name, records in checked.items():
        for field_name, target in _targets(KINDS[name]).items():
            codes = named[target]
            for record in records:
                value = record.data.get(field_name)
                if value.__class__ is list:
                    codes.update(value)
                elif value is not None:
                    codes.add(value)
    missing = False
    for target, codes in named.items():
        seen, ids = batch.seen[target], batch.ids[target]
        wanted = {code for code in codes if (fold(code),) not in seen}
        if wanted:
            ids.update(lookup(target, wanted))
            missing = missing or any(fold(code) not in ids for code in wanted)
    if not missing:
        return
    for kind, record, field_name, target, code in _references(checked):
        if (fold(code),) in batch.seen[target] or fold(code) in batch.ids[target]:
            continue
        if target in batch.broken:
            continue  # its own sheet is already reported as unreadable
        target_kind = KINDS[target]
        column = record.columns.get(field_name) or kind.header(field_name)
        batch.fail(record.source, record.row, column,
                   say("{header}「{code}」不存在（数据库和本次导入的文件中都没有）",
                       header=target_kind.header(target_kind.key[0]), code=code))


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
                               say("{field}「{value}」不存在", field=model._meta.fields[key].verbose_name,
                                   value=value))


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
                           say("未知的{noun}「{word}」，应为 {words}", noun=VOCABULARY_NOUNS[vocabulary],
                               word=value, words=words))


def _targets(kind):
    """{field: the kind it names} of the fields of a kind that name other rows."""
    targets = dict(kind.refs)
    targets.update({f: link.kind for f, link in kind.links.items()})
    return targets


def _references(checked):
    """(kind, record, field name, target kind name, code) for every code the records name."""
    for name, records in checked.items():
        kind = KINDS[name]
        targets = _targets(kind)
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


def _plan(batch, report, warnings, months):
    """Split each kind's rows of the chunk into new ones and changed ones (with their ids and
    stored values), adding to the report's counts, listed rows, `warnings` (the template's example
    rows, dates before submission) and `months`.

    A row whose key is that of a row this import has already written is a duplicate of it.
    """
    plan = {}
    for name in KINDS:
        records = batch.records.get(name, [])
        if name not in batch.kinds:
            continue
        kind = KINDS[name]
        found = existing(kind, [r.key for r in records]) if records else {}
        written = batch.written.get(name)
        created, updated = [], []
        unchanged = 0
        for record in records:
            key = record.key
            if key not in found:
                created.append(record)
                continue
            ident, values, stored = found[key]
            first = written.place(ident, partial(new_ids, kind.model)) if written is not None else None
            if first is not None:
                duplicate(kind, record, first, batch)
                continue
            if len(kind.key) == 1:
                batch.ids[name][key[0]] = ident
            if values == compared(kind, record.data):
                unchanged += 1
                batch.met[name].append((ident, record))
            else:
                updated.append((ident, record))
                batch.stored[(name, ident)] = values
                if len(report.changes.setdefault(name, [])) < preview.LISTED:
                    report.changes[name].append(preview.changed_row(kind, record, stored))
        plan[name] = (created, updated)
        counts = report.counts.setdefault(name, {"created": 0, "updated": 0, "unchanged": 0})
        counts["created"] += len(created)
        counts["updated"] += len(updated)
        counts["unchanged"] += unchanged
        listed = report.new_rows.get(name, [])
        if created and len(listed) < preview.LISTED:
            report.new_rows[name] = listed + [preview.new_row(kind, record)
                                              for record in created[:preview.LISTED - len(listed)]]
    warnings[0].extend(preview.template_examples(batch))
    warnings[1].extend(preview.dated_before_submission(batch, _submission_dates(batch)))
    months.update(preview.months_of({name: created + [record for _, record in updated]
                                     for name, (created, updated) in plan.items()}))
    return plan


def _submission_dates(batch):
    """{folded item number: submitted_on} of the items the adoptions and instructions name."""
    wanted = {fold(record.data.get("item")) for name in preview.DATED_ON_ITEMS
              for record in batch.records.get(name, ())}
    if not wanted:
        return {}
    dates = {key[0]: record.data["submitted_on"] for key, record in
             ((r.key, r) for r in batch.records.get("items", ()))
             if key[0] in wanted}
    dates.update((no, batch.dates[no]) for no in wanted - set(dates) if no in batch.dates)
    stored = wanted - set(dates)
    if stored:
        for select in (Item.select(Item.no, Item.submitted_on).where(fn.UPPER(Item.no).in_(chunk))
                       for chunk in chunked(stored, CHUNK)):
            for no, submitted_on in select.tuples():
                dates.setdefault(fold(no), submitted_on)
    return dates


def _check_reviewed(batch):
    """Adoptions and instructions go on accepted items only (an item new in these files is accepted)."""
    for name, what in (("adoptions", "采用"), ("instructions", "领导批示")):
        records = batch.records.get(name, [])
        nos = {r.data.get("item") for r in records} - {key[0] for key in batch.seen["items"]}
        waiting = set()
        met = batch.written.get("items", ())
        for chunk in chunked(nos - {None}, CHUNK):
            waiting.update(no for (ident, no) in Item.select(Item.id, Item.no).where(
                Item.no.in_(chunk) & (Item.state != "accepted")).tuples() if ident not in met)
        for record in records:
            if record.data.get("item") in waiting:
                kind = KINDS[name]
                batch.fail(record.source, record.row, record.columns.get("item") or kind.header("item"),
                           say("稿件「{item}」尚未审核入库，不能登记{what}", item=record.data["item"],
                               what=what))


def _apply(plan, batch):
    """Write the planned rows, move the updated rows' versions and record every change."""
    for name, (created, updated) in plan.items():
        kind = KINDS[name]
        model = kind.model
        scalars = kind.scalars
        # a unit's parent may be a unit of the same file: insert without parents, then set them
        deferred = [n for n in scalars if kind.refs.get(n) == name]
        first = [n for n in scalars if n not in deferred]
        extra = [n for n, _ in kind.extra]
        stamps = tuple(bound(kind.model._meta.fields[n].db_value(make())) for n, make in kind.extra)
        inserted = row_maker(kind, first, batch)
        # the rows of a later chunk may repeat these: the import remembers them by id (the last
        # chunk's need not be, nor their ids read unless they are named by code)
        single = len(kind.key) == 1
        since = highest_id(model) if created and (single or not batch.last) else None
        for chunk in slices(created):
            bulk_insert(model, first + extra, [inserted(r) + stamps for r in chunk], batch=WRITTEN)
        written = batch.written[name]
        if since is not None:
            written.inserted(since, created)
            if single:
                batch.ids[name].update(inserted_ids(name, [r.key[0] for r in created], since))
        if not batch.last:
            for ident, record in chain(updated, batch.met.get(name, ())):
                written.met(ident, record)
        changing = [n for n in scalars if n not in kind.key]
        changed = row_maker(kind, changing, batch)
        bulk_update(model, changing, [changed(r) + (ident,) for ident, r in updated])
        if deferred:
            parents = row_maker(kind, deferred, batch)
            bulk_update(model, deferred, [
                parents(r) + (batch.ids[name][r.key[0]],)
                for r in created if any(r.data.get(n) is not None for n in deferred)])
        for field_name, link in kind.links.items():
            stale = [ident for ident, _ in updated]
            for chunk in chunked(stale, CHUNK):
                link.model.delete().where(getattr(link.model, link.owner).in_(chunk)).execute()
            names = [link.owner, link.target] + (["position"] if link.ordered else [])
            ids, targets = batch.ids[name], batch.ids[link.kind]
            owners = chain(((ids[r.key[0]], r) for r in created), updated)
            for chunk in slices(owners):
                link_rows = []
                for ident, record in chunk:
                    for position, code in enumerate(record.data.get(field_name) or ()):
                        target = targets[fold(code)]
                        link_rows.append((ident, target, position) if link.ordered else (ident, target))
                bulk_insert(link.model, names, link_rows, batch=len(link_rows) or 1)
        for chunk in chunked([ident for ident, _ in updated], CHUNK):
            model.update(version=model.version + 1).where(model.id.in_(chunk)).execute()
    record_import(plan, batch)


def validate_files(paths, limits=None):
    """Every problem of these files (an empty list when they would import), writing nothing."""
    batch = Batch(limits=limits or Limits.from_settings())
    for _ in read_chunks(paths, batch):
        _check_references(batch)
        _check_names(batch)
        _next_chunk(batch)
    return batch.sorted_errors()


def import_files(paths, dry_run=False, limits=None):
    """Import the files together, all or nothing; raise ImportFailed listing every problem.

    Rows are matched to the database by their natural keys, so importing a file again
    updates the rows it changed instead of adding them twice. `limits` (files.Limits; by default
    KAOHE_IMPORT_MAX_ROWS and KAOHE_IMPORT_MAX_BYTES) bounds what is read.

    The rows are read, checked and written a chunk at a time inside the one transaction, so an
    import's memory does not grow with its files; a problem anywhere rolls every chunk back.
    """
    batch = Batch(limits=limits or Limits.from_settings(), writing=not dry_run)
    report = ImportReport(dry_run=dry_run)
    with _fewer_collections(), nullcontext() if dry_run else db.atomic():
        if dry_run:
            _import_chunks(read_chunks(paths, batch), batch, report)
            return report
        who = changes.current()
        report.batch = who.batch or new_batch_id()
        names = "、".join(dict.fromkeys(Path(path).name for path in paths))
        with changes.acting(who.actor, f"import: {names}", report.batch), revision.bulk():
            _import_chunks(read_chunks(paths, batch), batch, report)
    refresh_statistics(batch.read)
    return report


@contextmanager
def _fewer_collections(young=20_000):
    """Python's cyclic collector less often while an import makes its millions of short-lived
    rows, dicts and tuples (freed by their counts: they hold no cycles). At its usual 700 the
    collector ran every few rows and moved them towards the old generation, whose scans of the
    whole heap took a tenth of an import; it is set back as it was afterwards."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], young), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _import_chunks(chunks, batch, report):
    """Check each chunk of rows `chunks` puts in the batch and, while no problem has been found,
    write it (batch.writing); raise ImportFailed listing every problem of all of them."""
    warnings, months = ([], []), set()
    for _ in chunks:
        _check_references(batch)
        _check_reviewed(batch)
        _check_names(batch)
        plan = _plan(batch, report, warnings, months)
        if batch.errors:
            batch.writing = False  # the import fails: what is left is only checked
        if batch.writing:
            _apply(plan, batch)
            batch.first.clear()  # the rows are in the database now (batch.written knows them)
            batch.seen.clear()
        elif "items" in batch.records and batch.listed & set(preview.DATED_ON_ITEMS):
            # the adoptions and instructions of later chunks are dated against these items
            batch.dates.update((r.key[0], r.data["submitted_on"]) for r in batch.records["items"])
        _next_chunk(batch)
    if batch.errors:
        raise ImportFailed(batch.sorted_errors())
    report.counts = {name: report.counts[name] for name in KINDS if name in report.counts}
    report.warnings = warnings[0] + warnings[1]
    report.months = sorted(months, reverse=True)


def _next_chunk(batch):
    """Forget the chunk's rows and what was looked up for them (the keys they gave first, kept
    when nothing is written, keep only their places)."""
    for name, records in batch.records.items() if batch.first else ():
        for record in records:
            batch.first[(name, record.key)] = Place(record.source, record.row)
    for held in (batch.records, batch.partial, batch.ids, batch.stored, batch.met):
        held.clear()


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
    batch.writing = True
    with db.atomic(), revision.bulk():
        _import_chunks([None], batch, report)
    return report
