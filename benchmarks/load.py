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
import contextlib
import datetime
import http.client
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START_MARK = "<!-- load-test:start (written by benchmarks/load.py; edit nothing between the marks) -->"
END_MARK = "<!-- load-test:end -->"
PASSWORD = "load-test-password"
KINDS = ("login", "ranking", "explanation", "item list", "item form", "item save", "recalculation")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# ---------------------------------------------------------------- the instance

@dataclass
class Instance:
    """A throw-away Kaohe installation: its folder, environment, accounts and what is in it."""
    folder: Path
    env: dict
    database_url: str
    clerks: list
    admin: str
    scheme_id: int = 0
    year: int = 0
    unit_ids: list = field(default_factory=list)
    run_ids: list = field(default_factory=list)


def kaohe(instance_env, *args, stdin=None):
    command = [str(Path(sys.executable).with_name("kaohe")), *args]
    done = subprocess.run(command, env=instance_env, input=stdin, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"kaohe {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_instance(folder, users, units=None, items=None):
    """`kaohe init-db` and `kaohe demo` in `folder`, then a clerk per user and one administrator."""
    folder = Path(folder)
    url = f"sqlite:///{folder / 'kaohe.sqlite3'}"
    env = dict(os.environ, KAOHE_DATABASE_URL=url, KAOHE_INSTANCE_PATH=str(folder / "instance"),
               KAOHE_SECRET_KEY="load-test-" + os.urandom(8).hex(), PYTHONUNBUFFERED="1")
    env.pop("KAOHE_SECURE_COOKIES", None)
    kaohe(env, "init-db")
    demo = ["demo"]
    if units:
        demo += ["--units", str(units)]
    if items:
        demo += ["--items", str(items)]
    kaohe(env, *demo)
    instance = Instance(folder=folder, env=env, database_url=url,
                        clerks=[f"load-clerk-{n:02d}" for n in range(1, users + 1)],
                        admin="load-admin")
    with connected(url):
        from kaohe.admin.auth import create_user
        from kaohe.core.storage.models import Scheme, SchemeUnit, ScoreRun
        for name in instance.clerks:
            create_user(name, PASSWORD, "clerk", actor="benchmarks/load.py")
        create_user(instance.admin, PASSWORD, "admin", actor="benchmarks/load.py")
        scheme = Scheme.select().order_by(Scheme.id).first()
        instance.scheme_id, instance.year = scheme.id, scheme.year
        instance.unit_ids = [link.unit_id for link in SchemeUnit.select().where(
            SchemeUnit.scheme == scheme)]
        instance.run_ids = [run.id for run in ScoreRun.select().where(ScoreRun.scheme == scheme)]
    return instance


@contextlib.contextmanager
def connected(url):
    """This process connected to the instance's database for a while (the server has its own)."""
    from kaohe.core.storage import db as dbmod
    database = dbmod.configure(url)
    database.connect(reuse_if_open=True)
    try:
        yield database
    finally:
        if not database.is_closed():
            database.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`kaohe serve` (waitress) on 127.0.0.1 as a subprocess, until `stop()`."""

    def __init__(self, instance, threads=8):
        self.port = free_port()
        self.log = open(instance.folder / "serve.log", "w", encoding="utf-8")
        command = [str(Path(sys.executable).with_name("kaohe")), "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--threads", str(threads)]
        self.process = subprocess.Popen(command, env=instance.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("kaohe serve stopped:\n" + self.output())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("kaohe serve did not start within 60 s:\n" + self.output())

    def output(self):
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# ---------------------------------------------------------------- one browser

class Browser:
    """One user's keep-alive connection and session cookie; every request timed under a kind."""

    def __init__(self, port, stats):
        self.port = port
        self.stats = stats
        self.cookies = {}
        self.connection = None

    def request(self, kind, method, path, form=None, expect=(200,)):
        """(status, headers, body text); counted as an error unless the status is expected."""
        body = urlencode(form, doseq=True) if form is not None else None
        headers = {"Accept": "text/html"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.stats.add(kind, time.perf_counter() - started, ok=False,
                           problem=f"{method} {path}: {type(error).__name__}: {error}")
            self.close()
            return 0, {}, ""
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        ok = response.status in expect
        self.stats.add(kind, elapsed, ok=ok,
                       problem=None if ok else f"{method} {path}: HTTP {response.status}")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def login(self, username):
        status, _, page = self.request("login", "GET", "/login")
        token = csrf_token(page)
        status, headers, _ = self.request("login", "POST", "/login", expect=(302,), form={
            "csrf_token": token, "username": username, "password": PASSWORD})
        return status == 302 and "/login" not in urlsplit(headers.get("location", "")).path


def csrf_token(page):
    found = CSRF.search(page)
    return (found.group(1) or found.group(2)) if found else ""


# ---------------------------------------------------------------- what is measured

class Stats:
    """Latencies and errors per kind of request, shared by every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = {kind: [] for kind in KINDS}
        self.errors = {kind: 0 for kind in KINDS}
        self.problems = []

    def add(self, kind, seconds, ok=True, problem=None):
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.problems) < 20:
                    self.problems.append(problem)

    @property
    def total(self):
        return sum(len(times) for times in self.times.values())

    @property
    def error_count(self):
        return sum(self.errors.values())


def percentile(values, fraction):
    """The nearest-rank percentile of `values` (seconds), or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


@dataclass
class Outcome:
    """What a load run did and what it found."""
    stats: Stats
    users: int
    seconds: float
    saved_items: list
    runs: list
    failed_logins: int
    load_before: tuple
    load_after: tuple
    lost_items: list = field(default_factory=list)
    broken_runs: list = field(default_factory=list)


class Shared:
    """The run ids users may browse: the demo's runs plus every run the recalculations add."""

    def __init__(self, run_ids):
        self.lock = threading.Lock()
        self.run_ids = list(run_ids)

    def add_run(self, run_id):
        with self.lock:
            self.run_ids.append(run_id)

    def some_run(self, rng):
        with self.lock:
            return self.run_ids[-1] if rng.random() < 0.7 else rng.choice(self.run_ids)


def user_session(instance, port, username, number, stats, shared, deadline, max_requests, saved,
                 failed_logins):
    """One virtual user: log in, then browse and enter items until the deadline or the budget."""
    rng = random.Random(number)
    browser = Browser(port, stats)
    if not browser.login(username):
        with stats.lock:
            failed_logins.append(username)
        browser.close()
        return
    done, entered = 2, 0
    kinds = ("ranking", "explanation", "item list", "item")
    weights = (3, 4, 2, 2)
    while time.monotonic() < deadline and done < max_requests:
        kind = rng.choices(kinds, weights)[0]
        run_id = shared.some_run(rng)
        if kind == "ranking":
            browser.request("ranking", "GET", f"/results/run/{run_id}/")
            done += 1
        elif kind == "explanation":
            unit_id = rng.choice(instance.unit_ids)
            browser.request("explanation", "GET", f"/results/run/{run_id}/unit/{unit_id}")
            done += 1
        elif kind == "item list":
            browser.request("item list", "GET", f"/items/?page={rng.randrange(5)}")
            done += 1
        else:
            status, _, page = browser.request("item form", "GET", "/items/new/")
            entered += 1
            number_text = f"LOAD-{number:02d}-{entered:04d}"
            unit_id = rng.choice(instance.unit_ids)
            day = datetime.date(instance.year, rng.randrange(1, 13), rng.randrange(1, 29))
            status, headers, _ = browser.request("item save", "POST", "/items/new/", expect=(302,),
                                                 form={
                "csrf_token": csrf_token(page), "no": number_text,
                "title": f"压力测试稿件 {number_text}", "submitted_on": day.isoformat(),
                "category": "news", "solicitation": "__None", "units": [str(unit_id)]})
            if status == 302 and "/items/new/" not in headers.get("location", ""):
                saved.append((number_text, unit_id))
            done += 2
        time.sleep(rng.uniform(0.1, 0.5))
    browser.close()


def recalculations(instance, port, stats, shared, deadline, runs):
    """The administrator recalculates the scheme's year again and again until the deadline."""
    browser = Browser(port, stats)
    if not browser.login(instance.admin):
        raise RuntimeError("the load test's administrator could not log in")
    _, _, page = browser.request("ranking", "GET", f"/results/?scheme={instance.scheme_id}")
    token = csrf_token(page)
    while time.monotonic() < deadline:
        status, headers, _ = browser.request(
            "recalculation", "POST", "/results/recalc", expect=(302,),
            form={"csrf_token": token, "scheme": instance.scheme_id, "period": str(instance.year),
                  "note": "压力测试"})
        found = re.search(r"/results/run/(\d+)/", headers.get("location", ""))
        if status == 302 and found:
            runs.append(int(found.group(1)))
            shared.add_run(int(found.group(1)))
        time.sleep(0.5)
    browser.close()


def run_load(instance, port, users, seconds, max_requests=600, recalc=True):
    """Run `users` users (and the recalculation loop) against the server on `port`."""
    stats, shared = Stats(), Shared(instance.run_ids)
    saved, runs, failed_logins = [], [], []
    load_before = os.getloadavg()
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=user_session, name=f"user-{n}", args=(
        instance, port, instance.clerks[n - 1], n, stats, shared, deadline, max_requests, saved,
        failed_logins)) for n in range(1, users + 1)]
    if recalc:
        threads.append(threading.Thread(target=recalculations, name="recalc", args=(
            instance, port, stats, shared, deadline, runs)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Outcome(stats=stats, users=users, seconds=time.monotonic() - started, saved_items=saved,
                   runs=runs, failed_logins=len(failed_logins), load_before=load_before,
                   load_after=os.getloadavg())


def verify(instance, outcome):
    """Every saved item is stored with its unit; every recalculation stored a whole run."""
    with connected(instance.database_url):
        from kaohe.core.storage.models import Item, ItemUnit, SchemeUnit, ScoreLine, ScoreRun, UnitResult
        members = SchemeUnit.select().where(SchemeUnit.scheme == instance.scheme_id).count()
        for number, unit_id in outcome.saved_items:
            item = Item.get_or_none(Item.no == number)
            if item is None or not ItemUnit.select().where(
                    (ItemUnit.item == item) & (ItemUnit.unit == unit_id)).exists():
                outcome.lost_items.append(number)
        for run_id in outcome.runs:
            run = ScoreRun.get_or_none(ScoreRun.id == run_id)
            if run is None:
                outcome.broken_runs.append(f"{run_id}: missing")
                continue
            lines = ScoreLine.select().where(ScoreLine.run == run).count()
            results = UnitResult.select().where(UnitResult.run == run).count()
            if lines != run.line_count or results != members:
                outcome.broken_runs.append(
                    f"{run_id}: {lines} of {run.line_count} lines, {results} of {members} units")
    return outcome


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


def section(outcome, threads, units, items):
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
        f"(waitress, one process) on 127.0.0.1, SQLite, demo data `kaohe demo`"
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
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument("--max-requests", type=int, default=600, help="per user")
    parser.add_argument("--units", type=int, help="demo units (default the demo city)")
    parser.add_argument("--items", type=int, help="demo items (default the demo city)")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="kaohe-load-"))
    print(f"building the demo instance in {folder} …", flush=True)
    server = None
    try:
        instance = build_instance(folder, args.users, units=args.units, items=args.items)
        server = Server(instance, threads=args.threads)
        print(f"kaohe serve on 127.0.0.1:{server.port}; {args.users} users for {args.seconds:.0f} s …",
              flush=True)
        outcome = run_load(instance, server.port, args.users, args.seconds, args.max_requests)
        server.stop()
        verify(instance, outcome)
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    text = section(outcome, args.threads, args.units, args.items)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"wrote {RESULTS}")
    return 0 if succeeded(outcome) else 1


def succeeded(outcome):
    """No error, nothing lost, every user logged in and at least one recalculation stored."""
    return not (outcome.stats.error_count or outcome.lost_items or outcome.broken_runs
                or outcome.failed_logins or not outcome.runs)


if __name__ == "__main__":
    sys.exit(main())
