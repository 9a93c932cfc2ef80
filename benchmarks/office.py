"""What an office does around a recalculation, timed at scale: pages, the comparison, files, notices, backups.

Each measure returns its figures, or None with the reason it could not be taken (the panel or a
public function another developer owns may be missing), so that one failure leaves the others.
"""

import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import DATA, SCHEME, connect, log

BENCH = Path(__file__).resolve().parent / "bench.py"
MARK = "BENCH-"  # the numbers of the items the import measure adds (to a copy of the database)


def peak_mb():
    """This process's own peak resident set (VmHWM): unlike ru_maxrss, which Linux carries over
    an exec from the parent, it starts afresh in a child process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ms(samples):
    return statistics.median(samples[1:]) if len(samples) > 1 else samples[0]


def _largest_unit(database, run_id):
    return database.execute_sql(
        f"SELECT unit_id, COUNT(*) FROM score_line WHERE run_id = {database.param} AND unit_id IS NOT NULL "
        "GROUP BY unit_id ORDER BY COUNT(*) DESC LIMIT 1", (run_id,)).fetchone()


def page_times(url, run_ids, repeat=5):
    """Median response times (ms) and sizes of the panel's pages, logged in as an administrator.

    `run_ids`: the runs compared on the comparison page (the last one is shown elsewhere).
    The first request of each page (a cold cache) is listed as well.
    """
    try:
        from kaohe.admin import create_app
    except (ImportError, AttributeError) as error:
        return None, f"面板不可用：{error}"
    from flask import url_for
    from werkzeug.security import generate_password_hash

    from kaohe.core.storage.models import ScoreRun, User
    os.environ.setdefault("KAOHE_INSTANCE_PATH", str(DATA / "instance"))
    try:
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                          "DATABASE_URL": url, "KAOHE_ENTRY_POINTS": False})
        database = connect(url)
        if not User.select().where(User.username == "bench").exists():
            User.create(username="bench", password_hash=generate_password_hash("bench-pass"),
                        role="admin")
        run_id = run_ids[-1]
        scheme_id = ScoreRun.get_by_id(run_id).scheme_id
        unit_id, unit_lines = _largest_unit(database, run_id)
        client = app.test_client()
        with app.test_request_context():
            login = url_for("kaohe_auth.login")
            pages = {"dashboard": f"{url_for('admin.index')}?scheme={scheme_id}",
                     "items": url_for("items.index_view"),
                     "ranking": url_for("results.ranking", run_id=run_id),
                     "explain": url_for("results.explain", run_id=run_id, unit_id=unit_id),
                     "diff": f"{url_for('results.diff')}?a={run_ids[0]}&b={run_ids[1]}"}
            if len(run_ids) > 2:
                pages["diff_changed"] = f"{url_for('results.diff')}?a={run_ids[1]}&b={run_ids[2]}"
        response = client.post(login, data={"username": "bench", "password": "bench-pass"})
        if response.status_code not in (302, 303):
            return None, f"无法登录面板（HTTP {response.status_code}）"
        times = {"explain_unit_lines": unit_lines}
        for name, path in pages.items():
            samples = []
            for _ in range(repeat + 1):
                started = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    return None, f"{path} 返回 HTTP {response.status_code}"
            times[name] = _ms(samples)
            times[f"{name}_first"] = samples[0]
            times[f"{name}_kb"] = len(response.data) / 1024
        return times, ""
    except Exception as error:  # report the reason instead of failing the run
        return None, f"面板出错：{type(error).__name__}: {error}"


def cli_diff(url, run_a, run_b):
    """Seconds and peak memory of `kaohe diff` in its own process (start-up included)."""
    env = dict(os.environ, KAOHE_DATABASE_URL=url)
    kaohe = Path(sys.executable).with_name("kaohe")
    command = [sys.executable, "-c",
               "import resource, runpy, sys; sys.argv = sys.argv[1:]; "
               "from kaohe.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
               "import pathlib\nprint(next(int(l.split()[1]) // 1024 for l in pathlib.Path("
               "'/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:')), file=sys.stderr)",
               str(kaohe), "diff", SCHEME, str(run_a), str(run_b)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        return None, f"kaohe diff 失败：{done.stderr.strip()[-300:]}"
    return {"seconds": seconds, "rss_mb": int(done.stderr.strip().splitlines()[-1])}, ""


# ---------------------------------------------------------------- exports, each in a fresh process

def child_export(url, what, fmt, writer):
    """In a fresh process: write one export to a file; print seconds, rows and peak memory."""
    connect(url)
    from kaohe.core.exchange import exporter
    from kaohe.core.storage.models import ScoreRun
    run = ScoreRun.select().order_by(ScoreRun.id.desc()).get()
    tables = ([exporter.lines_table(run)] if what == "lines"
              else [exporter.data_table(kind) for kind in exporter.resolve_kinds(None)])
    path = DATA / f"export-{what}.{fmt}"
    started = time.perf_counter()
    with open(path, "wb") as out:
        if writer == "openpyxl":
            counts = openpyxl_write_only(tables, out)
        else:
            counts = exporter.write_tables_to(tables, fmt, out)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": sum(counts), "bytes": path.stat().st_size,
                      "rss_mb": peak_mb()}))
    path.unlink()


def openpyxl_write_only(tables, out):
    """The yardstick the export's writer was chosen against: openpyxl's write-only workbook, the
    cells typed as the export types them (what Kaohe used before XlsxWriter)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from kaohe.core.exchange.sheets import Cents
    workbook = Workbook(write_only=True)
    counts = []
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.append(table.headers)
        count = 0
        for count, row in enumerate(table.rows, start=1):
            cells = []
            for value in row:
                if isinstance(value, Cents):
                    cell = WriteOnlyCell(sheet, value=value / 100)
                    cell.number_format = "0.00"
                else:
                    cell = WriteOnlyCell(sheet, value=value if value != "" else None)
                cells.append(cell)
            sheet.append(cells)
        counts.append(count)
    workbook.save(out)
    return counts


