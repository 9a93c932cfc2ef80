"""What every page of the panel shares: role checks, the CSRF-protected form base and transactions."""

from flask import abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import Translations
from flask_admin.babel import lazy_gettext as flask_admin_lazy_gettext
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import SecureForm
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from kaohe.core.runs.results import deletion_refusal
from kaohe.core.storage.db import db

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
    """A data page: labels translated in lists and forms, saving all or nothing.

    `edit_roles` may create, edit and delete; the other roles of `roles` only read.
    """

    form_base_class = KaoheForm
    model_form_converter = KaoheModelConverter
    edit_roles = frozenset({"admin", "clerk"})
    page_size = 50
    can_view_details = True
    can_export = False
    can_set_page_size = True

    def __init__(self, *args, **kwargs):
        form_args = dict(self.form_args or {})
        for name, label in (self.column_labels or {}).items():
            form_args.setdefault(name, {}).setdefault("label", label)
        self.form_args = form_args
        super().__init__(*args, **kwargs)

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
        return _("搜索：%(fields)s", fields="、".join(labels)) if labels else None

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        """The searchable choosers' rows, for those who may fill in this page's forms only."""
        if not (self.can_create or self.can_edit):
            abort(403)
        return super().ajax_lookup()

    def _may_edit(self):
        return current_user.is_authenticated and current_user.role in self.edit_roles

    @property
    def can_create(self):
        return self._may_edit()

    @property
    def can_edit(self):
        return self._may_edit()

    @property
    def can_delete(self):
        return self._may_edit()

    # ------------------------------------------------------------ all or nothing

    def create_model(self, form):
        with db.atomic() as transaction:
            model = super().create_model(form)
            if model is False:
                transaction.rollback()
        return model

    def update_model(self, form, model):
        with db.atomic() as transaction:
            done = super().update_model(form, model)
            if not done:
                transaction.rollback()
        return done

    def delete_model(self, model):
        refusal = deletion_refusal(model)
        if refusal:
            from flask import flash
            flash(refusal, "error")
            return False
        with db.atomic() as transaction:
            done = super().delete_model(model)
            if not done:
                transaction.rollback()
        return done

    @action("delete", flask_admin_lazy_gettext("Delete"),
            flask_admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Delete the selected rows all together, or none when a stored run names any of them."""
        from flask import flash
        model_pk = getattr(self.model, self._primary_key)
        refusals = [r for r in (deletion_refusal(m) for m in self.model.select().where(model_pk << ids))
                    if r]
        if refusals:
            flash("；".join(refusals[:5]) + ("……" if len(refusals) > 5 else ""), "error")
            return None
        with db.atomic():
            return super().action_delete(ids)

    def handle_view_exception(self, exc):
        from peewee import IntegrityError
        from werkzeug.exceptions import HTTPException
        if isinstance(exc, HTTPException):
            raise exc
        if isinstance(exc, IntegrityError):
            from flask import flash
            flash(_("保存失败：与已有记录重复或仍被其他记录引用（%(error)s）", error=str(exc)), "error")
            return True
        return super().handle_view_exception(exc)
