"""Province-scale benchmark: build demo data, recalculate, preview, compare with one SQL aggregate, time the panel.

Run `make bench` (100,000 and 1,000,000 items) or `.venv/bin/python benchmarks/bench.py --sizes 100000`
for a quick check. With `--postgres URL` (or KAOHE_BENCH_POSTGRES_URL) every measure is also taken
on that PostgreSQL database, which is emptied first. The figures go to benchmarks/RESULTS.md; the
last line printed is one line of key=value pairs for the largest size measured on SQLite.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from kaohe.core.domain.progress import NoProgress

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

TARGETS = {"recalc_1m_s": 10.0, "recalc_ratio": 5.0, "preview_ratio": 2.0, "peak_rss_mb": 1024.0,
           "page_ms": 300.0}


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- database set-up

def connect(url):
    from kaohe.core.storage import db as dbmod
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    return database


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
    from kaohe.core.storage.models import Item, ReporterResult, Scheme, ScoreLine, ScoreRun, UnitResult
    if not Scheme.select().where(Scheme.name == SCHEME).exists():
        return None
    runs = ScoreRun.select(ScoreRun.id).where(ScoreRun.created_by == "bench")
    with database.atomic():
        for model in (ScoreLine, UnitResult, ReporterResult):
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


# ---------------------------------------------------------------- the measures

def child_recalc(url, profile_path=None):
    """In a fresh process: recalculate the year once, print seconds, lines and peak memory as JSON."""
    connect(url)
    from kaohe.core.runs.store import recalculate
    from kaohe.core.storage.schemes import get_scheme
    from kaohe.plugins.manager import build_registry
    registry = build_registry(entry_points=False)
    scheme = get_scheme(SCHEME)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if profile_path:
        import cProfile
        profiler = cProfile.Profile()
        outcome = profiler.runcall(recalculate, registry, scheme, author="bench")
        profiler.dump_stats(profile_path)
    else:
        outcome = recalculate(registry, scheme, author="bench")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "lines": len(outcome.lines), "run": outcome.run.id,
                      "rss_mb": peak, "baseline_mb": baseline}))


def recalc_in_child(url, profile_path=None):
    command = [sys.executable, str(Path(__file__).resolve()), "--child-recalc", url]
    if profile_path:
        command += ["--profile-to", str(profile_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"重算子进程失败：\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _times(seconds):
    return " / ".join(f"{s:.2f}" for s in seconds)


def preview(registry):
    """What the panel's preview does: the year before and after one point value changed
    (`kaohe.core.scoring.engine.preview`), from what the rule sets count in SQL (`RuleSet.tallies`), nothing
    stored.

    Returns the seconds of the first preview (it reads the period) and of the next one, with
    another value, which reuses what was read while no data has changed (core/storage/revision.py).
    """
    from kaohe.core.scoring.engine import forget_previews
    from kaohe.core.scoring.engine import preview as engine_preview
    from kaohe.core.storage.schemes import current_version, get_scheme, parse_value, with_value
    scheme = get_scheme(SCHEME)
    forget_previews()
    seconds = []
    for value in (PREVIEW_VALUE, PREVIEW_NEXT_VALUE):
        config = with_value(current_version(scheme).config, PREVIEW_PATH, parse_value(value))
        started = time.perf_counter()
        engine_preview(registry, scheme, config=config)
        seconds.append(time.perf_counter() - started)
    forget_previews()
    return seconds


def _cents(value):
    return int(value * 100)


def lower_bound_sql(registry, database):
    """One SQL statement giving each member unit's provincial adoption + instruction points (cents).

    Joint reports are split equally (each share rounded half-up to the cent, as the engine does),
    instructions count once per level per item by their earliest date, and publication overrides
    are matched by name. The point values come from the scheme's current parameters.
    """
    from kaohe.core.storage.schemes import current_version, get_scheme
    scheme = get_scheme(SCHEME)
    entry = next(e for e in current_version(scheme).config["rulesets"] if e["name"] == "provincial")
    params = registry.ruleset("provincial").load_params(entry["params"])
    p = database.param
    cases = []
    for override in params["publication_overrides"]:
        name = override["publication"].strip().strip("《》").strip()
        cases.append(f"WHEN REPLACE(REPLACE(pub.name, '《', ''), '》', '') = '{name}' "
                     f"AND pub.level = '{override['level']}' AND a.form = '{override['form']}' "
                     f"THEN {_cents(override['points'])}")
    for level, forms in params["adoption"].items():
        for form, value in forms.items():
            if value:
                cases.append(f"WHEN pub.level = '{level}' AND a.form = '{form}' THEN {_cents(value)}")
    instruction_cases = " ".join(f"WHEN '{level}' THEN {_cents(value)}"
                                 for level, value in params["instruction"].items() if value)
    sql = f"""
        WITH scored AS (
            SELECT a.item_id AS item_id, CASE {' '.join(cases)} ELSE 0 END AS cents
            FROM adoption a JOIN publication pub ON pub.id = a.publication_id
            WHERE a.adopted_on >= {p} AND a.adopted_on <= {p}
            UNION ALL
            SELECT first.item_id, CASE first.leader_level {instruction_cases} ELSE 0 END
            FROM (SELECT item_id, leader_level, MIN(instructed_on) AS first_on
                  FROM instruction WHERE instructed_on <= {p}
                  GROUP BY item_id, leader_level) first
            WHERE first.first_on >= {p}
        ), shares AS (
            SELECT s.item_id, s.cents,
                   (SELECT COUNT(*) FROM item_unit n WHERE n.item_id = s.item_id) AS n
            FROM scored s WHERE s.cents <> 0
        )
        SELECT iu.unit_id, SUM((2 * sh.cents + sh.n) / (2 * sh.n))
        FROM shares sh
        JOIN item_unit iu ON iu.item_id = sh.item_id
        JOIN scheme_unit su ON su.unit_id = iu.unit_id AND su.scheme_id = {p}
        GROUP BY iu.unit_id
    """
    start, end = datetime.date(scheme.year, 1, 1), datetime.date(scheme.year, 12, 31)
    args = (start, end, end, start, scheme.id)
    if database.__class__.__name__.startswith("Sqlite"):
        args = tuple(a.isoformat() if isinstance(a, datetime.date) else a for a in args)
    return sql, args


def lower_bound(registry, database, repeat=2):
    sql, args = lower_bound_sql(registry, database)
    best, rows = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        rows = database.execute_sql(sql, args).fetchall()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, {unit: int(cents) for unit, cents in rows if cents}


def engine_provincial_totals(database, run_id):
    rows = database.execute_sql(
        f"SELECT unit_id, SUM(points) FROM score_line WHERE run_id = {database.param} "
        f"AND ruleset = 'provincial' AND unit_id IS NOT NULL GROUP BY unit_id", (run_id,)).fetchall()
    return {unit: int(cents) for unit, cents in rows if cents}


def check_totals(engine, sql):
    """Fail loudly unless the engine's provincial totals equal the aggregate's, to the cent."""
    wrong = [(unit, engine.get(unit, 0), sql.get(unit, 0)) for unit in sorted(set(engine) | set(sql))
             if engine.get(unit, 0) != sql.get(unit, 0)]
    if wrong:
        lines = "\n".join(f"  单位 id {u}: 引擎 {e / 100:.2f}，SQL {s / 100:.2f}" for u, e, s in wrong[:20])
        raise SystemExit(f"引擎的省级计分与SQL汇总不一致（{len(wrong)}个单位）：\n{lines}")
    return len(engine)


def page_times(url, run_id, repeat=5):
    """Median response times (ms) of the item list and the ranking page, or a reason for n/a."""
    try:
        from kaohe.admin import create_app
    except (ImportError, AttributeError) as error:
        return None, f"面板不可用：{error}"
    from flask import url_for
    from werkzeug.security import generate_password_hash

    from kaohe.core.storage.models import User
    os.environ.setdefault("KAOHE_INSTANCE_PATH", str(DATA / "instance"))
    try:
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                          "DATABASE_URL": url, "KAOHE_ENTRY_POINTS": False})
        connect(url)
        if not User.select().where(User.username == "bench").exists():
            User.create(username="bench", password_hash=generate_password_hash("bench-pass"),
                        role="admin")
        client = app.test_client()
        with app.test_request_context():
            login = url_for("kaohe_auth.login")
            pages = {"items": url_for("items.index_view"),
                     "ranking": url_for("results.ranking", run_id=run_id)}
        response = client.post(login, data={"username": "bench", "password": "bench-pass"})
        if response.status_code not in (302, 303):
            return None, f"无法登录面板（HTTP {response.status_code}）"
        times = {}
        for name, path in pages.items():
            samples = []
            for _ in range(repeat + 1):
                started = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    return None, f"{path} 返回 HTTP {response.status_code}"
            times[name] = statistics.median(samples[1:])
        return times, ""
    except Exception as error:  # the panel is young: report the reason instead of failing the run
        return None, f"面板出错：{type(error).__name__}: {error}"


def measure(backend, url, items, units, registry, profile=False, pages=True, reuse=False):
    log(f"== {backend}: {items} items, {units} units")
    build_s, summary = build(url, items, units, registry, reuse=reuse)
    if build_s == build_s:
        log(f"   built in {build_s:.1f} s")
    # Let the kernel write the freshly built database out now, so that the measures below do not
    # pay for the build's disk writes.
    os.sync()
    profile_path = DATA / f"recalc-{backend}-{items}.prof" if profile else None
    recalcs = [recalc_in_child(url, profile_path if n == RUNS - 1 else None) for n in range(RUNS)]
    recalc = dict(min(recalcs, key=lambda r: r["seconds"]), run=recalcs[-1]["run"],
                  rss_mb=max(r["rss_mb"] for r in recalcs))
    log(f"   recalculation {_times(r['seconds'] for r in recalcs)} s, "
        f"{recalc['lines']} lines, peak RSS {recalc['rss_mb']:.0f} MB")
    database = connect(url)
    previews = [preview(registry) for _ in range(RUNS)]
    preview_s = min(first for first, _ in previews)
    preview_warm_s = min(after for _, after in previews)
    log(f"   preview {_times(first for first, _ in previews)} s, the next one "
        f"{_times(after for _, after in previews)} s")
    lower_s, sql_totals = lower_bound(registry, database)
    log(f"   SQL lower bound {lower_s:.3f} s")
    checked = check_totals(engine_provincial_totals(database, recalc["run"]), sql_totals)
    log(f"   provincial totals equal to the cent for {checked} units")
    page, why = page_times(url, recalc["run"]) if pages else (None, "未测（--no-pages）")
    log(f"   pages {page if page else why}")
    return {
        "backend": backend, "items": items, "units": units, "build_s": build_s,
        "recalc_s": recalc["seconds"], "lines": recalc["lines"], "peak_rss_mb": recalc["rss_mb"],
        "baseline_rss_mb": recalc["baseline_mb"], "preview_s": preview_s, "lower_bound_s": lower_s,
        "preview_warm_s": preview_warm_s, "preview_warm_ratio": preview_warm_s / lower_s,
        "recalc_ratio": recalc["seconds"] / lower_s, "preview_ratio": preview_s / lower_s,
        "checked_units": checked, "pages": page, "pages_note": why,
        "recalc_runs": [r["seconds"] for r in recalcs], "preview_runs": [p for p, _ in previews],
        "adopted": summary["counts"]["adopted_items"], "adoptions": summary["counts"]["adoptions"],
        "profile": profile_path,
    }


# ---------------------------------------------------------------- reporting

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
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M")}


def fmt_ms(pages, name):
    return f"{pages[name]:.0f}" if pages else "n/a"


def fmt_build(result):
    return "reused" if result["build_s"] != result["build_s"] else f"{result['build_s']:.1f}"


def page_ms(result):
    return max(result["pages"].values()) if result["pages"] else None


def write_results(results, info, postgres_version):
    lines = [
        "# Benchmark results",
        "",
        f"Written by `benchmarks/bench.py` on {info['date']}: {info['cores']} cores, "
        f"{info['memory']} memory, {info['platform']}, Python {info['python']}, "
        f"SQLite {info['sqlite']}" + (f", {postgres_version}" if postgres_version else "") + ".",
        "",
        f"Data: `kaohe demo --units {UNITS} --items N --seed {SEED}`. Recalculation: the whole "
        f"year {SCHEME} (provincial, county_bonus, urgent_penalty), every score line stored, in a "
        "fresh process (its peak resident set is the memory figure). Preview: what the panel does, "
        f"`kaohe.core.scoring.engine.preview` (before, and after `{PREVIEW_PATH}` = {PREVIEW_VALUE}), nothing "
        "stored: the rule sets count their item lines in SQL (`RuleSet.tallies`) instead of "
        "reading every row, with the same totals to the cent; \"next preview\": the administrator "
        f"then tries {PREVIEW_NEXT_VALUE}, and the counts read for the first preview are reused "
        "because no data changed in between (the data revision, core/storage/revision.py). Lower "
        "bound: one SQL aggregate of the provincial adoption and instruction points per unit "
        "(checked equal to the engine's stored provincial lines, to the cent). Every time is the "
        f"better of {RUNS} runs, the lower bound's as the others (all runs are listed below).",
        "",
        "| backend | items | build s | recalc s | score lines | preview s | next preview s "
        "| SQL lower bound s | recalc ÷ bound | preview ÷ bound | next preview ÷ bound "
        "| peak RSS MB | item list ms | ranking ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['items']:,} | {fmt_build(r)} | {r['recalc_s']:.2f} | "
            f"{r['lines']:,} | {r['preview_s']:.2f} | {r['preview_warm_s']:.2f} | "
            f"{r['lower_bound_s']:.3f} | {r['recalc_ratio']:.1f} | {r['preview_ratio']:.1f} | "
            f"{r['preview_warm_ratio']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{fmt_ms(r['pages'], 'items')} | {fmt_ms(r['pages'], 'ranking')} |")
    lines += ["", "Runs: " + "; ".join(
        f"{r['backend']} {r['items']:,}: recalculation {_times(r['recalc_runs'])} s, "
        f"preview {_times(r['preview_runs'])} s" for r in results) + "."]
    notes = [r for r in results if r["pages_note"]]
    if notes:
        lines += ["", "Panel pages: " + "; ".join(f"{r['backend']} {r['items']:,}: {r['pages_note']}"
                                                 for r in notes)]
    sqlite_runs = [r for r in results if r["backend"] == "sqlite"]
    if len(sqlite_runs) >= 2:
        small, big = sqlite_runs[0], sqlite_runs[-1]
        factor = big["items"] / small["items"]
        lines += ["", f"Growth {small['items']:,} → {big['items']:,} items (×{factor:.0f}) on SQLite: "
                      f"recalculation ×{big['recalc_s'] / small['recalc_s']:.1f}, preview "
                      f"×{big['preview_s'] / small['preview_s']:.1f}, lower bound "
                      f"×{big['lower_bound_s'] / small['lower_bound_s']:.1f}."]
    if sqlite_runs:
        top = sqlite_runs[-1]
        checks = [
            ("full recalculation", f"{top['recalc_s']:.2f} s", "≤ 10 s", top["recalc_s"] <= 10),
            ("recalculation ÷ lower bound", f"{top['recalc_ratio']:.1f}", "≤ 5",
             top["recalc_ratio"] <= 5),
            ("preview ÷ lower bound (first, reads the period)", f"{top['preview_ratio']:.1f}", "≤ 2",
             top["preview_ratio"] <= 2),
            ("preview ÷ lower bound (next, what it read kept)", f"{top['preview_warm_ratio']:.1f}", "≤ 2",
             top["preview_warm_ratio"] <= 2),
            ("peak RSS", f"{top['peak_rss_mb']:.0f} MB", "< 1024 MB", top["peak_rss_mb"] < 1024),
            ("slowest page", "n/a" if page_ms(top) is None else f"{page_ms(top):.0f} ms", "< 300 ms",
             None if page_ms(top) is None else page_ms(top) < 300),
        ]
        lines += ["", f"Targets at {top['items']:,} items on SQLite:", "",
                  "| measure | value | target | met |", "|---|---:|---:|---|"]
        for name, value, target, met in checks:
            lines.append(f"| {name} | {value} | {target} | "
                         f"{'n/a' if met is None else '是' if met else '否'} |")
    RESULTS.write_text("\n".join(lines) + "\n" + _other_sections(), encoding="utf-8")


def _other_sections():
    """The load test's section of RESULTS.md (written by load.py), kept when the figures above change."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start, end = "<!-- load-test:start", "<!-- load-test:end -->"
    if start not in current or end not in current:
        return ""
    return "\n" + current[current.index(start):current.index(end) + len(end)] + "\n"


