"""The benchmark's report: RESULTS.md (its figures, the machine and its load) and the last key=value line."""

import datetime
import os
import platform
import sqlite3
from pathlib import Path

from common import PREVIEW_NEXT_VALUE, PREVIEW_PATH, PREVIEW_VALUE, RESULTS, RUNS, SCHEME, SEED, UNITS, \
    connect, times_text

LOAD_AT_START = os.getloadavg()


def machine():
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "load_start": LOAD_AT_START, "load_end": os.getloadavg()}


def postgres_version(url):
    connect(url)
    from kaohe.core.storage import db as dbmod
    return "PostgreSQL " + dbmod.db.execute_sql("SHOW server_version").fetchone()[0]


def _get(result, *path):
    value = result
    for key in path:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


def _num(value, places=2, scale=1):
    return "n/a" if value is None else f"{value * scale:,.{places}f}"


def _ratio(a, b):
    return None if a is None or not b else a / b


def figures(r):
    """The headline figures of one result, by the key=value names of the last line."""
    duck = r.get("anchor") or {}
    anchor_s = duck.get("total_s")
    anchor_read_query = (duck["read_s"] + duck["query_s"]) if duck else None
    pages = r.get("pages") or {}
    low = r.get("floor") or {}
    floor_s = (low["read_s"] + low["store_s"]) if low else None
    scan_floor_s = (low["scan_s"] + low["store_s"]) if low else None
    return {
        "sqlite_floor_1m_s": floor_s, "recalc_vs_floor": _ratio(r["recalc_s"], floor_s),
        "preview_floor_1m_s": low.get("preview_read_s"),
        "preview_vs_floor": _ratio(r["preview_s"], low.get("preview_read_s")),
        "scan_floor_1m_s": scan_floor_s, "scan_floor_vs_anchor": _ratio(scan_floor_s, anchor_s),
        "recalc_1m_s": r["recalc_s"], "anchor_1m_s": anchor_s,
        "recalc_vs_anchor": _ratio(r["recalc_s"], anchor_s),
        "preview_1m_s": r["preview_s"],
        "preview_vs_anchor": _ratio(r["preview_s"], anchor_read_query),
        "lower_bound_1m_s": r["lower_bound_s"],
        "recalc_vs_lower_bound": _ratio(r["recalc_s"], r["lower_bound_s"]),
        "preview_next_1m_s": r["preview_warm_s"], "peak_rss_mb": r["peak_rss_mb"],
        "dashboard_ms": pages.get("dashboard"), "explain_page_ms": pages.get("explain"),
        "diff_page_ms": pages.get("diff_changed", pages.get("diff")),
        "diff_same_page_ms": pages.get("diff"),
        "ranking_ms": pages.get("ranking"), "item_list_ms": pages.get("items"),
        "kaohe_diff_s": _get(r, "cli_diff_changed", "seconds"),
        "notify_s": _get(r, "notification", "html_s"),
        "notify_xlsx_s": _get(r, "notification", "xlsx_s"),
        "lines_xlsx_s": _get(r, "lines_xlsx", "seconds"), "lines_csv_s": _get(r, "lines_csv", "seconds"),
        "lines_xlsx_openpyxl_s": _get(r, "lines_xlsx_openpyxl", "seconds"),
        "all_xlsx_s": _get(r, "all_xlsx", "seconds"),
        "import_csv_rows_per_s": _get(r, "imports", "csv", "rows_per_s"),
        "import_xlsx_rows_per_s": _get(r, "imports", "xlsx", "rows_per_s"),
        "backup_s": _get(r, "backup", "backup_s"), "restore_s": _get(r, "backup", "restore_s"),
    }


