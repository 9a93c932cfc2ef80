"""The texts Kaohe stores beside what it did, said in English (issue #13's last gap): an audit
entry's summary and a recalculation job's message are kept with how they were said
(AuditLog.summary_words, RecalcJob.message_words, schema version 9), the panel in English says
them from their templates; Chinese is unchanged, an entry written before version 9 or words that
no longer make the text show the Chinese, and the audit chain of the old entries still holds."""

import csv
import datetime
import functools
import hashlib
import html
import json
import re

from kaohe.core.domain.sentences import Sentence, listing, said_from, say, words_of
from kaohe.core.exchange.importer import import_files
from kaohe.core.exchange.recording import undo_batch
from kaohe.core.runs import jobs
from kaohe.core.storage import audit, changes, migrations
from kaohe.core.storage.migrations import database_version
from kaohe.core.storage.models import AuditLog, RecalcJob, Unit, now
from kaohe.plugins.manager import build_registry
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)
from tests.migration_support import build_v1
from tests.english_support import HAN, english


def summaries(body):
    """The summary cells of the audit log page, newest first, as a reader sees them."""
    rows = re.findall(r"<tr>\s*<td>\d+</td>(.*?)</tr>", body, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[5])).strip()
            for row in rows]


def job_progress(body):
    found = re.search(r'<td id="job-progress">(.*?)</td>', body, re.S).group(1)
    return html.unescape(found).strip()


# ---------------------------------------------------------------- the audit log

def test_a_change_to_a_unit_is_summarised_in_english_on_the_audit_log_page(client, auth, world):
    unit = Unit.get_by_id(world["changshan"].id)
    unit.name, unit.sector = "常山县（新）", "农业"
    with changes.acting("clerk", "panel"):
        unit.save()
    entry = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert entry.summary == "修改单位「C01」：单位名称、口子"  # the Chinese as it always was
    assert entry.summary_words == {
        "template": "{action}「{name}」：{fields}",
        "params": {"action": "修改单位", "name": "C01",
                   "fields": {"parts": ["单位名称", "口子"], "separator": "、"}}}
    assert audit.verify_chain() is None
    auth.login("admin")
    assert summaries(client.get("/audit/?unit=C01").data.decode())[0] == "修改单位「C01」：单位名称、口子"
    client.get("/lang/en")
    body = client.get("/audit/?unit=C01").data.decode()
    catalogue = english()
    fields = f"{catalogue['单位名称']}, {catalogue['口子']}"
    assert summaries(body)[0] == f"Unit changed: 「C01」 ({fields})"
    assert "<td>Unit changed</td>" in body  # the action column's word
    with changes.acting("clerk", "panel"):
        changes.delete(Unit.create(code="X9", name="临时单位", kind="county", pool="county"))
    assert summaries(client.get("/audit/?unit=X9").data.decode()) == [
        "Unit deleted: 「X9」", "Unit added: 「X9」"]