def summary_line(results):
    sqlite_runs = [r for r in results if r["backend"] == "sqlite"] or results
    top = sqlite_runs[-1]
    page = page_ms(top)
    return (f"recalc_1m_s={top['recalc_s']:.2f} lower_bound_1m_s={top['lower_bound_s']:.3f} "
            f"recalc_ratio={top['recalc_ratio']:.2f} preview_1m_s={top['preview_s']:.2f} "
            f"preview_ratio={top['preview_ratio']:.2f} "
            f"preview_next_1m_s={top['preview_warm_s']:.2f} "
            f"preview_next_ratio={top['preview_warm_ratio']:.2f} peak_rss_mb={top['peak_rss_mb']:.0f} "
            f"page_ms={'n/a' if page is None else f'{page:.0f}'}")


def postgres_version(url):
    connect(url)
    from kaohe.core.storage import db as dbmod
    return "PostgreSQL " + dbmod.db.execute_sql("SHOW server_version").fetchone()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="item counts to build and measure, comma-separated")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--postgres", default=os.environ.get("KAOHE_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL URL to measure too (the database is emptied)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the recalculation (cProfile, saved under benchmarks/data/)")
    parser.add_argument("--no-pages", action="store_true", help="skip the panel pages")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the SQLite databases already built under benchmarks/data/ "
                             "(earlier benchmark runs in them are deleted) instead of rebuilding")
    parser.add_argument("--child-recalc", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_recalc:
        child_recalc(args.child_recalc, args.profile_to)
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
            results.append(measure(backend, url, items, args.units, registry, profile=args.profile,
                                   pages=not args.no_pages, reuse=args.reuse))
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
