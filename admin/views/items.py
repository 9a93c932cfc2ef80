"""The item pages: items (with adoptions and instructions), their review, and the adoption and instruction lists."""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import filters as pf
from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext as _
from flask_babel import lazy_gettext as L
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.fields import HiddenField
from wtforms.validators import ValidationError

from kaohe.core.domain.vocab import CATEGORIES, FORMS, ITEM_STATES, LEVELS
from kaohe.core.storage import changes, policy, review
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Unit,
)

from ..i18n import word
from . import choosers
from .base import KaoheModelView
from .common import publication_label
from .filters import (
    ByPublicationLevel,
    ItemAdoptedAs,
    ItemAdoptedAt,
    ItemOfUnit,
    unit_options,
    vocabulary_options,
    vocabulary_word,
    yes_no,
)
from .inputs import SearchThrough, chooser_field

READERS = frozenset({"admin", "clerk", "reporter"})
# The item form's inline lists of the office's records, which a reporter's form leaves out.
OFFICE_INLINES = ("adoptions", "instructions")


# The rows on an item's page carry their versions, as every edit form does: a row changed
# elsewhere (its own page, the API, an import) after the page was opened is not overwritten.
class AdoptionInline(InlineFormAdmin):
    form_columns = ("publication", "issue", "adopted_on", "form")
    form_extra_fields = {"id": HiddenField(), "version": HiddenField()}
    form_label = L("采用")
    column_labels = {"publication": L("刊物"), "issue": L("期号"), "adopted_on": L("采用日期"),
                     "form": L("采用形式")}
    form_args = {"publication": {"label": L("刊物")}, "issue": {"label": L("期号")},
                 "adopted_on": {"label": L("采用日期")}, "form": {"label": L("采用形式")}}


class InstructionInline(InlineFormAdmin):
    form_columns = ("leader_level", "leader", "instructed_on")
    form_extra_fields = {"id": HiddenField(), "version": HiddenField()}
    form_label = L("领导批示")
    form_args = {"leader_level": {"label": L("批示领导级别")}, "leader": {"label": L("批示领导")},
                 "instructed_on": {"label": L("批示日期")}}


def _item_units(view, context, model, name):
    names = [link.unit.name for link in model.unit_links.order_by(ItemUnit.position)]
    return _("、").join(names)


def _item_adoptions(view, context, model, name):
    parts = []
    for adoption in model.adoptions:
        parts.append(f"{publication_label(adoption.publication)} {_(FORMS[adoption.form])} "
                     f"{adoption.adopted_on}")
    return Markup("<br>").join(escape(p) for p in parts)


def _item_instructions(view, context, model, name):
    return Markup("<br>").join(
        escape(f"{_(LEVELS.get(i.leader_level, i.leader_level))} {i.leader} {i.instructed_on}")
        for i in model.instructions)


STATE_CSS = {"pending": "warning", "accepted": "success", "returned": "danger"}


def _item_state(view, context, model, name):
    """The review state; a returned item's comment beside it; for the office, a link to review."""
    label = _(ITEM_STATES.get(model.state, model.state))
    shown = Markup('<span class="badge badge-{}" data-state="{}">{}</span>').format(
        STATE_CSS.get(model.state, "secondary"), model.state, label)
    if model.review_comment:
        shown += Markup('<div class="small review-comment">{}：{}</div>').format(
            _("审核意见"), model.review_comment)
    if policy.may_review(current_user) and model.state != "accepted":
        shown += Markup(' <a class="small" href="{}">{}</a>').format(
            url_for("items.review_view", id=model.id), _("审核"))
    return shown


