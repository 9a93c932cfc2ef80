"""The rule kinds that score items: points by a table of levels, forms, categories…; instructions; solicitations."""

from marshmallow import fields

from kaohe.core.domain.params import ParamsSchema, choice, flag, points, records, table
from kaohe.core.domain.sentences import Sentence, recast, say
from kaohe.core.domain.vocab import CATEGORIES, FORMS, LEVELS, fmt, is_adopted
from kaohe.core.scoring.contract import Line
from kaohe.core.scoring.rules.conditions import Match, condition, words
from kaohe.core.scoring.rules.item_options import counted_rows, dating, events_of, uncounted_lines
from kaohe.core.scoring.rules.kind import ZERO, RuleKind
from kaohe.core.scoring.rules.sources import (
    adoption_lines,
    bare_name,
    date_words,
    first_instructions,
    leader_words,
    tallied_lines,
)
from kaohe.core.storage.models import Adoption, Item

ACCUMULATE = {"sum": "累加计分", "max": "按最高一次计分"}


class PointsRow(ParamsSchema):
    """One row of a points table: the first row whose columns match gives the points."""
    label = fields.String(load_default="", metadata={"label": "说明（写入计分说明）", "unit": "",
                                                      "source": ""})
    levels = words("刊物级别", LEVELS)
    forms = words("采用形式", FORMS)
    categories = words("稿件类别", CATEGORIES)
    publications = words("刊物名称")
    tags = words("稿件标签（任一）")
    points = points(0, label="分值", source="", minimum=None)
    counted = flag(True, label="计入计分稿件篇数（按篇平均的除数）", source="")


class ItemPointsParams(ParamsSchema):
    counts = choice({"adoption": "每次采用", "first_adoption": "每篇首次采用"}, "adoption",
                    label="计分对象", source="")
    table = records(PointsRow, [], label="分值表（按顺序取第一条相符的行）", source="")
    when = condition()
    accumulate = choice(ACCUMULATE, "sum", label="一篇稿件多次采用", source="")
    dated_by = dating()


def _row_matches(row, publication, form, item):
    """Whether a table row holds for an adoption (publication and form; None for an item alone).

    A forward (上报) matches only a row that names the form ``forwarded``: it is not an adoption.
    """
    if form is not None and not is_adopted(form) and form not in row["forms"]:
        return False
    if row["levels"] and (publication is None or publication.level not in row["levels"]):
        return False
    if row["forms"] and form not in row["forms"]:
        return False
    if row["publications"] and (publication is None or bare_name(publication.name) not in
                                {bare_name(n) for n in row["publications"]}):
        return False
    if row["categories"] and item.category not in row["categories"]:
        return False
    return not (row["tags"] and not set(getattr(item, "tags", ())) & set(row["tags"]))


def _table_value(table_rows, publication, form, item):
    """(points, row label) of the first matching row, or (0, "")."""
    for row in table_rows:
        if _row_matches(row, publication, form, item):
            return row["points"], row["label"]
    return ZERO, ""


