"""What every page of the panel shares: role checks, ownership, the CSRF-protected form base and transactions."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import Translations
from flask_admin.babel import lazy_gettext as flask_admin_lazy_gettext
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import SecureForm
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields import HiddenField

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import listing
from kaohe.core.runs.results import deletion_refusal
from kaohe.core.storage import changes, policy
from kaohe.core.storage.db import db
from kaohe.core.storage.models import DataModel

from ..i18n import word
from .inputs import KaoheModelConverter, SearchThrough


class KaoheForm(SecureForm):
    """Flask-Admin's SecureForm with Flask-WTF's token, so CSRFProtect and the form agree."""

    class Meta(FlaskForm.Meta):
        _translations = Translations()

        def get_translations(self, form):
            return self._translations


class RoleMixin:
    """A page shown to logged-in users whose role is in `roles` (all roles when None)."""

    roles = None

    def is_accessible(self):
        if not current_user.is_authenticated:
            return False
        return self.roles is None or current_user.role in self.roles

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("kaohe_auth.login", next=request.full_path))
        abort(403)


class KaoheView(RoleMixin, BaseView):
    """A custom page of the panel."""


class KaoheModelView(RoleMixin, ModelView):
    """A data page: labels translated in lists and forms, saving all or nothing, every change on record.

    Who may read and write the rows of a data model is core/storage/policy.py's to say; other
    pages (accounts) name their `edit_roles`. `item_column` names the item a row belongs to, which
    scopes a unit reporter's lists, forms, bulk actions and lookups to its unit's rows. An edit
    form carries the row's version, and a save on a stale copy is refused (core/storage/changes.py).
    """

    form_base_class = KaoheForm
    model_form_converter = KaoheModelConverter
    edit_roles = policy.STAFF
    item_column = None
    page_size = 50
    can_view_details = True
    can_export = False
    can_set_page_size = True

    def __init__(self, *args, **kwargs):
        form_args = dict(self.form_args or {})
        for name, label in (self.column_labels or {}).items():
            form_args.setdefault(name, {}).setdefault("label", label)
        self.form_args = form_args
        model = args[0] if args else kwargs.get("model")
        if self.form_columns and issubclass(model, DataModel) and "version" not in self.form_columns:
            self.form_columns = tuple(self.form_columns) + ("version",)
            self.form_overrides = {**(self.form_overrides or {}), "version": HiddenField}
        super().__init__(*args, **kwargs)

    def _is_data(self):
        return issubclass(self.model, DataModel)

    # ------------------------------------------------------------ search

    def init_search(self):
        """Flask-Admin's text-column search, plus the terms matched through linked rows."""
        entries = list(self.column_searchable_list or ())
        self.column_searchable_list = [e for e in entries if not isinstance(e, SearchThrough)]
        try:
            super().init_search()
        finally:
            self.column_searchable_list = entries
        self._search_fields.extend(e for e in entries if isinstance(e, SearchThrough))
        return bool(self._search_fields)

    def search_placeholder(self):
        """“搜索：稿件编号、标题、作者……” from the labels of what the search box matches."""
        labels = []
        for entry in self.column_searchable_list or ():
            if isinstance(entry, SearchThrough):
                labels.append(str(entry.label))
            else:
                name = entry if isinstance(entry, str) else entry.name
                labels.append(str((self.column_labels or {}).get(name, name)))
        return _("搜索：%(fields)s", fields=_("、").join(labels)) if labels else None

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        """The searchable choosers' rows, for those who may fill in this page's forms only."""
        if not (self.can_create or self.can_edit):
            abort(403)
        return super().ajax_lookup()

    def _may_edit(self):
        if not current_user.is_authenticated:
            return False
        if self._is_data():
            return policy.may_write(current_user, self.model)
        return current_user.role in self.edit_roles

    @property
    def can_create(self):
        return self._may_edit()

    @property
    def can_edit(self):
        return self._may_edit()

    @property
    def can_delete(self):
        return self._may_edit()

    # ------------------------------------------------------------ whose rows

    def scope(self, query):
        """The rows the logged-in account may see (policy.scope); all of them for other pages."""
        if not self._is_data() or not current_user.is_authenticated:
            return query
        if policy.is_staff(current_user):
            return query
        if self.item_column is None or not policy.may_read(current_user, self.model):
            return query.where(self.model.id.is_null())  # nothing
        return policy.scope(query, current_user, self.item_column())

    def get_query(self):
        return self.scope(super().get_query())

    def get_one(self, id):
        try:
            key = int(id)
        except (TypeError, ValueError):
            return None
        found = self.scope(self.model.select().where(self.model._meta.primary_key == key)).first()
        if found is None and self.model.get_or_none(self.model._meta.primary_key == key) is not None:
            abort(403)
        return found

    # ------------------------------------------------------------ all or nothing, on record

    def _acting(self):
        return changes.acting(current_user.username, "panel")

    def create_model(self, form):
        with self._acting(), db.atomic() as transaction:
            model = super().create_model(form)
            if model is False:
                transaction.rollback()
        return model

    def update_model(self, form, model):
        with self._acting(), db.atomic() as transaction:
            done = super().update_model(form, model)
            if not done:
                transaction.rollback()
        return done

    def check_delete(self, model):
        """Why the logged-in account may not delete `model` (a sentence), or None."""
        return deletion_refusal(model) or changes.deletion_refusal(model)

    def delete_model(self, model):
        """Delete one row without cascades, or refuse with what depends on it."""
        refusal = self._refusal(model)
        if refusal:
            flash(word(refusal), "error")
            return False
        try:
            with self._acting(), db.atomic():
                self.on_model_delete(model)
                self._delete(model)
        except Exception as error:
            if not self.handle_view_exception(error):
                raise
            return False
        self.after_model_delete(model)
        return True

    def _delete(self, row):
        if self._is_data():
            changes.delete(row)
        else:
            row.delete_instance()

    def _refusal(self, model):
        try:
            return self.check_delete(model)
        except KaoheError as error:
            return error.sentence

    @action("delete", flask_admin_lazy_gettext("Delete"),
            flask_admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Delete the selected rows the account may see, all together, or none when any is refused."""
        model_pk = getattr(self.model, self._primary_key)
        try:
            keys = [int(i) for i in ids]
        except (TypeError, ValueError):
            abort(400)
        rows = list(self.scope(self.model.select().where(model_pk << keys)))
        if len(rows) != len(set(keys)):
            abort(403)  # a row of another unit, or one that does not exist
        refusals = [r for r in (self._refusal(m) for m in rows) if r]
        if refusals:
            flash(word(listing(refusals[:5], "；")) + ("……" if len(refusals) > 5 else ""), "error")
            return None
        with self._acting(), db.atomic():
            for row in rows:
                self.on_model_delete(row)
                self._delete(row)
        flash(_("已删除%(count)d条记录", count=len(rows)), "success")
        return None

    def handle_view_exception(self, exc):
        from peewee import IntegrityError
        from werkzeug.exceptions import HTTPException
        if isinstance(exc, HTTPException):
            raise exc
        if isinstance(exc, (changes.StaleEdit, changes.DeleteRefused, policy.Refused)):
            flash(word(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(_("保存失败：与已有记录重复或仍被其他记录引用（%(error)s）", error=str(exc)), "error")
            return True
        return super().handle_view_exception(exc)
