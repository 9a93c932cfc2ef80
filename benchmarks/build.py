"""Building the province's data for the benchmark (kaohe demo at 100k / 1M items), or reusing it."""

import time
from pathlib import Path

from common import SCHEME, SEED, connect, log
from kaohe.core.domain.progress import NoProgress

def fresh_database(url):
    """An empty database at `url`: the SQLite file removed, or the PostgreSQL tables dropped."""
    from kaohe.core.storage.migrations import create_tables
    from kaohe.core.storage.models import MODELS
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    database = connect(url)
    if not url.startswith("sqlite"):
        database.drop_tables(MODELS, safe=True, cascade=True)
    create_tables()
    return database


class Progress(NoProgress):
    """The build's progress on stderr: a line every tenth of the way."""

    def __init__(self, label, total):
        self.label, self.total, self.done, self.shown = label, total, 0, 0

    def update(self, n):
        self.done += n
        tenth = self.done * 10 // max(1, self.total)
        if tenth > self.shown:
            self.shown = tenth
            log(f"    {self.label} {self.done}/{self.total}")


def reusable(url):
    """The demo data already at `url` (an existing SQLite file holding the scheme), else None.

    Earlier benchmark runs stored there are deleted, so that every measure starts from the same
    rows as a fresh build.
    """
    if not url.startswith("sqlite:///") or not Path(url[len("sqlite:///"):]).exists():
        return None
    database = connect(url)
    from kaohe.core.storage.migrations import migrate
    migrate()  # a database built by an older Kaohe gets the current schema first
    from kaohe.core.storage.models import (Item, ReporterResult, RunDigest, RunMonth, Scheme, ScoreLine,
                                           ScoreRun, UnitResult)
    if not Scheme.select().where(Scheme.name == SCHEME).exists():
        return None
    runs = ScoreRun.select(ScoreRun.id).where(ScoreRun.created_by == "bench")
    with database.atomic():
        for model in (ScoreLine, UnitResult, ReporterResult, RunMonth, RunDigest):
            model.delete().where(model.run.in_(runs)).execute()
        ScoreRun.delete().where(ScoreRun.created_by == "bench").execute()
    from kaohe.core.storage.models import Adoption
    return {"counts": {"adopted_items": Adoption.select(Adoption.item).distinct().count(),
                       "adoptions": Adoption.select().count(), "items": Item.select().count()}}


def build(url, items, units, registry, reuse=False):
    from kaohe.demo import build_demo
    if reuse:
        summary = reusable(url)
        if summary is not None:
            log("   reusing the existing database (build time not measured)")
            return float("nan"), summary
    fresh_database(url)
    started = time.perf_counter()
    summary = build_demo(registry, units=units, items=items, seed=SEED, progress=Progress)
    return time.perf_counter() - started, summary