class ItemPoints(RuleKind):
    """稿件计分: points per adoption (or first adoption) from a table keyed by the columns its rows name."""
    name = "item_points"
    reads_state = False
    title = "稿件计分（分值表）"
    description = ("按分值表给稿件计分：每次采用，或每篇首次采用；分值表的行可按刊物级别、"
                   "采用形式、稿件类别、刊物名称、标签取值，取第一条相符的行。")
    params_schema = ItemPointsParams

    def lines(self, data, rule, state):
        params = rule.params
        data = events_of(data, params)
        match = Match(params["when"], data)
        rows = params["table"]
        if not all(row["counted"] for row in rows):
            yield from uncounted_lines(data, rule, match, rows, state, _row_matches)
            rows = counted_rows(rows)
        counts = params["counts"]
        if counts == "adoption":
            yield from self._adoptions(data, rule, match, rows)
        else:
            yield from self._first_adoptions(data, rule, match, rows)

    def tallies(self, data, rule):
        """A points table over adoptions (summed), priced per (publication, form, category)
        counted in SQL; conditions beyond the table's own columns are read line by line."""
        params = rule.params
        if params["dated_by"] != "event":
            return None
        if params["counts"] == "first_adoption" and rule.unit == "分":
            return self._first_adoption_tallies(data, rule)
        if params["counts"] != "adoption" or params["accumulate"] != "sum" or rule.unit != "分" \
                or any(params["when"].get(k) not in (None, []) for k in params["when"]
                       if k not in ("levels", "forms", "publications")) \
                or any(row["tags"] for row in params["table"]):
            return None
        match = Match(params["when"], data)
        rows, publications = params["table"], data.publications
        by_category = any(row["categories"] for row in rows)
        query = (Adoption.select(Adoption.item.alias("item_id"),
                                 Adoption.publication.alias("publication"),
                                 Adoption.form.alias("form"), Item.category.alias("category"))
                 .join(Item, on=(Item.id == Adoption.item)))
        keys = ("publication", "form", "category")
        p = data.period
        tallied = data.tally("adoptions_by_category", query.where(
            Adoption.adopted_on.between(p.start, p.end)), keys=keys) if by_category \
            else data.adoption_tally

        def value_of(key):
            publication, form = publications[key[0]], key[1]
            if not match.publication(publication, form):
                return ZERO
            probe = _Probe(key[2] if by_category else None, ())
            return _table_value(rows, publication, form, probe)[0]

        return tallied_lines(rule.name, tallied, value_of)

    def adoption_value(self, data, rule, adoption, item):
        """What this row gives one adoption of `item` (0 when it does not count it)."""
        params = rule.params
        if params["counts"] != "adoption":
            return ZERO
        match = Match(params["when"], data)
        publication = data.publications[adoption.publication]
        if not (match.item(item) and match.day(adoption.adopted_on)
                and match.publication(publication, adoption.form)):
            return ZERO
        return _table_value(params["table"], publication, adoption.form, item)[0]

    def _adoptions(self, data, rule, match, rows):
        items = data.items

        def key_of(adoption):
            item = items[adoption.item]
            return (item.category, tuple(getattr(item, "tags", ())), match.item(item)
                    and match.day(adoption.adopted_on))

        def value_of(publication, form, category, tags, eligible):
            if not eligible or not match.publication(publication, form):
                return ZERO
            item = _Probe(category, tags)
            return _table_value(rows, publication, form, item)[0]

        def tail_of(publication, form, category, tags, eligible):
            label = _table_value(rows, publication, form, _Probe(category, tags))[1]
            return say("，{label}", label=label) if label else ""

        for line in adoption_lines(data, rule.params["accumulate"], value_of, rule=rule.name,
                                   key_of=key_of, tail_of=tail_of):
            yield _in_unit(line, rule)

    def _first_adoptions(self, data, rule, match, rows):
        items, publications = data.items, data.publications
        first_of = {}
        for adoption in data.adoptions:
            if is_adopted(adoption.form) and adoption.item not in first_of:
                first_of[adoption.item] = adoption
        said = {}
        for item_id, day in sorted(data.first_adoption_on.items()):
            adoption = first_of.get(item_id)
            if adoption is None or adoption.adopted_on != day or not data.period.contains(day):
                continue
            item = items[item_id]
            publication = publications[adoption.publication]
            if not (match.item(item) and match.day(day)
                    and match.publication(publication, adoption.form)):
                continue
            value, label = _table_value(rows, publication, adoption.form, item)
            if not value:
                continue
            key = (label, item.category, day, value)
            sentence = said.get(key)
            if sentence is None:  # one sentence for the items of a category first adopted on a day
                what = label or rule.label or say("{category}类稿件",
                                                  category=CATEGORIES.get(item.category, item.category))
                sentence = said[key] = say("{what}{day}首次被采用，加{points}分", what=what,
                                           day=date_words(day), points=fmt(value))
            yield _in_unit(Line(rule.name, sentence, points=value, item=item_id,
                                ref=f"{rule.name}:{item_id}"), rule)

    def _first_adoption_tallies(self, data, rule):
        """Once per item at its first adoption, priced by category (and negative feedback): the
        first adoptions counted in SQL."""
        params, when = rule.params, rule.params["when"]
        if any(when.get(k) not in (None, []) for k in when if k not in ("categories", "negative")) \
                or any(row[k] for row in params["table"]
                       for k in ("levels", "forms", "publications", "tags")):
            return None
        query = data.first_adoption_query().select_extend(Item.category.alias("category"))
        if when.get("negative") is not None:
            query = query.where(Item.negative == when["negative"])
        if when.get("categories"):
            query = query.where(Item.category.in_(when["categories"]))
        name = f"first_adoptions_{when.get('negative')}_{'_'.join(when.get('categories') or ())}"
        tallied = data.tally(name, query, keys=("category",))
        return tallied_lines(rule.name, tallied, lambda key: _table_value(
            params["table"], None, None, _Probe(key[0], ()))[0])


