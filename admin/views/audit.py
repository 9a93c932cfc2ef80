"""The audit log page: every change to schemes, parameters, publications and accounts, admins only."""

import json

from flask import request
from flask_admin import expose

from kaohe.core.storage import audit
from kaohe.core.storage.models import AuditLog

from .base import KaoheView

PAGE_SIZE = 100


def _text(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(entry):
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
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        total = AuditLog.select().count()
        rows = list(AuditLog.select().order_by(AuditLog.id.desc())
                    .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
        entries = [{"entry": row, "action": audit.ACTIONS.get(row.action), "changes": changes(row)}
                   for row in rows]
        return self.render("kaohe/audit.html", entries=entries, broken=audit.verify_chain(),
                           total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           last=AuditLog.select(AuditLog.hash).order_by(AuditLog.id.desc()).first())
