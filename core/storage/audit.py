"""The audit log: who changed which data, scheme, parameter or account, and when, chained by hashes.

A summary is a Sentence (kaohe.core.domain.sentences.say) where the caller made one: its Chinese
text is the summary, and how it was said (template and parameters, `words_of`) is kept beside
it in `summary_words`, so that the panel in English can say it (:func:`summary_of`). The words
are covered by the entry's hash when it has them (left out of the hashed body when NULL, so the
entries written before schema version 9 keep their hashes): altering them breaks the chain like
altering the text. Even so, the English is said only from words that rebuild exactly the stored
Chinese text; otherwise the Chinese is shown.
"""

import datetime
import hashlib
import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import said_from, say, words_of
from kaohe.core.storage.db import bound, db, is_postgres
from kaohe.core.storage.models import AuditLog

GENESIS = "0" * 64

ACTIONS = {
    "scheme.create": "创建考核方案",
    "scheme.members": "调整方案成员单位",
    "parameters.save": "保存参数版本",
    "run.publish": "发布计算结果",
    "run.delete": "删除试算结果",
    "run.archive": "归档试算结果",
    "account.create": "创建账号",
    "account.update": "修改账号",
    "account.delete": "删除账号",
    "account.password": "修改密码",
    "account.token": "签发接口令牌",
    "account.token_revoke": "吊销接口令牌",
}


def account_fields(user):
    """What the log keeps of an account: never its password or token digest."""
    return {"username": user.username, "role": user.role,
            "unit": user.unit.code if user.unit_id else None, "active": bool(user.active)}


def changed_fields(before, after):
    """The old and new values of the fields that differ, as two dicts (both empty: no change)."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _json(value):
    """The column value of a JSON field (as JSONField stores it)."""
    return AuditLog.old.db_value(value)


def plain(value):
    """Any value as JSON's own types: Decimals and dates as text, tuples as lists, keys in order.

    What a trip through JSON gives (json.loads(json.dumps(value, sort_keys=True))), without the
    trip for the values an import's rows hold; any other value takes the trip.
    """
    try:
        return _plain(value)
    except (_Unusual, TypeError):
        return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=_default))


class _Unusual(Exception):
    """A value `_plain` leaves to the trip through JSON."""


_SAME = frozenset({str, int, bool, type(None)})


def _plain(value):
    kind = value.__class__
    if kind in _SAME:
        return value
    if kind is dict:
        plain_dict = {}
        for key in sorted(value):  # keys of several types raise TypeError: the trip sorts them out
            if key.__class__ is not str:
                raise _Unusual  # JSON turns other keys into text
            part = value[key]
            plain_dict[key] = part if part.__class__ in _SAME else _plain(part)
        return plain_dict
    if kind is list or kind is tuple:
        return [part if part.__class__ in _SAME else _plain(part) for part in value]
    if kind is Decimal:
        return str(value)
    if kind is datetime.date or kind is datetime.datetime:
        return value.isoformat()
    raise _Unusual


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def entry_hash(entry, prev_hash):
    """SHA-256 of the entry's canonical JSON with the hash of the entry before it."""
    body = {
        "at": entry.at.isoformat(sep=" "),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "old": entry.old,
        "new": entry.new,
        "prev_hash": prev_hash,
    }
    # Since schema version 5: from where, the import batch, the units and item filed under;
    # since version 9, how the summary was said. Left out when empty, so that the entries
    # written before them keep their hashes.
    for name in WHERE_FIELDS:
        value = getattr(entry, name, "") or ""
        if value:
            body[name] = value
    words = getattr(entry, "summary_words", None)
    if words is not None:
        body["summary_words"] = words
    canonical = _CANONICAL.encode(body)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")), made once
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


WHERE_FIELDS = ("source", "batch", "units", "item")


def _where(source, batch, units, item):
    codes = [str(code) for code in (units or ()) if code]
    return {"source": source or "", "batch": batch or "",
            "units": "|" + "|".join(codes) + "|" if codes else "", "item": str(item or "")}