class _Probe:
    """What a points table reads of an item, for values cached by (category, tags)."""
    __slots__ = ("category", "tags")

    def __init__(self, category, tags):
        self.category, self.tags = category, tags


def _in_unit(line, rule):
    """A line in the rule's unit: an amount in 元 moves from points to yuan, its words too (a
    sentence's `unit` word; the lines' sentences are shared, so each is said in 元 once)."""
    if rule.unit == "元":
        line.yuan, line.points = line.points, ZERO
        text = line.explanation
        if isinstance(text, Sentence) and text.params and text.params.get("unit") == "分":
            line.explanation = _in_yuan(text)
        else:
            line.explanation = text.replace(f"计{fmt(line.yuan)}分", f"计{fmt(line.yuan)}元")
    return line


_SAID_IN_YUAN = {}


def _in_yuan(sentence):
    said = _SAID_IN_YUAN.get(sentence)
    if said is None or said.params != {**sentence.params, "unit": "元"}:
        if len(_SAID_IN_YUAN) > 10_000:
            _SAID_IN_YUAN.clear()
        said = _SAID_IN_YUAN[sentence] = recast(sentence, unit="元")
    return said


# ---------------------------------------------------------------- instructions

class InstructionPointsParams(ParamsSchema):
    levels = table(LEVELS, {}, label="批示计分（按批示领导级别）", source="")
    once = choice({"per_level": "每篇每级计一次", "per_item": "每篇计一次（最高级别）",
                   "each": "每次批示均计", "multiple": "按稿件原计分加倍（每篇取最高倍数）"},
                  "per_level", label="同一稿件多次批示", source="")
    multiples = table(LEVELS, {}, label="加倍数（按批示领导级别，multiple 时）", source="", unit="倍")
    adopted_in = words("仅限被这些刊物采用过的稿件（刊物名称，不填为不限）")
    adopted_at = words("仅限被这些级别的刊物采用过的稿件（不填为不限）", LEVELS)
    multiple_of = fields.String(load_default="adoption", metadata={
        "label": "原计分取自的规则（item_points 规则名，multiple 时）", "unit": "", "source": ""})
    further = points(0, label="同一稿件再次批示（每次，per_item 时）", source="")
    when = condition()
    dated_by = dating()


