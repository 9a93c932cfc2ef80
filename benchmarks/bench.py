"""Province-scale benchmark: build demo data, recalculate, preview, the DuckDB anchor, the panel, files.

Run `make bench` (100,000 and 1,000,000 items) or `.venv/bin/python benchmarks/bench.py --sizes 100000`
for a quick check. With `--postgres URL` (or KAOHE_BENCH_POSTGRES_URL) every measure is also taken
on that PostgreSQL database, which is emptied first. The figures go to benchmarks/RESULTS.md; the
last line printed is one line of key=value pairs for the largest size measured on SQLite.

The modules beside this one: common (paths, the scheme), build (the data), recalc (the
recalculation, preview and SQL aggregate), anchor (DuckDB), office (pages, the comparison,
exports, the notification, imports, backups), report (RESULTS.md and the last line).
"""

import argparse
import os
import sys
from pathlib import Path

import anchor
import floor
import office
from build import build
from common import DATA, RESULTS, RUNS, SCHEME, UNITS, connect, log, times_text
from recalc import (check_totals, child_recalc, engine_provincial_totals, lower_bound, preview,
                    recalc_in_child)
from report import machine, postgres_version, summary_line, write_results


def measure_anchor(url, run_id, database):
    """The DuckDB anchor, the better of RUNS runs, checked against Kaohe's run every time."""
    why = anchor.available()
    if why or not url.startswith("sqlite:///"):
        return None, why or "锚点只对 SQLite 数据库测量"
    from kaohe.core.storage.schemes import current_version, get_scheme
    scheme = get_scheme(SCHEME)
    config = current_version(scheme).config
    path = Path(url[len("sqlite:///"):])
    kaohe_totals = anchor.kaohe_totals(database, run_id)
    kaohe_lines = anchor.kaohe_line_count(database, run_id)
    runs = []
    for _ in range(RUNS):
        seconds, totals, lines = anchor.run_in_child(Path(__file__).resolve(), path, DATA / "anchor.duckdb",
                                                     config, scheme.id, scheme.year)
        checked = anchor.check(kaohe_totals, totals)
        if lines != kaohe_lines:
            raise SystemExit(f"DuckDB 锚点写出 {lines} 条计分明细，Kaohe 为 {kaohe_lines} 条")
        runs.append(seconds)
    best = min(runs, key=lambda s: s["read"] + s["query"] + s["store"])
    same = anchor.same_sentences(database, run_id, DATA / "anchor.duckdb")
    log(f"   DuckDB anchor: read {best['read']:.2f} s, query {best['query']:.2f} s, store "
        f"{best['store']:.2f} s; totals and counts equal to the cent for {checked} units, "
        f"{lines} lines, {same} with the same sentence")
    return {"read_s": best["read"], "query_s": best["query"], "store_s": best["store"],
            "total_s": best["read"] + best["query"] + best["store"], "checked": checked,
            "lines": lines, "same_sentences": same,
            "runs": [s["read"] + s["query"] + s["store"] for s in runs]}, ""


def measure(backend, url, items, units, registry, options):
    log(f"== {backend}: {items} items, {units} units")
    build_s, summary = build(url, items, units, registry, reuse=options.reuse)
    if build_s == build_s:
        log(f"   built in {build_s:.1f} s")
    # Let the kernel write the freshly built database out now, so that the measures below do not
    # pay for the build's disk writes.
    os.sync()
    profile_path = DATA / f"recalc-{backend}-{items}.prof" if options.profile else None
    recalcs = [recalc_in_child(url, profile_path if n == RUNS - 1 else None) for n in range(RUNS)]
    recalc = dict(min(recalcs, key=lambda r: r["seconds"]), run=recalcs[-1]["run"],
                  rss_mb=max(r["rss_mb"] for r in recalcs))
    log(f"   recalculation {times_text(r['seconds'] for r in recalcs)} s, "
        f"{recalc['lines']} lines, peak RSS {recalc['rss_mb']:.0f} MB")
    database = connect(url)
    previews = [preview(registry) for _ in range(RUNS)]
    log(f"   preview {times_text(first for first, _ in previews)} s, the next one "
        f"{times_text(after for _, after in previews)} s")
    lower_s, sql_totals = lower_bound(registry, database)
    log(f"   SQL lower bound {lower_s:.3f} s")
    checked = check_totals(engine_provincial_totals(database, recalc["run"]), sql_totals)
    log(f"   provincial totals equal to the cent for {checked} units")
    duck, duck_note = measure_anchor(url, recalc["run"], database)
    if duck is None:
        log(f"   DuckDB anchor not measured: {duck_note}")
    sqlite_floor, floor_note = floor.measure(url)
    if sqlite_floor is None:
        log(f"   SQLite floor not measured: {floor_note}")
    else:
        log(f"   SQLite floor: read {sqlite_floor['read_s']:.2f} s ({sqlite_floor['statements']} "
            f"statements, {sqlite_floor['rows']} rows), store {sqlite_floor['store_s']:.2f} s "
            f"({sqlite_floor['lines']} lines); a first preview's reads "
            f"{sqlite_floor['preview_read_s']:.2f} s")
    result = {
        "backend": backend, "items": items, "units": units, "build_s": build_s,
        "recalc_s": recalc["seconds"], "lines": recalc["lines"], "peak_rss_mb": recalc["rss_mb"],
        "preview_s": min(first for first, _ in previews), "lower_bound_s": lower_s,
        "preview_warm_s": min(after for _, after in previews), "checked_units": checked,
        "recalc_runs": [r["seconds"] for r in recalcs], "preview_runs": [p for p, _ in previews],
        "anchor": duck, "anchor_note": duck_note, "floor": sqlite_floor, "floor_note": floor_note,
        "profile": profile_path, "notes": {},
    }
    runs = [r["run"] for r in recalcs]
    if options.office:
        added = office.change_one_adoption(database)
        changed = recalc_in_child(url)
        office.remove_adoption(added)
        runs.append(changed["run"])
        measure_office(result, url, runs, registry, database, options)
    return result