def record(actor, action, object_type, object_id="", summary="", old=None, new=None,
           source="", batch="", units=(), item=""):
    """Append one entry after the last one; inside the caller's transaction when there is one.

    Appends are serialised (PostgreSQL: a table lock; SQLite: the write lock the insert takes),
    so two changes at once cannot both chain to the same predecessor.
    """
    with db.atomic():
        if is_postgres():
            db.execute_sql('LOCK TABLE "audit_log" IN SHARE ROW EXCLUSIVE MODE')
        summary = summary or ACTIONS.get(action, action)
        entry = AuditLog(at=now(), actor=str(actor or ""), action=action,
                         object_type=object_type, object_id=str(object_id if object_id is not None else ""),
                         summary=str(summary), summary_words=plain(words_of(summary)),
                         old=plain(old), new=plain(new), **_where(source, batch, units, item))
        entry.prev_hash = GENESIS
        entry.hash = "pending:" + uuid.uuid4().hex  # unique until the real hash replaces it
        entry.save(force_insert=True)
        previous = (AuditLog.select(AuditLog.hash).where(AuditLog.id < entry.id)
                    .order_by(AuditLog.id.desc()).first())
        entry.prev_hash = previous.hash if previous else GENESIS
        entry.hash = entry_hash(entry, entry.prev_hash)
        entry.save(only=[AuditLog.prev_hash, AuditLog.hash])
    return entry


def record_many(entries, batch=1000):
    """Append many entries at once (an import's changes), chained in order, in the caller's transaction.

    `entries` are dicts of record()'s arguments, in a list or as a generator: they are hashed
    and inserted `batch` at a time, so an import of a million rows never holds all its entries.
    The chain is computed here, under the same serialisation as record(). A summary's words
    (a Sentence's) are encoded once, for the row and the hashed body alike.
    """
    from kaohe.core.storage.db import bulk_insert
    entries = iter(entries)
    first = next(entries, None)
    if first is None:
        return 0
    # Called by a writer that has written in its transaction, SQLite's write lock is held
    # already; on its own, it takes the lock before reading the last hash.
    outer = db.in_transaction()
    count = 0
    with nullcontext() if outer else db.atomic():
        if is_postgres():
            db.execute_sql('LOCK TABLE "audit_log" IN SHARE ROW EXCLUSIVE MODE')
        elif not outer:
            db.execute_sql('UPDATE "audit_log" SET "id" = "id" WHERE 0')
        previous = AuditLog.select(AuditLog.hash).order_by(AuditLog.id.desc()).first()
        prev_hash = previous.hash if previous else GENESIS
        at = now()
        at_value = bound(AuditLog.at.db_value(at))
        at_text = _text(at.isoformat(sep=" "))
        names = ["at", "actor", "action", "object_type", "object_id", "summary", "summary_words",
                 "old", "new", *WHERE_FIELDS, "prev_hash", "hash"]
        rows = []
        sha256 = hashlib.sha256
        texts = {}  # the JSON of the texts every entry of an import repeats (actor, action, ...)
        for given in chain([first], entries):
            # Each value is encoded once, as the canonical JSON entry_hash would give it: the
            # stored documents are those texts, and the hashed body (its keys in order) is put
            # together from them, so an import's entries cost a fraction of the model's way.
            get = given.get
            action, object_type = given["action"], given["object_type"]
            actor = str(get("actor") or "")
            source, batch_id, item = get("source") or "", get("batch") or "", str(get("item") or "")
            units = get("units")  # as _where files them
            if units:
                codes = [str(code) for code in units if code]
                units = "|" + "|".join(codes) + "|" if codes else ""
            else:
                units = ""
            object_id = str(get("object_id", ""))
            summary = get("summary") or ACTIONS.get(action, action)
            words = _words_document(summary) if summary.__class__ is not str else None
            summary = str(summary)
            old, new = _document(get("old")), _document(get("new"))
            head = texts.get((action, actor, batch_id))
            if head is None:
                head = texts[(action, actor, batch_id)] = "".join((
                    '{"action":', _text(action), ',"actor":', _text(actor), ',"at":', at_text,
                    ',"batch":' + _text(batch_id) if batch_id else ""))
            tail = texts.get((object_type, source))
            if tail is None:
                tail = texts[(object_type, source)] = (
                    _text(object_type), ',"source":' + _text(source) if source else "")
            item_part = ',"item":' + _text(item) if item else ""
            units_part = ',"units":' + _text(units) if units else ""
            words_part = ',"summary_words":' + words if words is not None else ""
            body = (f'{head}{item_part},"new":{new or "null"},"object_id":{_text(object_id)}'
                    f',"object_type":{tail[0]},"old":{old or "null"},"prev_hash":{_text(prev_hash)}'
                    f'{tail[1]},"summary":{_text(summary)}{words_part}{units_part}}}')
            entry_hash_value = sha256(body.encode("utf-8")).hexdigest()
            rows.append((at_value, actor, action, object_type, object_id, summary, words, old, new,
                         source, batch_id, units, item, prev_hash, entry_hash_value))
            prev_hash = entry_hash_value
            if len(rows) == batch:
                count += bulk_insert(AuditLog, names, rows, batch=batch)
                rows = []
        count += bulk_insert(AuditLog, names, rows, batch=batch)
    return count