class ItemView(KaoheModelView):
    """Items with their adoptions and instructions on the same page; reporters see their unit's only."""
    roles = READERS
    column_list = ("no", "title", "submitted_on", "units", "category", "negative", "state",
                   "adoptions", "instructions")
    column_details_list = column_list + ("solicitation", "authors", "review_comment",
                                         "reviewed_by", "reviewed_at", "created_at", "version")
    column_labels = {"no": L("稿件编号"), "title": L("标题"), "submitted_on": L("报送日期"),
                     "units": L("报送单位"), "category": L("类别"), "negative": L("负反馈"),
                     "adoptions": L("采用"), "instructions": L("领导批示"), "solicitation": L("约稿"),
                     "authors": L("作者"), "created_at": L("录入时间"), "state": L("审核状态"),
                     "review_comment": L("审核意见"), "reviewed_by": L("审核人"),
                     "reviewed_at": L("审核时间"), "version": L("版本")}
    column_searchable_list = (
        "no", "title",
        SearchThrough(Item.id, L("作者"), lambda: ItemAuthor.select(ItemAuthor.item),
                      Reporter.name, Reporter.code, through=ItemAuthor.reporter),
        SearchThrough(Item.id, L("报送单位代码或名称"), lambda: ItemUnit.select(ItemUnit.item),
                      Unit.code, Unit.name, through=ItemUnit.unit))
    column_sortable_list = ("no", "title", "submitted_on", "category", "state")
    column_default_sort = ("submitted_on", True)
    column_formatters = {"units": _item_units, "category": vocabulary_word(CATEGORIES), "negative": yes_no,
                         "adoptions": _item_adoptions, "instructions": _item_instructions,
                         "state": _item_state,
                         "authors": lambda v, c, m, n: _("、").join(
                             link.reporter.name for link in m.author_links)}
    column_filters = (
        ItemOfUnit(Item.id, L("报送单位"), options=unit_options),
        pf.DateBetweenFilter(Item.submitted_on, L("报送日期")),
        pf.FilterEqual(Item.category, L("类别"), options=vocabulary_options(CATEGORIES)),
        pf.FilterEqual(Item.state, L("审核状态"), options=vocabulary_options(ITEM_STATES)),
        pf.BooleanEqualFilter(Item.negative, L("负反馈")),
        ItemAdoptedAt(Item.id, L("采用级别"), options=vocabulary_options(LEVELS)),
        ItemAdoptedAs(Item.id, L("采用形式"), options=vocabulary_options(FORMS)),
    )
    form_columns = ("no", "title", "submitted_on", "category", "negative", "solicitation")
    # Searchable choosers (admin/views/choosers.py): a unit reporter finds its own unit and reporters.
    form_ajax_refs = {"units": choosers.units("units"), "authors": choosers.reporters("authors"),
                      "publication": choosers.publications("publication")}
    form_extra_fields = {
        "units": chooser_field(form_ajax_refs["units"], L("报送单位"), multiple=True,
                               description=L("合报稿件可选多家单位；输入单位代码或名称搜索")),
        "authors": chooser_field(form_ajax_refs["authors"], L("作者"), multiple=True),
    }
    inline_models = (AdoptionInline(Adoption), InstructionInline(Instruction))

    def item_column(self):
        return Item.id

    def _limit(self, form):
        """A reporter's form: none of the office's records (its choosers offer its own unit)."""
        if current_user.is_reporter:
            for name in OFFICE_INLINES:
                if name in form:
                    del form[name]
        return form

    def create_form(self, obj=None):
        form = self._limit(super().create_form(obj))
        if current_user.is_reporter and request.method != "POST" and not form.units.data:
            form.units.data = [current_user.unit]
        return form

    def edit_form(self, obj=None):
        form = self._limit(super().edit_form(obj))
        if obj is not None and request.method != "POST":
            # A unit reporter's form holds its own unit and authors; the other units' links of a
            # joint item are kept by the policy whatever the form says (policy.item_links).
            mine = policy.is_staff(current_user)
            form.units.data = [link.unit for link in obj.unit_links.order_by(ItemUnit.position)
                               if mine or link.unit_id == current_user.unit_id]
            form.authors.data = [link.reporter for link in obj.author_links.order_by(ItemAuthor.position)
                                 if mine or link.reporter.unit_id == current_user.unit_id]
        return form

    def on_model_change(self, form, model, is_created):
        stored = None if is_created else Item.get_or_none(Item.id == model.id)
        policy.check_item_change(current_user, stored)
        units, authors = policy.item_links(current_user, stored, form.units.data or [],
                                           form.authors.data or [])
        if not units:
            raise ValidationError(_("请至少选择一个报送单位"))
        state = policy.state_after_save(current_user, is_created)
        if state is not None:
            model.state = state
        g.kaohe_item_links = (units, authors)

    def after_model_change(self, form, model, is_created):
        units, authors = g.pop("kaohe_item_links")
        changes.set_item_links(model, units, authors)

    def check_delete(self, model):
        policy.check_item_delete(current_user, model)
        return super().check_delete(model)

    # ------------------------------------------------------------ the review step

    def is_action_allowed(self, name):
        if name == "accept":
            return policy.may_review(current_user)
        return super().is_action_allowed(name)

    @action("accept", L("审核通过"), L("确定将所选稿件审核通过、采纳入库吗？"))
    def action_accept(self, ids):
        if not policy.may_review(current_user):
            abort(403)
        try:
            keys = [int(i) for i in ids]
        except (TypeError, ValueError):
            abort(400)
        items = list(Item.select().where(Item.id.in_(keys) & (Item.state != "accepted")))
        with changes.acting(current_user.username, "panel"):
            for item in items:
                review.accept(item, current_user)
        flash(_("已审核通过%(count)d篇稿件", count=len(items)), "success")

    @expose("/review/<int:id>", methods=("GET", "POST"))
    def review_view(self, id):
        """Accept an item, or return it to its reporter with a comment."""
        if not policy.may_review(current_user):
            abort(403)
        item = Item.get_or_none(Item.id == id)
        if item is None:
            abort(404)
        if request.method == "POST":
            decision = request.form.get("decision")
            comment = request.form.get("comment", "")
            try:
                with changes.acting(current_user.username, "panel"):
                    if decision == "accept":
                        review.accept(item, current_user, comment)
                        flash(_("稿件「%(no)s」已审核通过", no=item.no), "success")
                    elif decision == "return":
                        review.send_back(item, current_user, comment)
                        flash(_("稿件「%(no)s」已退回修改", no=item.no), "success")
                    else:
                        abort(400)
                return redirect(url_for(".index_view"))
            except policy.Refused as refused:
                flash(word(refused), "error")
        return self.render("kaohe/item_review.html", item=item,
                           units=_item_units(None, None, item, "units"),
                           state=_(ITEM_STATES.get(item.state, item.state)),
                           max_comment=review.MAX_COMMENT)


