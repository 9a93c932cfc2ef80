"""The load test's parts: a throw-away instance, `kaohe serve` processes, virtual users and what they time."""

import contextlib
import datetime
import http.client
import itertools
import os
import random
import re
import socket
import subprocess
import sys
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
KINDS = ("login", "ranking", "explanation", "item list", "item form", "item save", "recalculation",
         "recalculation progress")
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
    # The administrator recalculates again and again, over several rounds: lift the account's
    # rate of recalculations (10 in 10 minutes by default), which would refuse most of them.
    (folder / "instance").mkdir(parents=True, exist_ok=True)
    (folder / "instance" / "config.py").write_text("KAOHE_RECALC_PER_ACCOUNT = 0\n", encoding="utf-8")
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
        """One request of `kind` and its time; `seconds` None counts a failure of a request
        already timed (an answer whose status was right but which did not do what it should)."""
        with self.lock:
            if seconds is not None:
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
    """The run ids users may browse: the demo's runs, then the newest the recalculations add."""

    def __init__(self, run_ids):
        self.lock = threading.Lock()
        self.run_ids = list(run_ids)

    def add_run(self, run_id):
        """A run just stored; the oldest are forgotten, as the panel deletes trial runs beyond
        the 20 newest of a period (KAOHE_TRIAL_RUNS_KEPT): users open only the last 10."""
        with self.lock:
            self.run_ids = (self.run_ids + [run_id])[-RUNS_BROWSED:]

    def some_run(self, rng):
        with self.lock:
            return self.run_ids[-1] if rng.random() < 0.7 else rng.choice(self.run_ids)


def user_session(instance, port, username, number, stats, shared, deadline, max_requests, saved,
                 failed_logins, round_no=1):
    """One virtual user: log in, then browse and enter items until the deadline or the budget.
    Its items are numbered by the round (each run_load on an instance is one) so that a later
    round's items are new items, not numbers already taken."""
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
            number_text = f"LOAD{round_no}-{number:02d}-{entered:04d}"
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
        answered = status == 302  # else counted as an error already
        location = headers.get("location", "") if answered else ""
        # A recalculation not done at once answers with its progress page, which reloads until
        # the run is stored: follow it as the browser does.
        while "/results/job/" in location and time.monotonic() < deadline + 300:
            time.sleep(0.5)
            status, headers, _ = browser.request("recalculation progress", "GET",
                                                 urlsplit(location).path, expect=(200, 302))
            if status == 302:
                location = headers.get("location", "")
            elif status != 200:
                break
        found = re.search(r"/results/run/(\d+)/", location)
        if found:
            runs.append(int(found.group(1)))
            shared.add_run(int(found.group(1)))
        elif answered:  # refused (e.g. over the account's rate) or failed: no run was stored
            stats.add("recalculation", None, ok=False,
                      problem=f"POST /results/recalc led to {location or status}, not to a stored run")
        time.sleep(0.5)
    browser.close()


_ROUNDS = itertools.count(1)
RUNS_BROWSED = 10


def run_load(instance, port, users, seconds, max_requests=600, recalc=True):
    """Run `users` users (and the recalculation loop) against the server on `port`, or spread
    over the servers of a list of ports (user n on the n-th, in turn; recalculations on the first)."""
    ports = list(port) if isinstance(port, (list, tuple)) else [port]
    stats, shared = Stats(), Shared(instance.run_ids)
    round_no = next(_ROUNDS)
    saved, runs, failed_logins = [], [], []
    load_before = os.getloadavg()
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=user_session, name=f"user-{n}", args=(
        instance, ports[(n - 1) % len(ports)], instance.clerks[n - 1], n, stats, shared, deadline,
        max_requests, saved, failed_logins, round_no)) for n in range(1, users + 1)]
    if recalc:
        threads.append(threading.Thread(target=recalculations, name="recalc", args=(
            instance, ports[0], stats, shared, deadline, runs)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    instance.run_ids = shared.run_ids  # the next round's users browse runs that still exist
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