TARGETS = [  # (figure, target text, met?)
    ("recalc_vs_anchor", "≤ 1.5", lambda v: v <= 1.5),
    ("preview_vs_anchor", "≤ 1", lambda v: v <= 1),
    ("peak_rss_mb", "< 768", lambda v: v < 768),
    ("dashboard_ms", "< 300", lambda v: v < 300),
    ("explain_page_ms", "< 300", lambda v: v < 300),
    ("ranking_ms", "< 300", lambda v: v < 300),
    ("item_list_ms", "< 300", lambda v: v < 300),
    ("diff_page_ms", "< 1000", lambda v: v < 1000),
    ("notify_s", "≤ 3", lambda v: v <= 3),
    ("lines_xlsx_s", "≤ 30", lambda v: v <= 30),
    ("lines_csv_s", "≤ 4", lambda v: v <= 4),
    ("import_csv_rows_per_s", "≥ 20,000", lambda v: v >= 20000),
    ("import_xlsx_rows_per_s", "≥ 10,000", lambda v: v >= 10000),
]


def _load(values):
    return " ".join(f"{v:.2f}" for v in values)


def write_results(results, info, postgres):
    lines = [
        "# Benchmark results", "",
        f"Written by `benchmarks/bench.py` on {info['date']}: {info['cores']} cores, {info['memory']} "
        f"memory, {info['platform']}, Python {info['python']}, SQLite {info['sqlite']}"
        + (f", {postgres}" if postgres else "") + ".", "",
        f"**The machine was shared** with other developers' work (tests, builds) while this ran: load "
        f"average (1, 5, 15 min, `uptime`) {_load(info['load_start'])} at the start and "
        f"{_load(info['load_end'])} at the end, on {info['cores']} cores. Every figure is wall-clock "
        "time and is slower by about as much as the cores were busy.", "",
        f"Data: `kaohe demo --units {UNITS} --items N --seed {SEED}`. Recalculation: the whole year "
        f"{SCHEME} (provincial, county_bonus, urgent_penalty), every score line and explanation "
        "stored, and what the dashboard and the comparison read kept with the run, in a fresh "
        "process (its peak resident set is the memory figure). Preview: "
        f"`kaohe.core.scoring.engine.preview` before and after `{PREVIEW_PATH}` = {PREVIEW_VALUE} "
        f"(the next one, {PREVIEW_NEXT_VALUE}, reuses what the first read). **Anchor**: the same work "
        "done by DuckDB (benchmarks/anchor.py, the `bench` extra) over the same database: the tables "
        "read out of the SQLite file into Arrow (read), each member unit's points of the three rule "
        "sets with its submitted, adopted and tier counts (query), and every unit score line with its "
        "sentence stored by `INSERT … SELECT` into a DuckDB file (store); checked on every run equal "
        "to Kaohe's stored run for every unit, to the cent, and line for line. SQL aggregate: one "
        "SQLite statement of the provincial points only, as a second yardstick. Times are the better "
        f"of {RUNS} runs.", "",
        "| backend | items | build s | recalc s | lines | anchor s (read + query + store) | recalc ÷ anchor "
        "| preview s | preview ÷ anchor read+query | next preview s | SQL aggregate s | recalc ÷ SQL "
        "| peak RSS MB |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        f, duck = figures(r), r.get("anchor")
        duck_text = (f"{duck['total_s']:.2f} ({duck['read_s']:.2f} + {duck['query_s']:.2f} + "
                     f"{duck['store_s']:.2f})" if duck else f"n/a ({r['anchor_note']})")
        build_text = "reused" if r["build_s"] != r["build_s"] else f"{r['build_s']:.1f}"
        lines.append(
            f"| {r['backend']} | {r['items']:,} | {build_text} | {r['recalc_s']:.2f} | {r['lines']:,} | "
            f"{duck_text} | {_num(f['recalc_vs_anchor'])} | {r['preview_s']:.2f} | "
            f"{_num(f['preview_vs_anchor'])} | {r['preview_warm_s']:.2f} | {r['lower_bound_s']:.3f} | "
            f"{_num(f['recalc_vs_lower_bound'])} | {r['peak_rss_mb']:.0f} |")
    lines += ["", "Runs: " + "; ".join(
        f"{r['backend']} {r['items']:,}: recalculation {times_text(r['recalc_runs'])} s, preview "
        f"{times_text(r['preview_runs'])} s"
        + (f", anchor {times_text(r['anchor']['runs'])} s" if r.get("anchor") else "")
        for r in results) + "."]
    lines += ["",
        "**SQLite floor** (benchmarks/floor.py): SQLite's own time, no Kaohe code running, measured "
        "in the same run. *Reads*: every SELECT the recalculation (or a first preview) sends, sent "
        "again through the plain `sqlite3` module and fetched whole, serially or over one connection "
        "per core, whichever is faster. *Store*: the run's score lines inserted by one `executemany` "
        "into a scratch `score_line` with its indexes. *Scan*: the very columns the anchor reads, "
        "whole tables, into Python rows. Scan + store is what any engine written in Python over "
        "SQLite pays before a line of scoring: where it is above 1.5× the anchor, that target "
        "cannot be met within the fixed choices (Python, SQLite, DuckDB only as a benchmark extra).", "",
        "| backend | items | reads s (serial) · rows | store s | floor s (reads + store) | recalc ÷ floor "
        "| preview reads s (serial) | preview ÷ its reads | scan s · rows | scan + store s | "
        "scan + store ÷ anchor |",
        "|---|---:|---|---:|---:|---:|---|---:|---|---:|---:|",
    ]
    for r in results:
        f, low = figures(r), r.get("floor")
        if not low:
            lines.append(f"| {r['backend']} | {r['items']:,} | n/a ({r.get('floor_note', '')}) "
                         "| | | | | | | | |")
            continue
        lines.append(
            f"| {r['backend']} | {r['items']:,} | {low['read_s']:.2f} ({low['read_serial_s']:.2f}) · "
            f"{low['rows']:,} | {low['store_s']:.2f} | {f['sqlite_floor_1m_s']:.2f} | "
            f"{_num(f['recalc_vs_floor'])} | {low['preview_read_s']:.2f} "
            f"({low['preview_read_serial_s']:.2f}) | {_num(f['preview_vs_floor'])} | "
            f"{low['scan_s']:.2f} · {low['scan_rows']:,} | {f['scan_floor_1m_s']:.2f} | "
            f"{_num(f['scan_floor_vs_anchor'])} |")
    lines += ["", "## What an office does around it", "",
              "The panel through `kaohe.admin.create_app` and the Flask test client, logged in as an "
              "administrator: median of 5 requests after a first one (shown as “first”). The "
              "explanation is that of the unit with the most lines; the comparison of two runs of the "
              "same data, and of a run after one adoption was added (“changed”). Exports each in a "
              "fresh process (peak RSS is that process's). Imports: new items through "
              "`kaohe.core.exchange.importer.import_files` (in a fresh process on a copy of the database). Notification: "
              "`kaohe.core.exchange.reports.monthly_notification` for March, with the month runs "
              "stored (“first” computes the missing ones), then its html and xlsx.", "",
              "| measure | " + " | ".join(f"{r['backend']} {r['items']:,}" for r in results) + " |",
              "|---|" + "---:|" * len(results)]
    rows = [
        ("dashboard ms (first)", lambda r: _pair(r, "dashboard")),
        ("item list ms", lambda r: _pair(r, "items")),
        ("ranking ms", lambda r: _pair(r, "ranking")),
        ("largest unit's explanation ms (first) · KB · its lines",
         lambda r: _pair(r, "explain") + f" · {_num(_get(r, 'pages', 'explain_kb'), 0)} · "
                                          f"{_num(_get(r, 'pages', 'explain_unit_lines'), 0)}"),
        ("comparison page ms, same data (first)", lambda r: _pair(r, "diff")),
        ("comparison page ms, one adoption added (first)", lambda r: _pair(r, "diff_changed")),
        ("`kaohe diff` s · MB, same data", lambda r: _run_mb(r, "cli_diff")),
        ("`kaohe diff` s · MB, one adoption added", lambda r: _run_mb(r, "cli_diff_changed")),
        ("score lines csv s · MB", lambda r: _run_mb(r, "lines_csv")),
        ("score lines xlsx (XlsxWriter) s · MB", lambda r: _run_mb(r, "lines_xlsx")),
        ("score lines xlsx (openpyxl write-only) s · MB", lambda r: _run_mb(r, "lines_xlsx_openpyxl")),
        ("all data xlsx s · MB", lambda r: _run_mb(r, "all_xlsx")),
        ("notification s: first · stored · html · xlsx", lambda r: " · ".join(
            _num(_get(r, "notification", k)) for k in ("first_s", "stored_s", "html_s", "xlsx_s"))),
        ("import csv rows/s", lambda r: _num(_get(r, "imports", "csv", "rows_per_s"), 0)),
        ("import xlsx rows/s", lambda r: _num(_get(r, "imports", "xlsx", "rows_per_s"), 0)),
        ("import peak MB: csv at 20,000 · 100,000 rows", lambda r: " · ".join(
            _num(_get(r, "imports", k, "rss_mb"), 0) for k in ("csv", "csv_large"))),
        ("import peak MB: xlsx at 10,000 · 100,000 rows", lambda r: " · ".join(
            _num(_get(r, "imports", k, "rss_mb"), 0) for k in ("xlsx", "xlsx_large"))),
        ("backup s · restore s", lambda r: f"{_num(_get(r, 'backup', 'backup_s'))} · "
                                           f"{_num(_get(r, 'backup', 'restore_s'))}"),
    ]
    for name, show in rows:
        lines.append(f"| {name} | " + " | ".join(show(r) for r in results) + " |")
    notes = [f"{r['backend']} {r['items']:,} {k}: {v}" for r in results for k, v in r["notes"].items()]
    if notes:
        lines += ["", "Not measured: " + "; ".join(notes) + "."]
    top = ([r for r in results if r["backend"] == "sqlite"] or results)[-1]
    f = figures(top)
    lines += ["", f"Targets at {top['items']:,} items on {top['backend']}:", "",
              "| figure | value | target | met |", "|---|---:|---:|---|"]
    for name, target, met in TARGETS:
        value = f[name]
        lines.append(f"| {name} | {_num(value)} | {target} | "
                     f"{'n/a' if value is None else '是' if met(value) else '否'} |")
    RESULTS.write_text("\n".join(lines) + "\n" + _other_sections(), encoding="utf-8")


def _pair(r, name):
    return f"{_num(_get(r, 'pages', name), 0)} ({_num(_get(r, 'pages', name + '_first'), 0)})"


def _run_mb(r, name):
    return f"{_num(_get(r, name, 'seconds'))} · {_num(_get(r, name, 'rss_mb'), 0)}"


def _other_sections():
    """The sections of RESULTS.md written by load.py and by hand, kept when the figures change."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start, end = "<!-- load-test:start", "<!-- load-test:end -->"
    if start not in current or end not in current:
        return ""
    return "\n" + current[current.index(start):current.index(end) + len(end)] + "\n"


SUMMARY_KEYS = ("recalc_1m_s", "anchor_1m_s", "recalc_vs_anchor", "preview_1m_s", "preview_vs_anchor",
                "peak_rss_mb", "dashboard_ms", "explain_page_ms", "diff_page_ms", "notify_s",
                "lines_xlsx_s", "lines_csv_s", "import_csv_rows_per_s", "import_xlsx_rows_per_s",
                "lower_bound_1m_s", "recalc_vs_lower_bound", "preview_next_1m_s", "kaohe_diff_s",
                "lines_xlsx_openpyxl_s", "all_xlsx_s", "backup_s", "restore_s",
                "sqlite_floor_1m_s", "recalc_vs_floor", "preview_floor_1m_s", "preview_vs_floor",
                "scan_floor_1m_s", "scan_floor_vs_anchor")


def summary_line(results):
    top = ([r for r in results if r["backend"] == "sqlite"] or results)[-1]
    f = figures(top)
    places = {"peak_rss_mb": 0, "dashboard_ms": 0, "explain_page_ms": 0, "diff_page_ms": 0,
              "import_csv_rows_per_s": 0, "import_xlsx_rows_per_s": 0}
    return " ".join(f"{key}={'n/a' if f[key] is None else format(f[key], f'.{places.get(key, 2)}f')}"
                    for key in SUMMARY_KEYS)