class AdoptionView(KaoheModelView):
    """All adoptions, for searching by date, level, form and unit (edited on the item's page too)."""
    roles = READERS
    column_list = ("item", "publication", "issue", "adopted_on", "form")
    column_labels = {"item": L("稿件"), "publication": L("刊物"), "issue": L("期号"),
                     "adopted_on": L("采用日期"), "form": L("采用形式")}
    column_formatters = {"form": vocabulary_word(FORMS),
                         "publication": lambda v, c, m, n: publication_label(m.publication)}
    column_sortable_list = ("adopted_on", "form", "issue")
    column_searchable_list = (
        "issue",
        SearchThrough(Adoption.item, L("稿件编号或标题"), lambda: Item.select(Item.id), Item.no, Item.title),
        SearchThrough(Adoption.publication, L("刊物"), lambda: Publication.select(Publication.id),
                      Publication.code, Publication.name))
    column_default_sort = ("adopted_on", True)
    column_filters = (
        ItemOfUnit(Adoption.item, L("报送单位"), options=unit_options),
        pf.DateBetweenFilter(Adoption.adopted_on, L("采用日期")),
        ByPublicationLevel(Adoption.publication, L("刊物级别"), options=vocabulary_options(LEVELS)),
        pf.FilterEqual(Adoption.form, L("采用形式"), options=vocabulary_options(FORMS)),
    )
    form_columns = ("item", "publication", "issue", "adopted_on", "form")
    form_ajax_refs = {"item": choosers.items("item"), "publication": choosers.publications("publication")}

    def item_column(self):
        return Adoption.item


class InstructionView(KaoheModelView):
    roles = READERS
    column_list = ("item", "leader_level", "leader", "instructed_on")
    column_labels = {"item": L("稿件"), "leader_level": L("批示领导级别"), "leader": L("批示领导"),
                     "instructed_on": L("批示日期")}
    column_formatters = {"leader_level": vocabulary_word(LEVELS)}
    column_default_sort = ("instructed_on", True)
    column_searchable_list = (
        "leader",
        SearchThrough(Instruction.item, L("稿件编号或标题"), lambda: Item.select(Item.id), Item.no,
                      Item.title))
    column_filters = (
        ItemOfUnit(Instruction.item, L("报送单位"), options=unit_options),
        pf.DateBetweenFilter(Instruction.instructed_on, L("批示日期")),
        pf.FilterEqual(Instruction.leader_level, L("批示领导级别"), options=vocabulary_options(LEVELS)),
    )
    form_columns = ("item", "leader_level", "leader", "instructed_on")
    form_ajax_refs = {"item": choosers.items("item")}

    def item_column(self):
        return Instruction.item
