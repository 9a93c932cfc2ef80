"""The SQLite floor: what SQLite itself takes for the reads and the writes a recalculation makes.

Kaohe scores in Python over SQLite (the fixed choices: DuckDB is only a benchmark extra), so no
recalculation can be faster than SQLite answering the statements the run sends and storing the
lines the run stores. Measured in a fresh process:

* **read**: every SELECT the recalculation's computation sends (recorded from peewee's log while
  `compute` runs), sent again with the same parameters through the plain `sqlite3` module, set
  as Kaohe sets its connections, each answer fetched whole: one after another (serial), and
  spread over one connection per core (Kaohe reads the counts on a second connection while it
  reads the rows); the faster of the two is the floor. No Kaohe code runs while it is timed.
* **preview read**: the same for the SELECTs of a first preview (`engine.preview`).
* **store**: the run's score lines, as the plain tuples Kaohe binds, inserted by one
  `executemany` in one transaction into a scratch database holding the `score_line` table with
  its indexes, as the real table has them (the other tables a run writes are left out, so this
  is less than a run writes).

* **scan**: the very columns the DuckDB anchor reads, whole tables, through plain sqlite3 into
  Python rows: what any Python engine over SQLite pays for the anchor's input, however it asks.

The floor is the read and the store added; the scan and the store added are the floor of any
engine written in Python over SQLite; beside the DuckDB anchor it says how much of the gap
between Kaohe and the anchor is SQLite's own, before a line of scoring.
"""

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import DATA, RUNS, SCHEME, connect

BENCH = Path(__file__).resolve().parent / "bench.py"
SCRATCH = DATA / "floor-lines.sqlite3"


class _Statements(logging.Handler):
    """Collects the SELECT statements peewee sends, with their parameters."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sent = []

    def emit(self, record):
        message = record.msg
        if isinstance(message, tuple) and message[0].lstrip()[:6].upper() == "SELECT":
            self.sent.append((message[0], tuple(message[1] or ())))


def _recorded(call):
    """(what `call()` returned, the SELECT statements it sent)."""
    logger = logging.getLogger("peewee")
    handler, level = _Statements(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        return call(), handler.sent
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _connection(path):
    """A plain sqlite3 connection set as Kaohe sets its own (core/storage/db.py)."""
    from kaohe.core.storage.db import cache_megabytes
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL",
                   f"cache_size = -{cache_megabytes() * 1024}"):
        con.execute(f"PRAGMA {pragma}")
    return con


def _read_seconds(path, statements):
    """The better of RUNS sends of `statements` through plain sqlite3, each answer fetched whole,
    one after another on one connection: (seconds, rows, each statement's seconds)."""
    best, rows, each = None, 0, []
    for _ in range(RUNS):
        con = _connection(path)
        started, rows, times = time.perf_counter(), 0, []
        for sql, params in statements:
            began = time.perf_counter()
            rows += len(con.execute(sql, params).fetchall())
            times.append(time.perf_counter() - began)
        seconds = time.perf_counter() - started
        con.close()
        if best is None or seconds < best:
            best, each = seconds, times
    return best, rows, each


def _parallel_read_seconds(path, statements, each):
    """The better of RUNS sends of `statements` spread over one connection per core, the longest
    first (Kaohe reads the period's counts on a second connection while it reads the rows): the
    floor of a read that uses every core."""
    from concurrent.futures import ThreadPoolExecutor
    workers = max(1, os.cpu_count() or 1)
    order = sorted(range(len(statements)), key=lambda i: -each[i])
    best = None
    for _ in range(RUNS):
        pending = list(order)
        lock = threading.Lock()

        def worker(pending=pending, lock=lock):
            con = _connection(path)
            try:
                while True:
                    with lock:
                        if not pending:
                            return
                        sql, params = statements[pending.pop(0)]
                    con.execute(sql, params).fetchall()
            finally:
                con.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(worker) for _ in range(workers)]:
                future.result()
        seconds = time.perf_counter() - started
        best = seconds if best is None else min(best, seconds)
    return best


