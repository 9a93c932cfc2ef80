"""Load test: concurrent users against `kaohe serve` (waitress) on loopback while recalculations run.

`make load` (or `.venv/bin/python benchmarks/load.py`) builds a fresh demo instance in a temporary
folder, creates the accounts of the load (one clerk per virtual user and an administrator),
starts `kaohe serve` on 127.0.0.1 on a free port and runs the users for a bounded time. Each user
logs in through the login form, then browses rankings, opens explanations, lists items and enters
new items through the panel's item form (with its CSRF token), with a short think time between
requests. Meanwhile the administrator recalculates the year over and over through the panel.
Afterwards it checks that nothing was lost (every item a user was told was saved is in the
database with its unit; every recalculation stored a whole run) and writes p50/p95 latency per
kind of request, the request and error counts and the machine's load to the "Load test" section
of benchmarks/RESULTS.md (the rest of that file is left as it is).

Plain threads and http.client from the standard library: no load-testing framework to install,
and tests/test_load.py runs the same code with three users for a few seconds.
"""
import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # serving.py, also when loaded by path

from serving import (  # noqa: E402,F401 (the load test's parts, used from here by tests/test_serve.py)
    END_MARK, KINDS, RESULTS, START_MARK, Browser, Server, Stats, build_instance, percentile, run_load,
    verify)

# ---------------------------------------------------------------- the report

def memory_gib():
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def ms(seconds):
    return "—" if seconds is None else f"{seconds * 1000:.0f}"


def section(outcome, threads, units, items, workers=1):
    """The markdown of the "Load test" section, marks included."""
    stats = outcome.stats
    memory = memory_gib()
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    every = [t for times in stats.times.values() for t in times]
    lines = [
        START_MARK,
        "## Load test",
        "",
        f"Written by `benchmarks/load.py` on {when}: {os.cpu_count()} cores, "
        + (f"{memory:.1f} GiB memory, " if memory else "")
        + f"{platform.platform()}, Python {platform.python_version()}. Load average (1, 5, 15 min) "
        f"before {' '.join(f'{x:.2f}' for x in outcome.load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in outcome.load_after)}.",
        "",
        f"{outcome.users} users for {outcome.seconds:.0f} s against `kaohe serve --threads {threads}` "
        + ("(waitress, one process)" if workers == 1 else f"(waitress, {workers} processes)")
        + " on 127.0.0.1, SQLite, demo data `kaohe demo`"
        + (f" --units {units}" if units else "") + (f" --items {items}" if items else "")
        + ". Each user logs in through the login form, then browses rankings, opens explanations, "
        "lists items and enters items through the panel's item form (CSRF token included), "
        "0.1–0.5 s between requests; meanwhile an administrator recalculates the whole year "
        "through the panel, one recalculation after another.",
        "",
        "| request | count | errors | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        times = stats.times[kind]
        lines.append(f"| {kind} | {len(times):,} | {stats.errors[kind]} | "
                     f"{ms(percentile(times, 0.5))} | {ms(percentile(times, 0.95))} | "
                     f"{ms(max(times) if times else None)} |")
    lines.append(f"| **all** | **{stats.total:,}** | **{stats.error_count}** | "
                 f"{ms(percentile(every, 0.5))} | **{ms(percentile(every, 0.95))}** | "
                 f"{ms(max(every) if every else None)} |")
    lost = len(outcome.lost_items) + len(outcome.broken_runs)
    lines += [
        "",
        f"Nothing lost: {len(outcome.saved_items):,} items saved by the users, "
        f"{len(outcome.saved_items) - len(outcome.lost_items):,} found in the database with their "
        f"unit; {len(outcome.runs)} recalculations, "
        f"{len(outcome.runs) - len(outcome.broken_runs)} stored whole (every unit's result and "
        f"every score line). " + ("**Nothing was lost.**" if not lost else "**Data was lost.**"),
    ]
    if outcome.failed_logins:
        lines.append(f"\n{outcome.failed_logins} users could not log in.")
    if stats.problems:
        lines += ["", "First errors:", ""] + [f"- `{problem}`" for problem in stats.problems[:10]]
    lines.append(END_MARK)
    return "\n".join(lines) + "\n"


def write_section(text, path=RESULTS):
    """Put the section between its marks, replacing the earlier one; the rest stays as it is."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if START_MARK in current and END_MARK in current:
        before = current[:current.index(START_MARK)]
        after = current[current.index(END_MARK) + len(END_MARK):].lstrip("\n")
        updated = before + text + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="per number of workers")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads per process")
    parser.add_argument("--workers", default="1,2,4",
                        help="numbers of `kaohe serve` processes on the one database, comma-separated; "
                             "the users are spread over them in turn")
    parser.add_argument("--max-requests", type=int, default=600, help="per user")
    parser.add_argument("--units", type=int, help="demo units (default the demo city)")
    parser.add_argument("--items", type=int, help="demo items (default the demo city)")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",") if n.strip()]

    folder = Path(tempfile.mkdtemp(prefix="kaohe-load-"))
    print(f"building the demo instance in {folder} …", flush=True)
    outcomes = {}
    try:
        instance = build_instance(folder, args.users, units=args.units, items=args.items)
        for workers in counts:
            servers = []
            try:
                servers = [Server(instance, threads=args.threads) for _ in range(workers)]
                ports = [server.port for server in servers]
                print(f"{workers} × kaohe serve on 127.0.0.1:{','.join(map(str, ports))}; "
                      f"{args.users} users for {args.seconds:.0f} s …", flush=True)
                outcomes[workers] = run_load(instance, ports, args.users, args.seconds,
                                             args.max_requests)
            finally:
                for server in servers:
                    server.stop()
            verify(instance, outcomes[workers])
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    text = sections(outcomes, args.threads, args.units, args.items)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"wrote {RESULTS}")
    return 0 if all(succeeded(outcome) for outcome in outcomes.values()) else 1


def sections(outcomes, threads, units, items):
    """The "Load test" section for runs with 1, 2, 4 … processes: p95 side by side, then each run."""
    if len(outcomes) == 1:
        (workers, outcome), = outcomes.items()
        return section(outcome, threads, units, items, workers)
    rows = ["| `kaohe serve` processes | requests | errors | p50 ms | p95 ms | max ms "
            "| recalculations |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for workers, outcome in outcomes.items():
        every = [t for times in outcome.stats.times.values() for t in times]
        rows.append(f"| {workers} | {outcome.stats.total:,} | {outcome.stats.error_count} | "
                    f"{ms(percentile(every, 0.5))} | **{ms(percentile(every, 0.95))}** | "
                    f"{ms(max(every) if every else None)} | {len(outcome.runs)} |")
    parts = [section(outcome, threads, units, items, workers).replace(START_MARK + "\n", "")
             .replace(END_MARK, "").replace("## Load test", f"### {workers} × `kaohe serve`")
             for workers, outcome in outcomes.items()]
    return "\n".join([START_MARK, "## Load test", "",
                      "The same users against 1, 2 and 4 `kaohe serve` processes on one SQLite "
                      "database (each with its own waitress threads; the users spread over them in "
                      "turn, the recalculations on the first):", ""] + rows + [""]
                     + [p.strip() + "\n" for p in parts] + [END_MARK]) + "\n"


def succeeded(outcome):
    """No error, nothing lost, every user logged in and at least one recalculation stored."""
    return not (outcome.stats.error_count or outcome.lost_items or outcome.broken_runs
                or outcome.failed_logins or not outcome.runs)


if __name__ == "__main__":
    sys.exit(main())
