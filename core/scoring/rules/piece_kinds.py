"""The rule kind that scores combined pieces (综合采用): the 综合 rows of one publication and issue
are one piece, worth a fixed amount to each unit it draws on, or to each item it uses."""

from kaohe.core.domain.params import ParamsSchema, choice, integer, points
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import FORMS, LEVELS
from kaohe.core.scoring.contract import Line
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.kind import RuleKind
from kaohe.core.scoring.rules.sources import bare_name

PER = {"unit": "每篇综合稿件每家单位计一次（不论采用其几篇稿件）", "item": "每篇被综合采用的稿件各计"}


class CombinedPieceParams(ParamsSchema):
    points = points(0, label="计分（每家单位或每篇稿件）", source="")
    per = choice(PER, "unit", label="计分对象", source="")
    min_units = integer(1, minimum=1, unit="家", label="综合稿件至少采用几家单位的稿件才计分",
                        source="")
    forms = words("视为综合稿件的采用形式（不填为综合）", FORMS)
    when = condition()


def issue_words(issue):
    """第10期 for "10"; an issue already written with 期 (2025年第25期) as it is."""
    issue = (issue or "").strip()
    if not issue:
        return ""
    return issue if "期" in issue else say("第{issue}期", issue=issue)


class CombinedPiece(RuleKind):
    """综合采用计分: one combined piece (the rows of one publication and issue) gives each unit it
    draws on a fixed amount once, however many of its items it uses (or each item its amount)."""
    name = "combined_piece"
    reads_state = False
    title = "综合采用计分（按综合稿件）"
    description = ("同一刊物同一期号的综合采用为一篇综合稿件：综合了至少若干家单位稿件的，每家单位计一次"
                   "（不论采用其几篇稿件），或每篇被采用的稿件各计；按采用日期计入期间，未填期号的采用"
                   "各为一篇；按单位计的分值只计给单位，不计给作者。")
    params_schema = CombinedPieceParams

    def lines(self, data, rule, state):
        params = rule.params
        value = params["points"]
        if not value:
            return
        match = Match(params["when"], data)
        forms = set(params["forms"] or ["combined"])
        items, publications = data.items, data.publications
        pieces = {}  # (publication, issue) -> [(adoption, item)], in the order of the period
        for adoption in data.adoptions:
            item = items.get(adoption.item)
            if adoption.form not in forms or item is None:
                continue
            publication = publications[adoption.publication]
            if not (match.item(item) and match.day(adoption.adopted_on)
                    and match.publication(publication, adoption.form)):
                continue
            key = (adoption.publication, adoption.issue.strip() or f"#{adoption.id}")
            pieces.setdefault(key, []).append((adoption, item))
        for (pub_id, issue), rows in pieces.items():
            drawn = list(dict.fromkeys(uid for _, item in rows for uid in item.units))
            if len(drawn) < params["min_units"]:
                continue
            first = rows[0][0]
            publication = publications[pub_id]
            said = say("《{publication}》（{level}）{issue}{form}{items}篇稿件（{units}家单位）",
                       publication=bare_name(publication.name), level=LEVELS[publication.level],
                       issue=issue_words(first.issue), form=FORMS[first.form], items=len(rows),
                       units=len(drawn))
            if params["per"] == "item":
                for adoption, item in rows:
                    yield Line(rule.name, say("{piece}，本篇计{amount}", piece=said,
                                              amount=rule.words(value)), *rule.amount(value),
                               item=item.id, ref=f"adoption:{adoption.id}")
                continue
            for uid in drawn:
                if uid not in data.units:
                    continue
                own = [item for _, item in rows if uid in item.units]
                yield Line(rule.name, say("{piece}，采用本单位{n}篇（{items}），每家单位计{amount}",
                                          piece=said, n=len(own), items="、".join(i.no for i in own),
                                          amount=rule.words(value)),
                           *rule.amount(value), unit=uid, item=own[0].id,
                           ref=f"combined:{pub_id}:{issue}:{uid}")