def _scan_seconds(path):
    """The better of RUNS reads of the very columns the DuckDB anchor reads (anchor.TABLES), whole
    tables, through plain sqlite3 into Python rows: what any Python engine over SQLite pays to
    have the anchor's input in hand, however well it asks."""
    from anchor import TABLES
    best = None
    for _ in range(RUNS):
        con = _connection(path)
        started = time.perf_counter()
        rows = sum(len(con.execute(sql).fetchall()) for sql in TABLES.values())
        seconds = time.perf_counter() - started
        con.close()
        best = seconds if best is None else min(best, seconds)
    return best, rows


def _store_seconds(path, lines):
    """The better of RUNS `executemany` inserts of `lines` into a scratch score_line table."""
    source = sqlite3.connect(path)
    ddl = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'score_line' AND sql IS NOT NULL "
        "ORDER BY type DESC")]  # the table before its indexes
    source.close()
    columns = ("run_id, unit_id, reporter_id, item_id, ruleset, rule, kind, points, yuan, ref, "
               "explanation")
    best = None
    for _ in range(RUNS):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SCRATCH}{suffix}").unlink(missing_ok=True)
        con = _connection(SCRATCH)
        for sql in ddl:
            con.execute(sql)
        started = time.perf_counter()
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO score_line ({columns}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", lines)
        con.execute("COMMIT")
        seconds = time.perf_counter() - started
        con.close()
        best = seconds if best is None else min(best, seconds)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SCRATCH}{suffix}").unlink(missing_ok=True)
    return best


def child(url):
    """In a fresh process: the floor's figures as JSON."""
    database = connect(url)
    from kaohe.core.domain.vocab import to_cents
    from kaohe.core.scoring.engine import compute, forget_previews
    from kaohe.core.scoring.engine import preview as engine_preview
    from kaohe.core.storage.schemes import get_scheme
    from kaohe.plugins.manager import build_registry
    registry = build_registry(entry_points=False)
    scheme = get_scheme(SCHEME)
    outcome, statements = _recorded(lambda: compute(registry, scheme))
    forget_previews()
    _, preview_statements = _recorded(lambda: engine_preview(registry, scheme))
    forget_previews()
    lines = [(0, unit, reporter, item, ruleset, rule, kind, to_cents(points), to_cents(yuan), ref,
              str(text))
             for unit, reporter, item, ruleset, rule, kind, points, yuan, ref, text in outcome.lines]
    del outcome
    database.close()
    path = url[len("sqlite:///"):]
    serial_s, rows, each = _read_seconds(path, statements)
    read_s = min(serial_s, _parallel_read_seconds(path, statements, each))
    preview_serial_s, preview_rows, each = _read_seconds(path, preview_statements)
    preview_s = min(preview_serial_s, _parallel_read_seconds(path, preview_statements, each))
    store_s = _store_seconds(path, lines)
    scan_s, scan_rows = _scan_seconds(path)
    print(json.dumps({"scan_s": scan_s, "scan_rows": scan_rows, "read_serial_s": serial_s, "read_s": read_s, "statements": len(statements),
                      "rows": rows, "preview_read_serial_s": preview_serial_s,
                      "preview_read_s": preview_s, "preview_statements": len(preview_statements),
                      "preview_rows": preview_rows, "store_s": store_s, "lines": len(lines),
                      "total_s": read_s + store_s}))


def measure(url):
    """The floor of the SQLite database at `url`, measured in a fresh process: (figures, note)."""
    if not url.startswith("sqlite:///"):
        return None, "下限只对 SQLite 数据库测量"
    done = subprocess.run([sys.executable, str(BENCH), "--child-floor", url], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        return None, f"SQLite 下限测量出错：{done.stderr.strip()[-300:]}"
    return json.loads(done.stdout.strip().splitlines()[-1]), ""