def export_in_child(url, what, fmt, writer="kaohe"):
    command = [sys.executable, str(BENCH), "--child-export", url, what, fmt, writer]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        return None, f"导出失败：{done.stderr.strip()[-300:]}"
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


# ---------------------------------------------------------------- the notification

def notification(registry):
    """Seconds of the March notification: the first (month runs computed where missing), then
    with the runs stored (the figure), its html page and its xlsx."""
    try:
        from kaohe.core.exchange import reports
        from kaohe.core.storage.schemes import get_scheme
        scheme = get_scheme(SCHEME)
        started = time.perf_counter()
        reports.monthly_notification(scheme, f"{scheme.year}-03", recalc_missing=True, registry=registry)
        first = time.perf_counter() - started
        started = time.perf_counter()
        data = reports.monthly_notification(scheme, f"{scheme.year}-03", registry=registry)
        stored = time.perf_counter() - started
        started = time.perf_counter()
        reports.notification_html(data)
        html = time.perf_counter() - started
        started = time.perf_counter()
        reports.notification_xlsx(data)
        xlsx = time.perf_counter() - started
    except Exception as error:
        return None, f"通报出错：{type(error).__name__}: {error}"
    return {"first_s": first, "stored_s": stored, "html_s": stored + html, "xlsx_s": stored + xlsx}, ""


# ---------------------------------------------------------------- imports

def _import_rows(n, mark):
    from kaohe.core.storage.models import Unit
    codes = [u.code for u in Unit.select(Unit.code).order_by(Unit.id).limit(200)]
    day = datetime.date(2025, 1, 1)
    for i in range(n):
        yield [f"{mark}{i:07d}", f"基准导入稿件{i}", day + datetime.timedelta(days=i % 360),
               codes[i % len(codes)], "", "动态", "否", ""]


