"""Kaohe's core, in layers that point one way: domain, storage, reads, scoring, runs, exchange."""
