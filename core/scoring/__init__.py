"""Scoring: the rule-set contract, the calculator, joint splits, ranking, awards and the preview."""
