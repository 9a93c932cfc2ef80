"""Recalculations as jobs: joined when identical, one at a time per scheme, progress in the panel
and the API, a time limit that stops a hanging rule set, rate limits, and trial runs pruned."""

import datetime
import shutil
import threading
import time
from pathlib import Path

import pytest

from kaohe.core.runs import bounded, jobs
from kaohe.core.runs.results import publish
from kaohe.core.storage.models import AuditLog, RecalcJob, ScoreRun, User, now
from kaohe.core.storage.schemes import create_scheme
from kaohe.core.storage.tokens import issue_token
from kaohe.plugins.manager import build_registry
from tests import factories as f
from tests.admin_support import PASSWORD, account, form_values

FIXTURES = Path(__file__).parent / "plugins_fixtures"


# An office of two counties with one adoption each (常山县 20 points for a provincial full
# adoption, 开化县 5 for a combined one), a scheme with `provincial`, and a plugins folder that may
# hold the rule set `hangs`; the panel app over them (CSRF off), its settings per test.
@pytest.fixture
def office(database, tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    for name in ("hangs", "huge_amount"):
        shutil.copy(FIXTURES / f"{name}.py", folder / f"{name}.py")
    registry = build_registry(plugins_dir=folder, entry_points=False)
    changshan, kaihua = f.unit("C01", "常山县"), f.unit("C02", "开化县")
    provincial = f.publication("P01", "provincial", "省政府信息")
    f.adoption(f.item(changshan, "2025-03-02", no="A-1"), provincial, "2025-03-10", "full")
    f.adoption(f.item(kaihua, "2025-03-03", no="B-1"), provincial, "2025-03-12", "combined")
    scheme = create_scheme(registry, "测试方案", 2025, ["provincial"], author="test")
    hanging = create_scheme(registry, "挂起方案", 2025, ["provincial", "hangs"], author="test")
    create_scheme(registry, "过大方案", 2025, ["provincial", "huge_amount"], author="test")
    clerk = account("clerk", "clerk")
    return {"scheme": scheme, "hanging": hanging, "folder": folder, "clerk": clerk,
            "token": issue_token(clerk)}


@pytest.fixture
def make_app(office):
    from kaohe.admin import create_app

    def make(**config):
        return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-only",
                           "KAOHE_PLUGINS_DIR": str(office["folder"]), "KAOHE_ENTRY_POINTS": False,
                           **config})
    return make


def api_post(client, office, path, body=None):
    return client.post(f"/api/v1{path}", json=body,
                       headers={"Authorization": f"Bearer {office['token']}"})


def api_get(client, office, path):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {office['token']}"})


