"""What the built-in rule sets share: the preview tallies of adoptions and instructions (the lines are the rule kinds')."""

from kaohe.plugins import (
    ZERO,
    Tally,
    adoption_lines,
    adoption_words,
    bare_name,
    date_words,
    first_instructions,
    instruction_lines,
    time_words,
)

__all__ = ["ZERO", "adoption_lines", "adoption_words", "bare_name", "date_words",
           "first_instructions", "instruction_lines", "time_words", "tallied_lines",
           "adoption_tallies", "instruction_tallies"]


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


def adoption_tallies(data, value_of):
    """What :func:`adoption_lines` gives with ``sum``, counted (see ``RuleSet.tallies``)."""
    publications = data.publications
    return tallied_lines("adoption", data.adoption_tally,
                         lambda key: value_of(publications[key[0]], key[1]))


def instruction_tallies(data, points_by_level):
    """What :func:`instruction_lines` gives, counted (see ``RuleSet.tallies``)."""
    return tallied_lines("instruction", data.first_instruction_tally,
                         lambda key: points_by_level.get(key[0]))
