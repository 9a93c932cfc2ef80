"""The events rules score, each walked once: adoptions (summed or best so far), first instructions, and the date words."""

import functools

from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import FORMS, LEVELS, ZERO, fmt
from kaohe.core.scoring.contract import Line, Tally


def bare_name(name):
    """A publication's name without its 《》 marks."""
    return name.strip().strip("《》").strip()


@functools.lru_cache(maxsize=4096)  # a day's words are said for many lines
def date_words(day):
    """2025年3月8日 (a Sentence, said 2025-03-08 in English)"""
    return say("{year}年{month}月{day}日", year=day.year, month=day.month, day=day.day)


def time_words(moment):
    """2025年3月8日14:30"""
    return say("{day}{time}", day=date_words(moment), time=f"{moment:%H:%M}")


def adoption_words(publication, form):
    """《专报信息》（省级）全文采用 — how an adoption is named in an explanation (a Sentence whose
    level and form are words of the vocabulary: FORMS is FORMS_SHORT with 采用 for adopted forms)."""
    name = publication.name.strip()  # a name with its own marks (《值班信息》（综合）) is shown as it is
    shown = name if name.startswith("《") and not name.endswith("》") else f"《{bare_name(name)}》"
    return say("{publication}（{level}）{form}", publication=shown, level=LEVELS[publication.level],
               form=FORMS[form])


def adoption_lines(data, accumulate, value_of, rule="adoption", key_of=None, tail_of=None):
    """Item lines for the period's adoptions; `value_of(publication, form, *key)` gives the points.

    `key_of(adoption)` (optional) adds what else decides the points (e.g. the item's category),
    `tail_of(publication, form, *key)` words for it after the adoption's own. With `accumulate` ``sum`` every
    adoption of an item counts. With ``max`` an item is worth its best adoption so far in the
    scheme year: an adoption better than every earlier one (those before the period included)
    is credited with the increase, the others get a zero line that says so; the months of a year
    then add up to the year. Adoptions worth nothing give no line.
    """
    publications = data.publications
    # A province has a few dozen publications and four forms, but hundreds of thousands of
    # adoptions: the value and the words of each (publication, form, …) are worked out once.
    named = {}

    def value_and_words(adoption):
        extra = key_of(adoption) if key_of is not None else ()
        key = (adoption.publication, adoption.form, *extra)
        known = named.get(key)
        if known is None:
            publication = publications[adoption.publication]
            words = adoption_words(publication, adoption.form)
            if tail_of is not None:
                tail = tail_of(publication, adoption.form, *extra)
                if tail:
                    words = say("{adoption}{tail}", adoption=words, tail=tail)
            known = named[key] = [value_of(publication, adoption.form, *extra), words, None]
        return known

    if accumulate == "max":
        yield from _best_so_far_lines(data, value_and_words, rule)
        return
    for adoption in data.adoptions:
        known = value_and_words(adoption)
        value, text, sentence = known
        if not value:
            continue
        if sentence is None:
            sentence = known[2] = say("{adoption}，计{points}{unit}", adoption=text,
                                      points=fmt(value), unit="分")
        yield Line(rule, sentence, points=value, item=adoption.item, ref=f"adoption:{adoption.id}")


def _best_so_far_lines(data, value_and_words, rule):
    """The lines of ``accumulate: max``: each adoption credits what it adds to the item's best."""
    best = {}
    for adoption in data.earlier_adoptions:
        value = value_and_words(adoption)[0]
        if value > best.get(adoption.item, ZERO):
            best[adoption.item] = value
    for adoption in data.adoptions:
        value, text, _ = value_and_words(adoption)
        held = best.get(adoption.item, ZERO)
        ref = f"adoption:{adoption.id}"
        if value > held:
            best[adoption.item] = value
            if held:
                sentence = say("{adoption}，计{worth}{unit}，同一稿件按最高一次计分，此前已计{held}{unit}，"
                               "本次计{points}{unit}", adoption=text, worth=fmt(value), held=fmt(held),
                               points=fmt(value - held), unit="分")
            else:
                sentence = say("{adoption}，计{points}{unit}", adoption=text, points=fmt(value),
                               unit="分")
            yield Line(rule, sentence, points=value - held, item=adoption.item, ref=ref)
        elif held:
            yield Line(rule, say("{adoption}，同一稿件按最高一次计分，本次不计分", adoption=text),
                       points=ZERO, item=adoption.item, ref=ref)


def first_instructions(data):
    """(item, level) → the earliest instruction at that level, for the instructions dated in the period.

    ``data.instructions`` holds earlier instructions too, ordered by date, so an item instructed
    at a level before the period is not counted again at that level.
    """
    earliest = {}
    for instruction in data.instructions:
        key = (instruction.item, instruction.leader_level)
        if key not in earliest:
            earliest[key] = instruction
    return {key: instruction for key, instruction in earliest.items()
            if data.period.contains(instruction.instructed_on)}


def leader_words(instruction):
    """王副省长（省级领导）, or 省级领导 when the leader is not named."""
    level = LEVELS[instruction.leader_level]
    if instruction.leader:
        return say("{leader}（{level}领导）", leader=instruction.leader, level=level)
    return say("{level}领导", level=level)


def instruction_lines(data, points_by_level, rule="instruction"):
    """Item lines for instructions: each leader level counts once per item, by its earliest date."""
    worth = {}  # level -> value, worked out once per level
    for (item_id, level), instruction in first_instructions(data).items():
        value = worth.get(level)
        if value is None:
            value = worth[level] = points_by_level.get(level) or ZERO
        if not value:
            continue
        yield Line(rule, say("{leader}{day}批示，计{points}{unit}", leader=leader_words(instruction),
                             day=date_words(instruction.instructed_on), points=fmt(value), unit="分"),
                   points=value, item=item_id, ref=f"instruction:{instruction.id}")


def tallied_lines(rule, tallied, value_of):
    """:class:`Tally` objects for the item lines counted in `tallied` (``data.tally``'s result).

    `value_of(key)` gives the points of a line with that key; lines worth nothing are left out,
    as the line-by-line rules leave them out.
    """
    worth = {}

    def value(key):
        known = worth.get(key)
        if known is None:
            known = worth[key] = value_of(key)
        return known

    for unit, key, n, count in tallied.units:
        points = value(key)
        if points:
            yield Tally(rule, points, count, unit=unit, share_of=n)
    for reporter, key, n, count in tallied.reporters:
        points = value(key)
        if points:
            yield Tally(rule, points, count, reporter=reporter, authors=n)