def wait_for(job_id, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = RecalcJob.get_by_id(job_id)
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end in {seconds} s")


# ---------------------------------------------------------------- joined, one at a time

def test_ten_identical_requests_store_one_run(office):
    asked = [jobs.submit(office["scheme"], "2025-03", "clerk", start=False) for _ in range(10)]
    assert len({job.id for job, _joined in asked}) == 1
    assert [joined for _job, joined in asked] == [False] + [True] * 9
    jobs.work(asked[0][0].id, registry_factory=_registry(office))
    job = RecalcJob.get_by_id(asked[0][0].id)
    assert job.state == "done", job.message
    assert ScoreRun.select().count() == 1
    assert [(r.unit.code, r.points) for r in job.run.unit_results.order_by(1)] == [
        ("C01", 20), ("C02", 5)]


def _registry(office):
    import functools
    return functools.partial(build_registry, plugins_dir=office["folder"], entry_points=False)


def test_a_schemes_jobs_run_one_at_a_time_in_the_order_asked(office):
    first, _ = jobs.submit(office["scheme"], "2025-03", "clerk", start=False)
    second, _ = jobs.submit(office["scheme"], "2025-04", "clerk", start=False)
    other, _ = jobs.submit(office["hanging"], "2025-03", "clerk", start=False)
    assert not jobs.claim(second.id, jobs.Limits())  # an earlier job of the scheme waits
    assert jobs.claim(first.id, jobs.Limits())
    assert not jobs.claim(second.id, jobs.Limits())  # the scheme's job is running
    assert jobs.claim(other.id, jobs.Limits())  # another scheme is not held up
    RecalcJob.update(state="done").where(RecalcJob.id == first.id).execute()
    assert jobs.claim(second.id, jobs.Limits())


def test_a_job_whose_process_died_is_failed_and_frees_the_scheme(office):
    dead, _ = jobs.submit(office["scheme"], "2025-03", "clerk", start=False)
    assert jobs.claim(dead.id, jobs.Limits())
    RecalcJob.update(heartbeat_at=now() - datetime.timedelta(minutes=11)) \
        .where(RecalcJob.id == dead.id).execute()
    again, joined = jobs.submit(office["scheme"], "2025-03", "clerk", start=False)
    assert not joined and again.id != dead.id
    dead = RecalcJob.get_by_id(dead.id)
    assert dead.state == "failed" and "计算进程已中止" in dead.message
    assert jobs.claim(again.id, jobs.Limits())


# ---------------------------------------------------------------- the API and the panel

def test_the_panel_tells_when_two_rule_sets_scored_the_same_adoptions(office, make_app):
    registry = build_registry(plugins_dir=office["folder"], entry_points=False)
    both = create_scheme(registry, "重复方案", 2025, ["provincial", "environment"], author="test")
    client = make_app().test_client()
    assert client.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 302
    body = client.post("/results/recalc", data={"scheme": both.id, "period": "2025-03"},
                       follow_redirects=True).data.decode()
    assert "计算完成" in body and "请注意：" in body
    assert "对同一采用重复计分（2次），请确认是否应同时启用" in body
    assert "对同一采用重复计分" in RecalcJob.get().message


def test_the_api_answers_at_once_and_the_job_tells_its_progress(office, make_app):
    client = make_app(KAOHE_RECALC_WAIT_SECONDS=0).test_client()
    response = api_post(client, office, "/schemes/测试方案/recalc", {"period": "2025-03"})
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/jobs/{body['job']}"
    assert (body["scheme"], body["period"], body["joined"]) == ("测试方案", "2025-03", False)
    assert body["state"] in ("queued", "running")  # the job's thread may have started already
    joined = api_post(client, office, "/schemes/测试方案/recalc", {"period": "2025-03"}).get_json()
    assert (joined["job"], joined["joined"]) == (body["job"], True)
    wait_for(body["job"])
    done = api_get(client, office, f"/jobs/{body['job']}").get_json()
    assert done["state"] == "done" and done["run"] == ScoreRun.get().id and done["message"] == ""
    assert ScoreRun.select().count() == 1
    assert api_get(client, office, "/jobs/999999999999999999999").status_code == 404


def test_the_panel_shows_a_jobs_progress_then_its_ranking(office, make_app):
    app = make_app(KAOHE_RECALC_WAIT_SECONDS=0)
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    response = client.post("/results/recalc", data={"scheme": office["scheme"].id, "period": "2025-03"})
    job = RecalcJob.get()
    assert response.headers["Location"] == f"/results/job/{job.id}"
    page = client.get(f"/results/job/{job.id}?stay=1").data.decode()
    assert 'id="job-progress"' in page and "测试方案" in page
    wait_for(job.id)
    finished = client.get(f"/results/job/{job.id}")
    assert finished.headers["Location"] == f"/results/run/{RecalcJob.get().run_id}/"


def test_a_hanging_rule_set_is_stopped_at_its_time_limit_and_named(office, make_app):
    app = make_app(KAOHE_RULESET_SECONDS=1, KAOHE_RECALC_WAIT_SECONDS=30)
    client = app.test_client()
    started = time.monotonic()
    response = api_post(client, office, "/schemes/挂起方案/recalc", {"period": "2025-03"})
    assert time.monotonic() - started < 25
    assert response.status_code == 400
    assert response.get_json() == {"error": "规则集「hangs」计算超过 1 秒仍未完成，已停止；本次计算未保存，"
                                            "已有结果保持不变。请检查该规则集或调整时限（KAOHE_RULESET_SECONDS）"}
    assert ScoreRun.select().count() == 0
    assert RecalcJob.get().state == "failed"
    # The scheme is free again: the next request is a new job, not a join of the stopped one.
    again = api_post(client, office, "/schemes/挂起方案/recalc", {"period": "2025-03"})
    assert again.status_code == 400 and RecalcJob.select().count() == 2


def test_a_preview_of_a_hanging_rule_set_answers_at_its_time_limit(office, make_app, monkeypatch):
    """The tuning page's preview runs the rule sets in the server: a hanging one holds a preview
    thread, not the request, and once the preview threads are held previews are refused at once."""
    # This test's own preview threads: those it leaves held are not the other tests'.
    monkeypatch.setattr(bounded, "_free", threading.BoundedSemaphore(bounded.PREVIEW_THREADS))
    client = make_app(KAOHE_RULESET_SECONDS=1).test_client()
    account("admin", "admin")
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    page = f"/schemes/{office['hanging'].id}/tune"
    values = form_values(client.get(page).data.decode(), "tune-form")
    for _ in range(bounded.PREVIEW_THREADS):
        started = time.monotonic()
        body = client.post(page, data={**values, "action": "preview"}).data.decode()
        assert time.monotonic() - started < 10
        assert "预览超过 1 秒仍未完成，已放弃；某个规则集可能卡住了" in body
    started = time.monotonic()
    body = client.post(page, data={**values, "action": "preview"}).data.decode()
    assert time.monotonic() - started < 1
    assert f"此前的{bounded.PREVIEW_THREADS}次预览超过时限后仍未结束" in body
    assert ScoreRun.select().count() == 0


def test_kaohe_recalc_is_a_job_with_the_same_time_limit(office, kaohe, monkeypatch):
    monkeypatch.setenv("KAOHE_PLUGINS_DIR", str(office["folder"]))
    monkeypatch.setenv("KAOHE_RULESET_SECONDS", "1")
    started = time.monotonic()
    code, out, err = kaohe("recalc", "挂起方案", "--period", "2025-03")
    assert time.monotonic() - started < 25
    assert code == 1 and "规则集「hangs」计算超过 1 秒仍未完成，已停止" in err
    assert ScoreRun.select().count() == 0
    assert [(j.requested_by, j.state) for j in RecalcJob.select()] == [("kaohe", "failed")]
    code, out, err = kaohe("recalc", "测试方案", "--period", "2025-03")
    assert code == 0 and out.startswith("第 1 次计算完成：测试方案 2025年3月，2家单位")


def test_kaohe_recalc_joins_the_same_periods_job_in_progress(office, kaohe):
    queued, _ = jobs.submit(office["scheme"], "2025-03", "clerk", start=False)

    def ends_it():
        time.sleep(0.5)
        RecalcJob.update(state="failed", message="别处的计算失败了").where(
            RecalcJob.id == queued.id).execute()
    threading.Thread(target=ends_it).start()
    code, out, err = kaohe("recalc", "测试方案", "--period", "2025-03")
    assert f"（第 {queued.id} 号任务）正在进行，等待其完成" in err
    assert code == 1 and "别处的计算失败了" in err
    assert RecalcJob.select().count() == 1 and ScoreRun.select().count() == 0


def test_an_account_over_its_rate_is_refused_with_retry_after(office, make_app):
    client = make_app(KAOHE_RECALC_PER_ACCOUNT=2, KAOHE_RECALC_RATE_SECONDS=600).test_client()
    for month in ("2025-01", "2025-02"):
        assert api_post(client, office, "/schemes/测试方案/recalc", {"period": month}).status_code == 200
    refused = api_post(client, office, "/schemes/测试方案/recalc", {"period": "2025-03"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 601
    assert refused.get_json()["error"].startswith("账号「clerk」在 10 分钟内已发起 2 次计算，请")
    assert ScoreRun.select().count() == 2
    # Another account is not held back by the clerk's rate.
    other = account("clerk2", "clerk")
    response = client.post("/api/v1/schemes/测试方案/recalc", json={"period": "2025-03"},
                           headers={"Authorization": f"Bearer {issue_token(other)}"})
    assert response.status_code == 200


# ---------------------------------------------------------------- retention

def test_old_trial_runs_are_pruned_and_published_ones_kept(office, make_app):
    client = make_app(KAOHE_TRIAL_RUNS_KEPT=2).test_client()

    def recalc():
        return api_post(client, office, "/schemes/测试方案/recalc", {"period": "2025-03"}).get_json()["run"]
    first = recalc()
    publish(ScoreRun.get_by_id(first), "admin")
    runs = [first] + [recalc() for _ in range(3)]
    kept = [r.id for r in ScoreRun.select().order_by(ScoreRun.id)]
    assert kept == [first, runs[2], runs[3]]  # the published run, and the newest two trial runs
    entry = AuditLog.select().where(AuditLog.action == "run.prune").get()
    assert entry.old == {"runs": [runs[1]]}
    assert User.select().count() == 1


# ---------------------------------------------------------------- amounts out of range

def test_an_amount_out_of_range_fails_the_run_with_the_clear_message(office, make_app):
    client = make_app().test_client()
    response = api_post(client, office, "/schemes/过大方案/recalc", {"period": "2025-03"})
    assert (response.status_code, response.get_json()) == (400, {
        "error": "规则集「huge_amount」返回了无效的计分行：分值超出范围：1E+30 分、0.00 元（每一行的绝对值"
                 "不能超过 1000000000）；本次计算未保存，已有结果保持不变"})
    assert ScoreRun.select().count() == 0


# ---------------------------------------------------------------- several serving processes

ASK = r"""
import sys
from kaohe.core.runs import jobs
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.models import Scheme
dbmod.configure()
dbmod.db.connect()
job, joined = jobs.submit(Scheme.get(Scheme.name == sys.argv[1]), "2025-03", sys.argv[2], start=False)
print(job.id, joined)
"""


def test_processes_asking_at_once_share_one_job(office, tmp_path):
    import os
    import subprocess
    import sys
    script = tmp_path / "ask.py"
    script.write_text(ASK, encoding="utf-8")
    dbmod_url = os.environ["KAOHE_DATABASE_URL"]
    asking = [subprocess.Popen([sys.executable, str(script), "测试方案", f"clerk{n}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "KAOHE_DATABASE_URL": dbmod_url})
              for n in range(4)]
    answers = []
    for process in asking:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        answers.append(out.split())
    assert len({job for job, _joined in answers}) == 1
    assert sorted(joined for _job, joined in answers) == ["False", "True", "True", "True"]
    assert RecalcJob.select().count() == 1


def test_the_runs_page_lists_the_jobs_in_progress(office, make_app):
    client = make_app().test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    job, _ = jobs.submit(office["scheme"], "2025-03", "clerk", start=False)
    page = client.get(f"/results/?scheme={office['scheme'].id}").data.decode()
    assert 'id="active-jobs"' in page and f"/results/job/{job.id}?stay=1" in page
    progress = client.get(f"/results/job/{job.id}").data.decode()
    assert "排队中：同一考核方案的另一次计算完成后开始" in progress
    assert '<meta http-equiv="refresh" content="2">' in progress