# A string as the canonical encoder writes it (ensure_ascii=False: the C function it uses).
_text = json.encoder.encode_basestring

# The canonical encoding of a value as `plain` would give it, in one pass: _default does what the
# trip through JSON does to a Decimal, a date or a set. Used only where every mapping is keyed by
# text (other keys JSON turns into text and sorts differently); the stored document of an entry is
# this text, which reads back (JSONField) as plain(value).
_DOCUMENT = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                             default=_default)


def _document(value):
    """The canonical JSON text of plain(value) (what entry_hash encodes of it); None for None."""
    if value is None:
        return None
    if value.__class__ is dict:
        text = _row_document(value)
        if text is not None:
            return text
    if _text_keys(value):
        return _DOCUMENT.encode(value)
    return _CANONICAL.encode(plain(value))


def _words_document(summary):
    """_document(words_of(summary)) of an entry's summary, in one pass for the sentences an import
    repeats (a template with texts and whole numbers: 导入{action}「{key}」); None for plain text."""
    template, params = getattr(summary, "template", None), getattr(summary, "params", None)
    if template is None or summary.parts is not None or params.__class__ is not dict:
        return _document(words_of(summary))
    names = tuple(params)
    order = _WORDS_ORDERS.get((template, names))
    if order is None:
        if any(name.__class__ is not str for name in names):
            return _document(words_of(summary))
        if len(_WORDS_ORDERS) > 256:
            _WORDS_ORDERS.clear()
        order = _WORDS_ORDERS[(template, names)] = (
            [(name, _text(name) + ":") for name in sorted(names)], '},"template":' + _text(template) + "}")
    parts = []
    for name, label in order[0]:
        value = params[name]
        kind = value.__class__
        if kind is str:
            parts.append(label + _text(value))
        elif kind is int:
            parts.append(label + int.__repr__(value))
        else:  # a nested sentence, a Decimal, a date: as words_of gives it
            return _document(words_of(summary))
    return '{"params":{' + ",".join(parts) + order[1]


_WORDS_ORDERS = {}  # (template, parameter names as given) -> (names in order, the template's end)


def _row_document(row):
    """_DOCUMENT.encode(row) of a flat dict of an import's values (texts, numbers, flags, dates,
    lists of texts), put together in one pass; None for a dict holding anything else.

    Besides texts, the values of a column repeat (a category, an empty list, the dates of a
    year): each is encoded once with its field name and then looked up."""
    names = tuple(row)
    order = _KEY_ORDERS.get(names)
    if order is None:
        if any(name.__class__ is not str for name in names):
            return None
        if len(_KEY_ORDERS) > 256:
            _KEY_ORDERS.clear()
        order = _KEY_ORDERS[names] = [(name, _text(name) + ":") for name in sorted(names)]
    parts = []
    for name, label in order:
        value = row[name]
        kind = value.__class__
        if kind is str:
            parts.append(label + _text(value))
            continue
        if kind is list or kind is tuple:
            if any(code.__class__ is not str for code in value):
                return None
            value, kind = tuple(value), tuple
        elif kind not in _PIECE_KINDS:
            return None
        key = (label, kind, value)
        piece = _PIECES.get(key)
        if piece is None:
            if kind is tuple:
                piece = label + "[" + ",".join(map(_text, value)) + "]"
            elif value is None:
                piece = label + "null"
            elif kind is bool:
                piece = label + ("true" if value else "false")
            elif kind is int:
                piece = label + int.__repr__(value)
            else:  # a date or a time
                piece = f'{label}"{value.isoformat()}"'
            if len(_PIECES) >= 8192:
                _PIECES.clear()
            _PIECES[key] = piece
        parts.append(piece)
    return "{" + ",".join(parts) + "}"


