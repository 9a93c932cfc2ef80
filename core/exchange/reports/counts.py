"""Reports counted from today's data, and a reporter's own page: adoptions by publication, the
share of adoptions that answered a solicitation, a reporter's items, states, points and rank."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from peewee import fn

from kaohe.core.domain.errors import NotFound
from kaohe.core.domain.sentences import a_word, listing, say
from kaohe.core.domain.vocab import FORMS, FORMS_SHORT, LEVELS, is_adopted
from kaohe.core.exchange.reports.common import issuer_of
from kaohe.core.exchange.reports.tabular import period_of, report, run_for, section
from kaohe.core.storage.db import chunked, fetch_rows
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    ReporterResult,
    SchemeUnit,
    ScoreLine,
    Unit,
    adopted,
)

LEVEL_ORDER = list(LEVELS)
FORM_ORDER = list(FORMS)


def share(part, whole):
    """part of whole as a percentage with one place, half up: 1 of 3 → 「33.3%」; of none → 「—」."""
    if not whole:
        return "—"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _member_items(scheme):
    return (ItemUnit.select(ItemUnit.item).join(SchemeUnit, on=(SchemeUnit.unit == ItemUnit.unit))
            .where(SchemeUnit.scheme == scheme))


# ---------------------------------------------------------------- 按刊物统计

def publication_counts(scheme, period=None):
    """Adoptions in the period of the scheme's units' items, by publication and form; an item
    adopted by two publications counts once in each."""
    period = period_of(scheme, period, None, "刊物采用统计")
    counts = defaultdict(lambda: defaultdict(int))
    items = defaultdict(set)
    for pub, form, item in fetch_rows(
            Adoption.select(Adoption.publication, Adoption.form, Adoption.item)
            .where(Adoption.adopted_on.between(period.start, period.end)
                   & Adoption.item.in_(_member_items(scheme)))):
        counts[pub][form] += 1
        if is_adopted(form):
            items[pub].add(item)
    publications = {p.id: p for p in Publication.select().where(Publication.id.in_(list(counts)))} \
        if counts else {}
    rows = []
    for pub in sorted(publications.values(), key=lambda p: (LEVEL_ORDER.index(p.level)
                                                            if p.level in LEVEL_ORDER else 99, p.code)):
        by_form = counts[pub.id]
        adopted_count = sum(n for form, n in by_form.items() if is_adopted(form))
        rows.append([a_word(LEVELS.get(pub.level, pub.level)), pub.code, pub.name]
                    + [by_form.get(form, 0) for form in FORM_ORDER]
                    + [adopted_count, len(items[pub.id])])
    total = [a_word("合计"), "", ""] + [sum(r[3 + i] for r in rows) for i in range(len(FORM_ORDER))] \
        + [sum(r[-2] for r in rows), len(set().union(*items.values())) if items else 0]
    return report(
        "publications", say("{issuer}政务信息按刊物采用统计（{period}）", issuer=issuer_of(scheme), period=period.title),
        scheme, period, None,
        [section(say("各刊物采用篇次"), ["级别", "刊物代码", a_word("刊物", "刊物名称")]
                 + [a_word(FORMS_SHORT[f], FORMS[f]) for f in FORM_ORDER]
                 + ["采用合计（篇次）", "采用稿件（篇）"], rows + ([total] if rows else []),
                 [10, 10, 26, 7, 7, 7, 7, 10, 10])],
        notes=[say("按采用日期统计本方案各单位的稿件；“上报”只列出，不计入采用合计；一篇稿件被多个刊物采用的，"
                   "在各刊物分别计数，合计行的“采用稿件”每篇只计一次。按现在的数据统计。")])


# ---------------------------------------------------------------- 约稿采用占比

def solicitation_share(scheme, period=None):
    """Per unit: items adopted in the period, how many of them answered a solicitation, the share."""
    period = period_of(scheme, period, None, "约稿采用占比")
    adopted_in_period = (Adoption.select(Adoption.item)
                         .where(Adoption.adopted_on.between(period.start, period.end)
                                & adopted(Adoption)))
    per_unit = defaultdict(lambda: [0, 0])
    all_items, solicited_items = set(), set()
    for unit, item, solicitation in fetch_rows(
            ItemUnit.select(ItemUnit.unit, ItemUnit.item, Item.solicitation)
            .join(Item, on=(ItemUnit.item == Item.id))
            .join(SchemeUnit, on=(SchemeUnit.unit == ItemUnit.unit))
            .where((SchemeUnit.scheme == scheme) & Item.id.in_(adopted_in_period))):
        per_unit[unit][0] += 1
        all_items.add(item)
        if solicitation is not None:
            per_unit[unit][1] += 1
            solicited_items.add(item)
    names = dict(fetch_rows(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(list(per_unit))))) \
        if per_unit else {}
    rows = [[names[uid], total, solicited, share(solicited, total)]
            for uid, (total, solicited) in sorted(per_unit.items(), key=lambda kv: names[kv[0]])]
    if rows:
        rows.append([a_word("合计（每篇稿件计一次）"), len(all_items), len(solicited_items),
                     share(len(solicited_items), len(all_items))])
    return report(
        "solicitations", say("{issuer}约稿采用占比（{period}）", issuer=issuer_of(scheme), period=period.title),
        scheme, period, None,
        [section(say("各单位采用稿件中约稿稿件的占比"), ["单位", "被采用稿件（篇）", "其中应约稿件（篇）", "占比"], rows,
                 [26, 14, 14, 10])],
        notes=[say("被采用稿件：本期有采用（“上报”除外）的稿件；应约稿件：填了约稿编号的稿件。合报稿件计入每个报送单位。"
                   "按现在的数据统计。")])


# ---------------------------------------------------------------- 信息员个人页

def _item_states(item_ids, period):
    """{item: (state words, adopted?)} of the items: adoptions up to the period's end, instructions."""
    adoptions, instructions = defaultdict(list), defaultdict(list)
    for part in chunked(item_ids):
        for item, form, adopted_on, name in fetch_rows(
                Adoption.select(Adoption.item, Adoption.form, Adoption.adopted_on, Publication.name)
                .join(Publication).where(Adoption.item.in_(part) & (Adoption.adopted_on <= period.end))
                .order_by(Adoption.adopted_on, Adoption.id)):
            adoptions[item].append((form, adopted_on, name))
        for item, level in fetch_rows(Instruction.select(Instruction.item, Instruction.leader_level)
                                      .where(Instruction.item.in_(part)
                                             & (Instruction.instructed_on <= period.end))):
            instructions[item].append(level)
    states = {}
    for item in item_ids:
        words = [say("《{publication}》{form}", publication=name.strip("《》"),
                     form=a_word(FORMS_SHORT.get(form, form), FORMS.get(form)))
                 for form, _day, name in adoptions[item]]
        if instructions[item]:
            words.append(say("获{levels}领导批示", levels=listing(
                a_word(level) for level in sorted({LEVELS.get(l, l) for l in instructions[item]}))))
        is_any = any(is_adopted(form) for form, _d, _n in adoptions[item])
        states[item] = (listing(words, "；") if words else a_word("未采用"), is_any)
    return states