def test_an_imports_entries_and_its_undoing_are_summarised_in_english(client, auth, world, tmp_path):
    units = [["单位代码", "单位名称", "单位类型"], ["KH", "开化县", "县区"]]
    adoptions = [["稿件编号", "刊物代码", "期号", "采用日期", "采用形式"],
                 ["B-1", "P02", "第3期", "2025-04-02", "全文"]]
    paths = [_write(tmp_path / "单位.csv", units), _write(tmp_path / "采用.csv", adoptions)]
    with changes.acting("clerk", "import"):
        report = import_files(paths)
    entries = list(AuditLog.select().where(AuditLog.batch == report.batch).order_by(AuditLog.id))
    assert [e.summary for e in entries] == ["导入新增单位「KH」", "导入新增采用「B-1、P02、第3期」"]
    assert entries[1].summary_words == {
        "template": "导入{action}「{key}」",
        "params": {"action": "新增采用", "key": {"parts": ["B-1", "P02", "第3期"], "separator": "、"}}}
    units[1][1] = "开化县（改）"
    _write(tmp_path / "单位.csv", units)
    with changes.acting("clerk", "import"):
        again = import_files(paths[:1])
    assert audit.verify_chain() is None  # written by record_many, the words hashed with them
    auth.login("admin")
    client.get("/lang/en")
    assert summaries(client.get(f"/audit/?batch={report.batch}").data.decode()) == [
        "Adoption added by import: 「B-1, P02, 第3期」", "Unit added by import: 「KH」"]
    assert summaries(client.get(f"/audit/?batch={again.batch}").data.decode()) == [
        "Unit changed by import: 「KH」"]
    with changes.acting("admin", "panel"):
        undo_batch(again.batch)
    assert summaries(client.get(f"/audit/?batch={again.batch}").data.decode()) == [
        f"Import batch 「{again.batch}」 undone (1 row)", "Unit changed by import: 「KH」"]
    assert summaries(client.get("/audit/?unit=KH&actor=admin").data.decode()) == [
        f"Unit changed: 「KH」 ({english()['单位名称']})"]  # the value put back
    client.get("/lang/zh_Hans_CN")
    assert summaries(client.get(f"/audit/?batch={again.batch}").data.decode()) == [
        f"撤销导入批次「{again.batch}」（1条记录）", "导入修改单位「KH」"]


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_words_that_no_longer_make_the_summary_fall_back_to_the_chinese(client, auth, world):
    audit.record("admin", "scheme.members", "scheme", world["scheme"].id,
                 summary=say("调整考核方案「{scheme}」的成员单位", scheme="测试方案"))
    entry = AuditLog.select().order_by(AuditLog.id.desc()).first()
    auth.login("admin")
    client.get("/lang/en")
    assert summaries(client.get("/audit/").data.decode())[0] == "Member units of scheme 「测试方案」 changed"
    # The words altered: they make another text than the stored (hashed) summary.
    AuditLog.update(summary_words={"template": "调整考核方案「{scheme}」的成员单位",
                                   "params": {"scheme": "别的方案"}}).where(AuditLog.id == entry.id).execute()
    body = client.get("/audit/").data.decode()
    assert summaries(body)[0] == "调整考核方案「测试方案」的成员单位"
    assert 'data-status="broken"' in body  # and the chain, which covers the words, says so
    assert (f"Audit log entry {entry.id} does not match its hash (the entry was altered)"
            in html.unescape(body))
    assert str(audit.verify_chain()) == f"审计日志第 {entry.id} 条的内容与摘要不符（记录被改动过）"
    for broken in ({"template": "调整考核方案「{other}」的成员单位", "params": {"scheme": "测试方案"}},
                   {"template": "{scheme}", "params": {"scheme": {"template": "{x", "params": {}}}},
                   {"parts": ["调整", "考核方案"], "separator": "、"}, {"params": "?"}, ["x"]):
        AuditLog.update(summary_words=broken).where(AuditLog.id == entry.id).execute()
        assert summaries(client.get("/audit/").data.decode())[0] == "调整考核方案「测试方案」的成员单位"


def test_a_summary_kept_and_said_again():
    made = say("{action}「{name}」：{fields}", action="修改稿件", name="B-1", fields=listing(["标题", "类别"]))
    words = words_of(made)
    again = said_from(str(made), json.loads(json.dumps(words)))
    assert isinstance(again, Sentence) and again == made == "修改稿件「B-1」：标题、类别"
    assert again.template == made.template and again.params["fields"].parts == ["标题", "类别"]
    assert words_of("纯文字") is None and words_of(Sentence("纯文字")) is None
    assert said_from("纯文字", None) == "纯文字"
    assert said_from("修改稿件「B-2」：标题、类别", words).template is None  # another text: plain


def test_the_chinese_audit_log_page_says_nothing_again(client, auth, world, monkeypatch):
    from kaohe.admin import i18n
    monkeypatch.setattr(i18n, "said_from", None)  # called, it would fail the page
    auth.login("admin")
    body = client.get("/audit/").data.decode()
    assert "创建考核方案「测试方案」" in summaries(body)


# ---------------------------------------------------------------- schema version 9

