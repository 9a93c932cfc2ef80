"""The built-in listener of stored runs: keeps what a run saw beside its results (core/runs/snapshot.py)."""

from kaohe.core.runs.snapshot import record
from kaohe.plugins import hookimpl


@hookimpl
def kaohe_run_stored(run, scheme):
    """Keep the data revision, the notification's counts and the instructions with the run."""
    record(run)
