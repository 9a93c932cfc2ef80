"""Kaohe's plugin contract: the hook markers, the rule-set base class and what rule sets return."""

from pluggy import HookimplMarker

from .ruleset import Flag, Line, RuleSet, Tally, Veto

hookimpl = HookimplMarker("kaohe")

__all__ = ["hookimpl", "RuleSet", "Line", "Veto", "Flag", "Tally"]
