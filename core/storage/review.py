"""The review step of submitted items (报送 → 审核): the office accepts an item or returns it."""

from kaohe.core.domain.periods import now
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import COUNTED_ITEM_STATE, ITEM_STATES
from kaohe.core.storage import policy
from kaohe.core.storage.db import db
from kaohe.core.storage.models import Adoption, Instruction

# A return's comment: required, and bounded.
MAX_COMMENT = 1000


def accept(item, account, comment=""):
    """Accept a submitted (or returned) item: from now on it is counted and can be scored."""
    _check(item, account, comment)
    if item.state == COUNTED_ITEM_STATE:
        raise policy.Refused(say("稿件「{item}」已审核入库，无需再次审核", item=item.no))
    return _decide(item, account, COUNTED_ITEM_STATE, comment)


def send_back(item, account, comment):
    """Return an item to its reporter with a comment saying what to amend (退回修改)."""
    _check(item, account, comment)
    if not (comment or "").strip():
        raise policy.Refused(say("退回稿件「{item}」须写明退回意见，告诉信息员要修改什么", item=item.no))
    if item.state == "returned":
        raise policy.Refused(say("稿件「{item}」已退回修改，等待信息员重新报送", item=item.no))
    recorded = (Adoption.select().where(Adoption.item == item).count()
                + Instruction.select().where(Instruction.item == item).count())
    if recorded:
        raise policy.Refused(say("稿件「{item}」已登记{recorded}条采用或批示，不能退回；"
            "如确需退回，请先删除这些记录",
            item=item.no, recorded=recorded))
    return _decide(item, account, "returned", comment)


def _check(item, account, comment):
    if not policy.may_review(account):
        raise policy.Refused(say("只有录入员和管理员可以审核稿件"))
    if len(comment or "") > MAX_COMMENT:
        raise policy.Refused(say("审核意见最多{limit}字（本次{count}字）",
            limit=MAX_COMMENT, count=len(comment)))


def _decide(item, account, state, comment):
    with db.atomic():
        item.state = state
        item.review_comment = (comment or "").strip()
        item.reviewed_by = account.username
        item.reviewed_at = now()
        item.save()
    return item


def state_label(item):
    return ITEM_STATES.get(item.state, item.state)
