"""Import speed: rows per second and peak memory of checking and importing a large csv or xlsx file of items.

    .venv/bin/python benchmarks/import_speed.py --rows 1000000 --formats csv xlsx

Each measure runs in a fresh process on a fresh SQLite database (in a temporary folder) holding the
units the rows name, so the peak memory is the import's own. Targets (issue #14): csv 20,000 rows/s,
xlsx 10,000 rows/s at 1M rows. The row limit of an import is raised to the file's size for the run.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNITS = 1000
HEADER = ["稿件编号", "标题", "报送日期", "报送单位", "类别", "负反馈"]


def _row(number):
    return [f"2025-{number:07d}", f"第{number}篇信息：某县推进某项工作取得新进展",
            f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}", f"U{number % UNITS:04d}", "动态", "否"]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            writer.writerow(_row(number))


def write_xlsx(path, rows):
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("稿件")
    sheet.append(HEADER)
    for number in range(rows):
        sheet.append(_row(number))
    workbook.save(path)


def measure(path, rows, dry_run):
    """In this process: set up the database, import `path`, print one JSON line of figures."""
    os.environ["KAOHE_IMPORT_MAX_ROWS"] = str(rows + 1)
    os.environ["KAOHE_IMPORT_MAX_BYTES"] = str(4 * 1024 ** 3)
    from kaohe.core.exchange.importer import import_files
    from kaohe.core.storage import db as dbmod
    from kaohe.core.storage.migrations import create_tables
    from kaohe.core.storage.models import Unit
    dbmod.configure(f"sqlite:///{Path(path).parent / 'bench.sqlite3'}")
    dbmod.db.connect(reuse_if_open=True)
    create_tables()
    with dbmod.db.atomic():
        Unit.insert_many([{"code": f"U{n:04d}", "name": f"单位{n}", "kind": "county", "pool": "county"}
                          for n in range(UNITS)]).execute()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_files([path], dry_run=dry_run)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the machine is shared: CPU seconds say what the import costs whatever else runs beside it
    print(json.dumps({"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
                      "cpu_s": round(cpu, 2), "rows_per_cpu_s": round(rows / cpu),
                      "peak_rss_mb": round(peak), "created": report.counts["items"]["created"]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"])
    parser.add_argument("--measure", nargs=3, metavar=("PATH", "ROWS", "DRY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], int(args.measure[1]), args.measure[2] == "dry")
        return
    for fmt in args.formats:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"稿件.{fmt}"
            started = time.perf_counter()
            (write_csv if fmt == "csv" else write_xlsx)(path, args.rows)
            made = time.perf_counter() - started
            for step in ("dry", "import"):
                (Path(folder) / "bench.sqlite3").unlink(missing_ok=True)
                done = subprocess.run([sys.executable, __file__, "--measure", str(path), str(args.rows), step],
                                      capture_output=True, text=True)
                if done.returncode:
                    sys.exit(done.stderr)
                out = done.stdout
                figures = json.loads(out.strip().splitlines()[-1])
                print(f"{fmt} rows={args.rows} size={path.stat().st_size // 1024}KB made_in={made:.0f}s "
                      f"step={'check' if step == 'dry' else 'import'} " +
                      " ".join(f"{key}={value}" for key, value in figures.items()), flush=True)


if __name__ == "__main__":
    main()