_PIECES = {}  # (field's JSON and colon, class, value) -> the field's part of a document
_PIECE_KINDS = frozenset({type(None), bool, int, datetime.date, datetime.datetime})


_KEY_ORDERS = {}  # a row's field names as given -> (name, its JSON and a colon) in sorted order


def _text_keys(value):
    """Whether every mapping in `value` is a dict keyed by str alone (nothing JSON would rekey)."""
    kind = value.__class__
    if kind in _LEAVES:
        return True
    if kind is dict:
        for key, part in value.items():
            if key.__class__ is not str:
                return False
            if part.__class__ in _LEAVES:
                continue
            if part.__class__ is list:  # a row's list of codes: its texts, seen here
                for code in part:
                    if code.__class__ not in _LEAVES and not _text_keys(code):
                        return False
            elif not _text_keys(part):
                return False
        return True
    if kind is list or kind is tuple:
        for part in value:
            if part.__class__ not in _LEAVES and not _text_keys(part):
                return False
        return True
    return not isinstance(value, (dict, list, tuple, set, frozenset))


_LEAVES = _SAME | {float, Decimal, datetime.date, datetime.datetime}


def summary_of(entry):
    """The entry's summary as it was said: the Sentence its words rebuild, or its text as it is
    (a plain summary, an entry of before schema version 9, words that no longer make the text)."""
    return said_from(entry.summary, entry.summary_words)


@dataclass
class Break:
    """Where the chain is broken: the entry, and what is wrong with it (a sentence)."""
    entry_id: int
    reason: str

    @property
    def sentence(self):
        return say("审计日志第 {entry_id} 条{reason}", entry_id=self.entry_id, reason=self.reason)

    def __str__(self):
        return str(self.sentence)


def verify_chain(batch=2000):
    """The first broken entry of the log, or None when every entry and link checks out."""
    expected_prev = GENESIS
    last_id = 0
    while True:
        entries = list(AuditLog.select().where(AuditLog.id > last_id).order_by(AuditLog.id)
                       .limit(batch))
        if not entries:
            return None
        for entry in entries:
            if entry.prev_hash != expected_prev:
                return Break(entry.id, say("与前一条记录衔接不上（前一条被删除或改动过）"))
            if entry.hash != entry_hash(entry, entry.prev_hash):
                return Break(entry.id, say("的内容与摘要不符（记录被改动过）"))
            expected_prev = entry.hash
            last_id = entry.id


def entries(object_type=None, object_id=None, limit=200):
    """The latest entries, newest first, optionally of one object."""
    query = AuditLog.select().order_by(AuditLog.id.desc())
    if object_type is not None:
        query = query.where(AuditLog.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditLog.object_id == str(object_id))
    return list(query.limit(limit))


def search(unit=None, item=None, actor=None, since=None, until=None, batch=None):
    """The entries matching every filter given, newest first (a query: page it, count it).

    `unit` is a unit code, `item` an item number, `since` and `until` dates or times (inclusive;
    a date `until` takes in the whole day), `batch` an import batch.
    """
    query = AuditLog.select().order_by(AuditLog.id.desc())
    if unit:
        query = query.where(AuditLog.units.contains(f"|{unit}|"))
    if item:
        query = query.where(AuditLog.item == str(item))
    if actor:
        query = query.where(AuditLog.actor == str(actor))
    if batch:
        query = query.where(AuditLog.batch == str(batch))
    if since is not None:
        query = query.where(AuditLog.at >= _moment(since))
    if until is not None:
        moment = _moment(until)
        if not isinstance(until, datetime.datetime):
            moment += datetime.timedelta(days=1)
            query = query.where(AuditLog.at < moment)
        else:
            query = query.where(AuditLog.at <= moment)
    return query


def _moment(value):
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.combine(value, datetime.time())