def measure_office(result, url, runs, registry, database, options):
    notes = result["notes"]

    def take(name, figures_and_note):
        figures, note = figures_and_note
        result[name] = figures
        if note:
            notes[name] = note
        log(f"   {name}: {figures if figures else note}")

    take("pages", office.page_times(url, runs))
    take("cli_diff", office.cli_diff(url, runs[0], runs[1]))
    take("cli_diff_changed", office.cli_diff(url, runs[1], runs[2]))
    take("lines_csv", office.export_in_child(url, "lines", "csv"))
    take("lines_xlsx", office.export_in_child(url, "lines", "xlsx"))
    if options.openpyxl_up_to >= result["items"]:
        take("lines_xlsx_openpyxl", office.export_in_child(url, "lines", "xlsx", "openpyxl"))
    if options.export_all_up_to >= result["items"]:
        take("all_xlsx", office.export_in_child(url, "all", "xlsx"))
    take("notification", office.notification(registry))
    take("imports", office.imports(url))
    if options.backup:
        take("backup", office.backup_restore())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="item counts to build and measure, comma-separated")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--postgres", default=os.environ.get("KAOHE_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL URL to measure too (the database is emptied)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the recalculation (cProfile, saved under benchmarks/data/)")
    parser.add_argument("--no-office", dest="office", action="store_false",
                        help="skip the panel, the comparison, the files, the notification, imports")
    parser.add_argument("--export-all-up-to", type=int, default=1_000_000,
                        help="export all data as xlsx up to this size (minutes at 1M items)")
    parser.add_argument("--no-backup", dest="backup", action="store_false",
                        help="skip the backup and restore of the whole database")
    parser.add_argument("--openpyxl-up-to", type=int, default=100_000,
                        help="also write the score lines with openpyxl (the yardstick) up to this size")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the SQLite databases already built under benchmarks/data/ "
                             "(earlier benchmark runs in them are deleted) instead of rebuilding")
    parser.add_argument("--child-recalc", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    parser.add_argument("--child-anchor", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--child-import", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-export", nargs=4, metavar=("URL", "WHAT", "FORMAT", "WRITER"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_recalc:
        child_recalc(args.child_recalc, args.profile_to)
        return
    if args.child_floor:
        floor.child(args.child_floor)
        return
    if args.child_anchor:
        anchor.child(*args.child_anchor)
        return
    if args.child_import:
        office.child_import(*args.child_import)
        return
    if args.child_export:
        office.child_export(*args.child_export)
        return
    DATA.mkdir(parents=True, exist_ok=True)
    from kaohe.plugins.manager import build_registry
    registry = build_registry(entry_points=False)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    results = []
    for items in sizes:
        backends = [("sqlite", f"sqlite:///{DATA / f'kaohe-{items}.sqlite3'}")]
        if args.postgres:
            backends.append(("postgresql", args.postgres))
        for backend, url in backends:
            results.append(measure(backend, url, items, args.units, registry, args))
    if args.profile:
        import pstats
        for path in [r["profile"] for r in results]:
            log(f"== profile {path.name}")
            stats = pstats.Stats(str(path), stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(25)
    write_results(results, machine(), postgres_version(args.postgres) if args.postgres else "")
    log(f"wrote {RESULTS}")
    print(summary_line(results), flush=True)


if __name__ == "__main__":
    main()