def child_import(url, fmt, rows):
    """In a fresh process, on a copy of the database: import `rows` new items from a file of
    `fmt`; print seconds, rows per second and peak memory."""
    connect(url)
    from kaohe.core.exchange.importer import import_files
    from kaohe.core.exchange.kinds import KINDS
    from kaohe.core.exchange.sheets import Table, write_csv, write_xlsx
    kind = KINDS["items"]
    folder = DATA / f"import-{fmt}"
    folder.mkdir(exist_ok=True)
    path = folder / f"{kind.label}.{fmt}"
    with open(path, "wb") as out:
        table = Table(kind.label, [header for _name, header in kind.columns],
                      _import_rows(int(rows), f"{MARK}{fmt.upper()}-"))
        (write_csv(table, out) if fmt == "csv" else write_xlsx([table], out))
    started = time.perf_counter()
    import_files([path])
    seconds = time.perf_counter() - started
    path.unlink()
    print(json.dumps({"rows": int(rows), "seconds": seconds, "rows_per_s": int(rows) / seconds,
                      "rss_mb": peak_mb()}))


def imports(url, csv_rows=20_000, xlsx_rows=10_000, limit_s=900, large_rows=100_000):
    """Rows per second of `import_files` with a csv and an xlsx of new items, each in a fresh
    process on a copy of the SQLite database (so the measured database stays as it was); and
    each again with `large_rows` rows, for how the peak memory grows with the file."""
    if not url.startswith("sqlite:///"):
        return None, "导入只在 SQLite 数据库的副本上测量"
    import shutil
    source = Path(url[len("sqlite:///"):])
    copy = DATA / "import-copy.sqlite3"
    figures = {}
    try:
        for name, fmt, n in (("csv", "csv", csv_rows), ("xlsx", "xlsx", xlsx_rows),
                             ("csv_large", "csv", large_rows), ("xlsx_large", "xlsx", large_rows)):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(source, copy)
            # The copy on disk before the import is timed: the WAL checkpoint at the import's
            # commit syncs the database file, and would otherwise wait for the copy's own hundreds
            # of megabytes to be written back (a fifth of a second at 1M items, not the import's).
            with open(copy, "rb+") as handle:
                os.fsync(handle.fileno())
            command = [sys.executable, str(BENCH), "--child-import", f"sqlite:///{copy}", fmt, str(n)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, check=False,
                                      timeout=limit_s)
            except subprocess.TimeoutExpired:
                return figures or None, f"{fmt} 导入 {n} 行超过 {limit_s} 秒未完成"
            if done.returncode:
                return figures or None, f"{fmt} 导入出错：{done.stderr.strip()[-300:]}"
            figures[name] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return figures, ""


# ---------------------------------------------------------------- backup and restore

def backup_restore():
    """Seconds of `kaohe backup` and `kaohe restore` of the whole database (restored as it was)."""
    try:
        from kaohe.core.storage.backup import backup, restore
        path = DATA / "bench-backup.sqlite3"
        started = time.perf_counter()
        info = backup(path)
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        restore(path)
        restore_s = time.perf_counter() - started
        path.unlink(missing_ok=True)
    except Exception as error:
        return None, f"备份出错：{type(error).__name__}: {error}"
    return {"backup_s": backup_s, "restore_s": restore_s, "mb": info.size / 1024 / 1024}, ""


def change_one_adoption(database):
    """The month's import in small: one more adoption of one item, so that the next run differs
    from the last in the units of that item. Returns the adoption's id (to remove it after)."""
    from kaohe.core.storage.models import Adoption, Item, Publication
    Adoption.delete().where(Adoption.issue == "BENCH-1").execute()  # left by an interrupted run
    item = Item.select().where(Item.submitted_on >= datetime.date(2025, 6, 1)).order_by(Item.id).get()
    publication = Publication.select().where(Publication.level == "national").get()
    log(f"   one adoption added to item {item.no} for the comparison of a changed run")
    return Adoption.create(item=item, publication=publication, issue="BENCH-1",
                           adopted_on=datetime.date(2025, 12, 1), form="full").id


def remove_adoption(adoption_id):
    from kaohe.core.storage.models import Adoption
    Adoption.delete().where(Adoption.id == adoption_id).execute()