def test_version_9_adds_the_columns_and_an_older_entry_stays_chinese_and_verifies(database, monkeypatch,
                                                                              client, auth):
    build_v1(database)
    with monkeypatch.context() as at_8:
        at_8.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:8])
        at_8.setattr(migrations, "LATEST", 8)
        migrations.migrate()
        assert database_version() == 8
    # recalc_job came without a step (created whole after the steps, here by today's model): as
    # a database of version 8 has it, without the new column
    database.execute_sql('ALTER TABLE "recalc_job" DROP COLUMN "message_words"')
    assert "summary_words" not in columns(database, "audit_log")
    # An entry as version 8 wrote it, hashed over the fields of then.
    at = datetime.datetime(2025, 3, 8, 9, 30, 0)
    fields = {"at": at.isoformat(sep=" "), "actor": "张科长", "action": "unit.update", "object_type": "unit",
              "object_id": "1", "summary": "修改单位「C01」：单位名称", "old": {"name": "旧"},
              "new": {"name": "新"}, "prev_hash": audit.GENESIS, "units": "|C01|", "source": "panel"}
    digest = hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                            .encode("utf-8")).hexdigest()
    database.execute_sql(
        'INSERT INTO "audit_log" ("at", "actor", "action", "object_type", "object_id", "summary", "old", '
        '"new", "source", "units", "prev_hash", "hash") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
        .replace("?", database.param),
        (at, "张科长", "unit.update", "unit", "1", fields["summary"], '{"name": "旧"}', '{"name": "新"}',
         "panel", "|C01|", audit.GENESIS, digest))
    database.execute_sql('INSERT INTO "recalc_job" ("scheme_id", "period", "note", "requested_by", '
                         '"requested_at", "state", "stage", "step", "steps", "message") '
                         "VALUES (1, '2025-03', '', 'clerk', '2025-03-08 09:00:00', 'failed', '', 0, 0, "
                         "'别处的计算失败了')")

    applied = migrations.migrate()

    assert [step.version for step in applied] == [9] and database_version() == migrations.LATEST == 9
    assert "summary_words" in columns(database, "audit_log")
    assert "message_words" in columns(database, "recalc_job")
    old = AuditLog.get()
    assert old.summary_words is None and RecalcJob.get().message_words is None
    assert audit.verify_chain() is None  # the old entry's hash, unchanged
    audit.record("张科长", "scheme.create", "scheme", 1, summary=say("创建考核方案「{name}」", name="新方案"))
    assert audit.verify_chain() is None  # and a new one, with words, chained after it
    from tests.admin_support import account
    account("auditor", "admin")
    auth.login("auditor")
    client.get("/lang/en")
    assert summaries(client.get("/audit/").data.decode()) == [
        "Scheme 「新方案」 created", "修改单位「C01」：单位名称"]
    assert job_progress(client.get(f"/results/job/{RecalcJob.get().id}?stay=1").data.decode()) == \
        "别处的计算失败了"


def columns(database, table):
    return {column.name for column in database.get_columns(table)}


# ---------------------------------------------------------------- recalculation jobs

def test_a_failed_recalculation_says_its_error_in_english(client, auth, world):
    job, _joined = jobs.submit(world["scheme"], "2025-03", "admin", start=False)
    # the child process cannot build its rule sets: an error that is not one of Kaohe's
    jobs.work(job.id, registry_factory=functools.partial(int, "x"))
    job = RecalcJob.get_by_id(job.id)
    assert job.state == "failed"
    assert job.message == ("计算出错：ValueError: invalid literal for int() with base 10: 'x'；"
                           "本次计算未保存，已有结果保持不变")
    assert job.message_words["template"] == "计算出错：{error_type}: {error}；本次计算未保存，已有结果保持不变"
    auth.login("admin")
    assert job_progress(client.get(f"/results/job/{job.id}?stay=1").data.decode()) == job.message
    client.get("/lang/en")
    english_error = ("Calculation error: ValueError: invalid literal for int() with base 10: 'x'; "
                     "this run was not stored, existing results are unchanged")
    assert job_progress(client.get(f"/results/job/{job.id}?stay=1").data.decode()) == english_error
    flashed = client.get(f"/results/job/{job.id}", follow_redirects=True).data.decode()
    assert f"The recalculation failed, nothing was stored: {english_error}" in html.unescape(flashed)


def test_a_runs_warnings_come_from_the_child_and_are_said_in_english(client, auth, world, registry, tmp_path):
    from kaohe.core.storage.schemes import create_scheme
    both = create_scheme(registry, "重复方案", 2025, ["provincial", "environment"], author="test")
    job, _joined = jobs.submit(both, "2025-03", "admin", start=False)
    jobs.work(job.id, registry_factory=functools.partial(build_registry, plugins_dir=tmp_path / "none",
                                                         entry_points=False))
    job = RecalcJob.get_by_id(job.id)
    assert job.state == "done" and job.message == (
        "规则集「environment」的规则「adoption」与规则集「provincial」的规则「adoption」"
        "对同一采用重复计分（2次），请确认是否应同时启用")
    auth.login("admin")
    client.get("/lang/en")
    assert job_progress(client.get(f"/results/job/{job.id}?stay=1").data.decode()) == (
        "The same adoptions were scored twice (2 times) by rule 「adoption」 of rule set 「environment」 and "
        "rule 「adoption」 of rule set 「provincial」; please check whether both should be enabled")