class InstructionPoints(RuleKind):
    """领导批示计分: by the leader's level, once per level or per item, or a multiple of the item's points."""
    name = "instruction_points"
    reads_state = False
    title = "领导批示计分"
    description = ("按批示领导级别计分：每篇每级计一次（取该级最早一次），或每篇一次、再次批示另计"
                   "（首次指本规则条件所选的批示中的第一次，如按批示领导职务分列的规则各自计首次）。")
    params_schema = InstructionPointsParams

    def tallies(self, data, rule):
        """Once per level, with no condition: the first instructions counted in SQL."""
        params = rule.params
        if params["once"] != "per_level" or rule.unit != "分" or params["adopted_in"] \
                or params["dated_by"] != "event" \
                or params["adopted_at"] or any(v not in (None, []) for v in params["when"].values()):
            return None
        return tallied_lines(rule.name, data.first_instruction_tally,
                             lambda key: params["levels"].get(key[0], ZERO))

    @staticmethod
    def _adopted_where(data, params, item_ids):
        """The items among `item_ids` adopted (not forwarded) in the year by the named
        publications or levels; None when the row names neither (every item counts)."""
        names = {bare_name(n) for n in params["adopted_in"]}
        levels = set(params["adopted_at"])
        if not names and not levels:
            return None
        publications = data.publications
        found = set()
        for adoption in data.year_adoptions_of(item_ids):
            publication = publications[adoption.publication]
            if is_adopted(adoption.form) and (
                    (names and bare_name(publication.name) in names)
                    or (levels and publication.level in levels)):
                found.add(adoption.item)
        return found

    def multiple_lines(self, data, rule, state):
        """+m × the item's points under another row, m by the leader's level; one multiple per
        item, the highest so far in the year: a higher one later adds the difference."""
        params = rule.params
        match = Match(params["when"], data)
        source = state.rules.get(params["multiple_of"])
        if source is None or not hasattr(source.kind, "adoption_value"):
            raise ValueError(say("规则「{rule}」的原计分规则「{multiple_of}」不存在或不是按采用计分的规则",
                rule=rule.name, multiple_of=params['multiple_of']))
        multiples, items = params["multiples"], data.items
        instructions = [i for i in data.instructions if i.item in items]
        held = {}
        in_period = []
        for instruction in instructions:  # by date; earlier ones set what an item already holds
            item = items[instruction.item]
            m = multiples.get(instruction.leader_level, ZERO)
            if not (m and match.item(item)
                    and match.leader(instruction.leader_level, instruction.leader)):
                continue
            if not data.period.contains(instruction.instructed_on):
                held[item.id] = max(held.get(item.id, ZERO), m)
                continue
            if m > held.get(item.id, ZERO):
                in_period.append((instruction, m - held.get(item.id, ZERO), m))
                held[item.id] = m
        if not in_period:
            return
        adoptions = data.year_adoptions_of(i.item for i, _, _ in in_period)
        for instruction, added, m in in_period:
            item = items[instruction.item]
            base = sum((source.kind.adoption_value(data, source, a, item) for a in adoptions
                        if a.item == item.id and a.adopted_on <= instruction.instructed_on), ZERO)
            value = base * added
            if not value:
                continue
            more = say("，同一稿件已按{held}倍计，再加{added}倍", held=fmt(m - added),
                       added=fmt(added)) if added != m else ""
            yield _in_unit(Line(
                rule.name, say("{leader}{day}批示，在原计分{base}分基础上加{multiple}倍{more}，"
                               "计{points}{unit}", leader=leader_words(instruction),
                               day=date_words(instruction.instructed_on), base=fmt(base),
                               multiple=fmt(m), more=more, points=fmt(value), unit="分"),
                points=value, item=item.id, ref=f"instruction:{instruction.id}"), rule)

    def lines(self, data, rule, state):
        params = rule.params
        data = events_of(data, params)
        if params["once"] == "multiple":
            yield from self.multiple_lines(data, rule, state)
            return
        match = Match(params["when"], data)
        items = data.items
        by_level = params["levels"]
        if params["once"] == "per_level":
            chosen = sorted(first_instructions(data).values(),
                            key=lambda i: (i.instructed_on, i.id))
            further = {}
            shown = self._adopted_where(data, params, {i.item for i in chosen})
        else:
            # "First" is the first of the instructions this row counts (earlier periods' too):
            # a row for one rank of leader (批示领导含 秘书长) starts its own count.
            shown = self._adopted_where(data, params, {i.item for i in data.instructions})
            chosen, further, seen = [], {}, set()
            for instruction in data.instructions:
                if not _counted(instruction, items, match, shown):
                    continue
                first = instruction.item not in seen
                seen.add(instruction.item)
                if data.period.contains(instruction.instructed_on):
                    chosen.append(instruction)
                    further[instruction.id] = not first and params["once"] == "per_item"
        for instruction in chosen:
            if not _counted(instruction, items, match, shown):
                continue
            value = params["further"] if further.get(instruction.id) else \
                by_level.get(instruction.leader_level, ZERO)
            if not value:
                continue
            leader, day = leader_words(instruction), date_words(instruction.instructed_on)
            said = say("{leader}{day}批示，同一稿件再次批示，计{points}{unit}", leader=leader, day=day,
                       points=fmt(value), unit="分") if further.get(instruction.id) else \
                say("{leader}{day}批示，计{points}{unit}", leader=leader, day=day, points=fmt(value),
                    unit="分")
            yield _in_unit(Line(
                rule.name, said,
                points=value, item=instruction.item, ref=f"instruction:{instruction.id}"), rule)