def reporter_page(scheme, code, period=None):
    """A reporter's own page: the period run's points and rank, and their items with each one's
    state (adopted where, instructed) and the item's points in the run (before the split among
    authors)."""
    period = period_of(scheme, period, None, "信息员个人页")
    reporter = Reporter.get_or_none(Reporter.code == code)
    if reporter is None:
        raise NotFound(say("找不到信息员编号「{code}」", code=code))
    run = run_for(scheme, period)
    result = ReporterResult.get_or_none((ReporterResult.run == run)
                                        & (ReporterResult.reporter == reporter))
    count = ReporterResult.select().where(ReporterResult.run == run).count()
    items = list(Item.select(Item, fn.COUNT(ItemAuthor.id).alias("authors"))
                 .join(ItemAuthor, on=(ItemAuthor.item == Item.id))
                 .where(Item.id.in_(ItemAuthor.select(ItemAuthor.item)
                                    .where(ItemAuthor.reporter == reporter))
                        & Item.submitted_on.between(period.start, period.end))
                 .group_by(Item.id).order_by(Item.submitted_on, Item.no))
    ids = [i.id for i in items]
    points = {}
    for part in chunked(ids):
        points.update({item: Decimal(int(total or 0)).scaleb(-2) for item, total in fetch_rows(
            ScoreLine.select(ScoreLine.item, fn.SUM(ScoreLine.points))
            .where((ScoreLine.run == run) & ScoreLine.item.in_(part) & ScoreLine.unit.is_null(False))
            .group_by(ScoreLine.item))})
    states = _item_states(ids, period)
    rows = [[i.no, i.title, i.submitted_on.isoformat(), states[i.id][0],
             points.get(i.id, Decimal("0.00")), i.authors] for i in items]
    adopted_count = sum(1 for i in items if states[i.id][1])
    summary = [[reporter.name, reporter.unit.name, len(items), adopted_count,
                share(adopted_count, len(items)),
                result.points if result else Decimal("0.00"),
                f"{result.rank}/{count}" if result else "—"]]
    return {**report(
        "reporter", say("信息员{name}（{code}）{period}政务信息报送情况", name=reporter.name, code=reporter.code,
                        period=period.title), scheme, period,
        run, [section(say("本人得分与名次"), ["姓名", "所在单位", "报送（篇）", "已采用（篇）", "采用率", "个人得分",
                                        "名次/人数"], summary, [12, 20, 10, 10, 9, 10, 10], amounts=(6,)),
              section(say("本人稿件（{n}篇）", n=len(items)), ["稿件编号", "标题", "报送日期", "状态", "稿件得分",
                                                          "作者数"], rows, [12, 40, 11, 36, 9, 7],
                      amounts=(5,))],
        notes=[say("个人得分为本人所写稿件的得分按作者平分之和，取自本期计算结果；“稿件得分”为稿件在本期计算中的得分"
                   "（各报送单位合计，未按作者平分）；状态列出截至本期末的采用和批示。")]),
        "reporter": {"code": reporter.code, "name": reporter.name, "unit": reporter.unit.code}}
