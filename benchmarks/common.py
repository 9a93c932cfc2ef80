"""What the benchmark's modules share: where the data lives, the scheme measured, logging, connecting."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "RESULTS.md"
SCHEME = "市政府系统"
PREVIEW_PATH = "provincial.adoption.provincial.full"
PREVIEW_VALUE = "25"
PREVIEW_NEXT_VALUE = "30"  # the value an administrator tries next, on the rows already read
UNITS = 1000
SEED = 2025
# Every time is the better of this many runs, the lower bound's as the engine's: the first run
# after the build (or after anything else heavy) is slower by up to a second at 1M items on the
# machine we work on, whatever the database holds.
RUNS = 2


def log(message):
    print(message, file=sys.stderr, flush=True)


def connect(url):
    from kaohe.core.storage import db as dbmod
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    return database


def times_text(seconds):
    return " / ".join(f"{s:.2f}" for s in seconds)