def _counted(instruction, items, match, shown):
    """Whether an instruction is one a row counts: its item, leader (level, title words), date,
    and the publications the item appeared in (`shown`: None when the row names none)."""
    item = items.get(instruction.item)
    return item is not None and match.item(item) \
        and match.leader(instruction.leader_level, instruction.leader) \
        and match.day(instruction.instructed_on) and (shown is None or item.id in shown)


# ---------------------------------------------------------------- solicitations

class SolicitationParams(ParamsSchema):
    answer = points(0, label="按时报送约稿（每篇）", source="")
    missed = points(0, label="被约稿单位截止未报送（每次扣）", source="")


class SolicitationPoints(RuleKind):
    """约稿计分: answers by the due date, and solicited units that sent nothing."""
    name = "solicitation"
    reads_state = False
    title = "约稿计分"
    description = ("约稿：截止日期前（含当日）报送的约稿稿件每篇加分，按报送日期计；被约稿单位截止日期前"
                   "未报送的每次扣分，按截止日期计。")
    params_schema = SolicitationParams

    def lines(self, data, rule, state):
        bonus = rule.params["answer"]
        solicitations = data.solicitations
        if bonus:
            for item_id in data.solicitation_items:
                item = data.items[item_id]
                solicitation = solicitations.get(item.solicitation)
                if solicitation is None or item.submitted_on > solicitation.due_on:
                    continue
                yield Line(rule.name, say("按时报送约稿「{title}」（截止{day}），加{amount}",
                                          title=solicitation.title,
                                          day=date_words(solicitation.due_on),
                                          amount=rule.words(bonus)),
                           *rule.amount(bonus), item=item_id,
                           ref=f"solicitation:{solicitation.id}:item:{item_id}")
        if rule.params["missed"]:
            yield from self._missed(data, rule, solicitations, data.solicitation_answers)

    def tallies(self, data, rule):
        """The on-time answers counted in SQL, the missed ones read from the solicitations due
        in the period (no item row is read either way)."""
        bonus = rule.params["answer"]
        if bonus and rule.unit != "分":
            return None
        counted = []
        if bonus:
            on_time = data.tally("solicitation_answers_on_time", data.solicitation_answer_query())
            counted.extend(tallied_lines(rule.name, on_time, lambda key: bonus))
        if rule.params["missed"]:
            counted.extend(self._missed(data, rule, data.solicitations_due,
                                        data.solicitation_answers_due))
        return counted

    @staticmethod
    def _missed(data, rule, solicitations, answers):
        """A deduction for each member unit that a solicitation due in the period asked, and
        that had sent no answer by its due date; dated by the due date."""
        deduction = rule.params["missed"]
        for solicitation in solicitations.values():
            if not data.period.contains(solicitation.due_on):
                continue
            answered = {uid for uid, day in answers.get(solicitation.id, ())
                        if day <= solicitation.due_on}
            for uid in solicitation.units:
                if uid in data.units and uid not in answered:
                    yield Line(rule.name, say("约稿「{title}」截止{day}未报送，扣{amount}",
                                              title=solicitation.title,
                                              day=date_words(solicitation.due_on),
                                              amount=rule.words(deduction)),
                               *(rule.amount(-deduction)), unit=uid,
                               ref=f"solicitation:{solicitation.id}:unit:{uid}")