def test_a_jobs_progress_and_a_dead_process_are_said_in_english(client, auth, world):
    scheme = world["scheme"]
    dead, _ = jobs.submit(scheme, "2025-03", "admin", start=False)
    waiting, _ = jobs.submit(scheme, "2025-04", "admin", start=False)
    assert jobs.claim(dead.id, jobs.Limits())
    auth.login("admin")
    client.get("/lang/en")
    page = f"/results/job/{dead.id}?stay=1"
    assert job_progress(client.get(page).data.decode()) == "Preparing"
    assert job_progress(client.get(f"/results/job/{waiting.id}").data.decode()) == \
        "Queued: starts once the scheme's other recalculation has finished"
    for stage, step, steps, said in (("计分（规则集 provincial）", 1, 2, "Scoring (rule set provincial) 1/2"),
                                     ("计分", 2, 2, "Scoring 2/2"), ("保存", 40, 120, "Saving 40/120"),
                                     ("某个阶段", 1, 3, "某个阶段 1/3")):
        RecalcJob.update(stage=stage, step=step, steps=steps).where(RecalcJob.id == dead.id).execute()
        assert job_progress(client.get(page).data.decode()) == said
        assert str(jobs.progress_text(RecalcJob.get_by_id(dead.id))) == f"{stage} {step}/{steps}"
    RecalcJob.update(heartbeat_at=now() - datetime.timedelta(minutes=11)).where(RecalcJob.id == dead.id).execute()
    jobs.submit(scheme, "2025-03", "admin", start=False)  # finds the job whose process died
    assert RecalcJob.get_by_id(dead.id).message == \
        "计算进程已中止（服务器重启或进程被结束），未保存任何结果；请重新计算"
    assert job_progress(client.get(page).data.decode()) == ("The calculation process stopped (the server "
                                                            "restarted or the process was ended); nothing "
                                                            "was stored. Please recalculate")
    client.get("/lang/zh_Hans_CN")
    assert job_progress(client.get(page).data.decode()) == \
        "计算进程已中止（服务器重启或进程被结束），未保存任何结果；请重新计算"


# ---------------------------------------------------------------- the catalogue

def test_the_logs_action_words_have_their_english():
    """The words of the log's actions, shown beside the summaries (whose templates, wherever
    say() is called, tests/test_english.py checks)."""
    catalogue = english()
    for template in ("创建账号「{username}」", "修改账号「{username}」：{fields}", "重设账号「{username}」的密码"):
        assert catalogue[template].strip() and not HAN.search(catalogue[template]), template
    actions = set(audit.ACTIONS.values())
    assert {"新增单位", "修改紧急信息续报", "撤销导入批次"} <= actions
    assert sorted(a for a in actions if not catalogue.get(a, "").strip() or HAN.search(catalogue[a])) == []



def test_summaries_written_many_at_once_keep_the_words_one_at_a_time_would(database):
    """record_many encodes a summary's words itself (one pass for an import's templates): what it
    stores reads back as record() stores it, and the chain verifies."""
    from decimal import Decimal
    made = [say("导入{action}「{key}」", action="新增稿件", key="2025-0001"),
            say("{action}「{name}」", action="新增单位", name=7),
            say("导入{action}「{key}」", key=listing(["A-1", "P01", "第3期"]), action="新增采用"),
            say("共{n}分，{flag}", n=Decimal("1.50"), flag=True), listing(["甲", say("第{n}行", n=2)], "；"),
            say("引号\"与\\反斜杠{x}", x="\n"), Sentence("没有模板"), "纯文字", ""]
    entries = [{"actor": "录入员", "action": "item.create", "object_type": "item", "object_id": n,
                "summary": summary} for n, summary in enumerate(made)]
    audit.record_many(entries)
    for summary in made:
        audit.record("录入员", "item.create", "item", 0, summary=summary)
    stored = list(AuditLog.select().order_by(AuditLog.id))
    many, single = stored[:len(made)], stored[len(made):]
    assert [e.summary_words for e in many] == [e.summary_words for e in single] == [
        audit.plain(words_of(s)) for s in made]
    assert [e.summary for e in many] == [str(s) or "新增稿件" for s in made]
    assert [str(audit.summary_of(e)) for e in many] == [e.summary for e in many]
    assert audit.summary_of(many[2]).params["key"].parts == ["A-1", "P01", "第3期"]
    assert audit.verify_chain() is None
