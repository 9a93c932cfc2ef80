"""What the built-in rule sets share: the preview tallies of adoptions and instructions (the lines are the rule kinds')."""

from kaohe.plugins import (
    ZERO,
    adoption_lines,
    adoption_words,
    bare_name,
    date_words,
    first_instructions,
    instruction_lines,
    tallied_lines,
    time_words,
)

__all__ = ["ZERO", "adoption_lines", "adoption_words", "bare_name", "date_words",
           "first_instructions", "instruction_lines", "time_words", "tallied_lines",
           "adoption_tallies", "instruction_tallies"]


def adoption_tallies(data, value_of):
    """What :func:`adoption_lines` gives with ``sum``, counted (see ``RuleSet.tallies``)."""
    publications = data.publications
    return tallied_lines("adoption", data.adoption_tally,
                         lambda key: value_of(publications[key[0]], key[1]))


def instruction_tallies(data, points_by_level):
    """What :func:`instruction_lines` gives, counted (see ``RuleSet.tallies``)."""
    return tallied_lines("instruction", data.first_instruction_tally,
                         lambda key: points_by_level.get(key[0]))
