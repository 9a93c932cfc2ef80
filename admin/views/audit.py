"""The audit log page: every change to the data, schemes, parameters and accounts, filtered; admins only."""

import datetime
import json

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.storage import audit, changes
from kaohe.core.storage.models import AuditLog, Unit

from ..i18n import stored_word, word
from .base import KaoheView

# The filters of the page: query parameter -> audit.search argument.
FILTERS = ("unit", "item", "actor", "since", "until", "batch")

PAGE_SIZE = 100


def _text(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes_of(entry):
    """(field, old, new) rows of one entry, values as text; a whole value when it is not a dict."""
    old, new = entry.old, entry.new
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old or {}, new or {}
        if not isinstance(old, dict) or not isinstance(new, dict):
            return [("", _text(old), _text(new))]
        keys = list(new) + [key for key in old if key not in new]
        return [(key, _text(old.get(key)), _text(new.get(key))) for key in keys]
    if old is None and new is None:
        return []
    return [("", _text(old), _text(new))]


class AuditView(KaoheView):
    """The log, newest first, with the verification of its hash chain at the top."""

    roles = frozenset({"admin"})

    @expose("/")
    def index(self):
        try:
            page = min(max(1, int(request.args.get("page", "1"))), 10**6)
        except ValueError:
            page = 1
        chosen = {name: (request.args.get(name) or "").strip()[:64] for name in FILTERS}
        try:
            since, until = _day(chosen["since"]), _day(chosen["until"])
        except ValueError:
            flash(_("日期应如 2025-03-08"), "error")
            since = until = None
        query = audit.search(unit=chosen["unit"] or None, item=chosen["item"] or None,
                             actor=chosen["actor"] or None, since=since, until=until,
                             batch=chosen["batch"] or None)
        matching = query.count()
        total = AuditLog.select().count()
        rows = list(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
        entries = [{"entry": row, "action": audit.ACTIONS.get(row.action), "changes": changes_of(row),
                    "summary": stored_word(row.summary, row.summary_words)} for row in rows]
        filters = {name: value for name, value in chosen.items() if value}
        return self.render("kaohe/audit.html", entries=entries, broken=audit.verify_chain(),
                           total=total, matching=matching, page=page,
                           pages=max(1, -(-matching // PAGE_SIZE)), filters=filters, chosen=chosen,
                           units=list(Unit.select(Unit.code, Unit.name).order_by(Unit.code)),
                           last=AuditLog.select(AuditLog.hash).order_by(AuditLog.id.desc()).first())

    @expose("/undo", methods=("POST",))
    def undo(self):
        """Undo one import batch as a whole (refused once a published run may depend on it)."""
        from kaohe.core.exchange.recording import undo_batch
        batch = (request.form.get("batch") or "").strip()[:32]
        try:
            with changes.acting(current_user.username, "panel"):
                count = undo_batch(batch)
            flash(_("已撤销导入批次 %(batch)s（%(count)d条记录）", batch=batch, count=count), "success")
        except KaoheError as refused:
            flash(word(refused), "error")
        return redirect(url_for(".index", batch=batch))


def _day(text):
    return datetime.date.fromisoformat(text) if text else None
