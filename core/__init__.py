"""Kaohe's core: the domain models, data loading, the scoring engine, imports and the command."""
