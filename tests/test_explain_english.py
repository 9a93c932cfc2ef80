"""The texts a run stores (score-line explanations, tie-breaks, veto reasons, award notes) said in
English (issue #13): the run keeps each distinct sentence once (RunSentence), the panel says it
from its template; Chinese is unchanged and reads none of them; a run stored before has none."""

import csv
import io
import re
from decimal import Decimal as D

import pytest

from kaohe.core.domain.sentences import Sentence, said_again, say, stored_form
from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import RunSentence, ScoreLine, UnitResult
from tests import factories as f
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def explanations(body):
    return re.findall(r'<td class="explanation">(.*?)</td>', body)


def ranking_cells(body, unit):
    """The tie-break and the award cells of `unit`'s row of a ranking page."""
    row = re.search(r'class="unit-link">' + re.escape(unit.name) + r"</a></td>(.*?)</tr>", body,
                    re.S).group(1)
    return re.findall(r'<td class="small">(.*?)</td>', row)


def test_the_explanation_page_says_an_adoption_and_a_joint_report_in_english(client, auth, world, registry):
    # 常山县: 《省政府信息》 (provincial) full text 20; 《国办信息》 (national) full text 50, a joint
    # report of two counties, 25 each.
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("admin")
    page = f"/results/run/{run.id}/unit/{world['changshan'].id}"
    assert explanations(client.get(page).data.decode()) == [
        "《省政府信息》（省级）全文采用，计20分", "《国办信息》（国家级）全文采用，计50分（合报2家，各25分）"]
    body = client.get(page).data.decode()
    assert 'id="explain-title">常山县：45分<' in body
    client.get("/lang/en")
    body = client.get(page).data.decode()
    assert explanations(body) == [
        "《省政府信息》 (Provincial), Full text: 20 points",
        "《国办信息》 (National), Full text: 50 points (joint report of 2 units, 25 points each)"]
    assert 'id="explain-title">常山县: 45 points<' in body  # 20 + 25; not 「常山县：45points」


def test_english_says_one_in_the_singular():
    from kaohe.admin.i18n import singular
    assert singular("Brief: 1 points (joint report of 2 units, 0.5 points each)") == \
        "Brief: 1 point (joint report of 2 units, 0.5 points each)"
    assert singular("target 1 items, 21 items, 2.1 points, 11 points, −1 points") == \
        "target 1 item, 21 items, 2.1 points, 11 points, −1 point"


def test_a_run_keeps_each_distinct_sentence_once(world, registry):
    # Four lines: 常山县's and 开化县's own adoptions, and the joint report's line for each county,
    # which is one sentence: three distinct sentences of lines. The year's award notes: the two
    # counties' places, 市发改委's (0 points), the two reporters' places: five more.
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    assert ScoreLine.select().where(ScoreLine.run == run).count() == 4
    stored = {s.text: s.template for s in RunSentence.select().where(RunSentence.run == run)}
    assert stored == {
        "《省政府信息》（省级）全文采用，计20分": "{adoption}，计{points}{unit}",
        "《省政府信息》（省级）综合采用，计5分": "{adoption}，计{points}{unit}",
        "《国办信息》（国家级）全文采用，计50分（合报2家，各25分）": "{line}（合报{n}家，各{share}）",
        "县(市、区)先进单位第1名": "{title}第{place}名", "县(市、区)先进单位第2名": "{title}第{place}名",
        "总分不为正，不参加评先": "总分不为正，不参加评先",
        "先进个人第1名": "{title}第{place}名", "先进个人第2名": "{title}第{place}名"}
    again = recalculate(registry, world["scheme"], "2025", author="test").run
    assert RunSentence.select().where(RunSentence.run == again).count() == 8
    assert RunSentence.select().count() == 16


def test_a_stored_sentence_is_rebuilt_with_its_parts():
    nested = say("{line}（合报{n}家，各{share}）", n=2, share=say("{amount}{unit}", amount="2.5", unit="分"),
                 line=say("{adoption}，计{points}{unit}", adoption="《甲》", points="5", unit="分"))
    template, params = stored_form(nested)
    rebuilt = said_again(str(nested), template, params)
    assert isinstance(rebuilt, Sentence) and rebuilt == "《甲》，计5分（合报2家，各2.5分）"
    assert rebuilt.template == nested.template
    assert rebuilt.params["line"].template == "{adoption}，计{points}{unit}"
    assert stored_form(say("共{n}分", n=D("1.50")))[1] == {"n": {"decimal": "1.50"}}
    assert said_again("共1.50分", "共{n}分", {"n": {"decimal": "1.50"}}).params == {"n": D("1.50")}


def test_the_ranking_page_says_a_tie_break_in_english(client, auth, world, registry):
    # 甲县 and 乙县 each have one provincial full-text adoption (20) of one item submitted: every
    # criterion is equal, so the unit code decides: JX before YX.
    first, second = f.unit("JX", "甲县"), f.unit("YX", "乙县")
    provincial = world["provincial"]
    f.adoption(f.item(first, "2025-05-01"), provincial, "2025-05-10", "full")
    f.adoption(f.item(second, "2025-05-01"), provincial, "2025-05-10", "full")
    run = recalculate(registry, f.scheme(registry, ["provincial"]), "2025", author="test").run
    auth.login("admin")
    page = f"/results/run/{run.id}/"
    body = client.get(page).data.decode()
    assert ranking_cells(body, second)[0] == "与甲县同分（20分），各项相同，按单位代码 JX 先于 YX，排其后"
    assert ranking_cells(body, first)[0] == "与乙县同分，各项相同，按单位代码 JX 先于 YX，排其前"
    client.get("/lang/en")
    body = client.get(page).data.decode()
    assert ranking_cells(body, second)[0] == \
        "Tied with 甲县 (20 points), ranked after it: all else equal, unit code JX comes before YX"
    assert ranking_cells(body, first)[0] == \
        "Tied with 乙县, ranked before it: all else equal, unit code JX comes before YX"


def vetoed_county(world, registry):
    """丙县: a provincial full-text adoption (20) and a severity I urgent report first reported
    2 h 30 min after it occurred (late: −20, and a veto)."""
    county = f.unit("BX", "丙县")
    f.adoption(f.item(county, "2025-03-01"), world["provincial"], "2025-03-05", "full")
    f.urgent(county, "I", "2025-03-08 14:30", "2025-03-08 17:00", title="某某事件")
    run = recalculate(registry, f.scheme(registry, ["provincial", "urgent_penalty"]), "2025",
                      author="test").run
    return county, run


def test_the_ranking_and_explanation_pages_say_a_veto_in_english(client, auth, world, registry):
    county, run = vetoed_county(world, registry)
    auth.login("admin")
    ranking, explain = f"/results/run/{run.id}/", f"/results/run/{run.id}/unit/{county.id}"
    assert ranking_cells(client.get(ranking).data.decode(), county)[1] == \
        "一票否决：紧急信息「某某事件」（特别重大）迟报"
    assert explanations(client.get(explain).data.decode()) == [
        "《省政府信息》（省级）全文采用，计20分",
        "紧急信息「某某事件」（特别重大，发生于2025年3月8日14:30）首报于17:00，超过2小时时限，迟报扣20分",
        "紧急信息「某某事件」（特别重大）迟报，一票否决"]
    client.get("/lang/en")
    assert ranking_cells(client.get(ranking).data.decode(), county)[1] == \
        "Vetoed: Urgent report 「某某事件」 (I (extraordinary)): Late"
    body = client.get(explain).data.decode()
    assert explanations(body) == [
        "《省政府信息》 (Provincial), Full text: 20 points",
        "Urgent report 「某某事件」 (I (extraordinary), occurred 2025-03-08 14:30): first reported at "
        "17:00, past the 2-hour deadline: late, 20 points deducted",
        "Urgent report 「某某事件」 (I (extraordinary)): Late: vetoed"]
    assert 'alert-danger">Veto: Urgent report 「某某事件」 (I (extraordinary)): Late: vetoed</div>' in body


def test_a_published_year_run_says_its_award_notes_in_english(client, auth, world, registry):
    county, run = vetoed_county(world, registry)
    results.publish(run, "test")
    auth.login("admin")
    client.get("/lang/en")
    body = client.get(f"/results/run/{run.id}/").data.decode()
    assert ranking_cells(body, county)[1] == \
        "Vetoed, not eligible for awards: Urgent report 「某某事件」 (I (extraordinary)): Late"
    # 常山县 (45) is first of the counties: 县(市、区)先进单位第1名
    assert ranking_cells(body, world["changshan"])[1] == "Advanced units (Counties), No. 1"


def test_the_english_score_lines_download_says_the_explanations_in_english(client, auth, world, registry):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("clerk")
    client.get("/lang/en")
    lines = list(csv.reader(io.StringIO(client.get(
        f"/export/run?run={run.id}&what=lines&format=csv").data.decode("utf-8-sig"))))
    assert sorted(row[11] for row in lines[1:]) == [
        "《国办信息》 (National), Full text: 50 points (joint report of 2 units, 25 points each)",
        "《国办信息》 (National), Full text: 50 points (joint report of 2 units, 25 points each)",
        "《省政府信息》 (Provincial), Combined: 5 points",
        "《省政府信息》 (Provincial), Full text: 20 points"]
    client.get("/lang/zh_Hans_CN")
    lines = list(csv.reader(io.StringIO(client.get(
        f"/export/run?run={run.id}&what=lines&format=csv").data.decode("utf-8-sig"))))
    assert "《国办信息》（国家级）全文采用，计50分（合报2家，各25分）" in {row[11] for row in lines[1:]}


def test_chinese_reads_no_sentence_and_a_run_without_sentences_stays_chinese(
        client, auth, world, registry, monkeypatch):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("admin")
    asked = []
    real = results.stored_sentences
    monkeypatch.setattr(results, "stored_sentences", lambda *a: asked.append(a) or real(*a))
    page = f"/results/run/{run.id}/unit/{world['changshan'].id}"
    client.get(page)
    client.get(f"/results/run/{run.id}/")
    assert asked == []  # Chinese: the stored texts are shown as they are
    RunSentence.delete().where(RunSentence.run == run).execute()  # as a run stored before
    client.get("/lang/en")
    assert explanations(client.get(page).data.decode()) == [
        "《省政府信息》（省级）全文采用，计20分", "《国办信息》（国家级）全文采用，计50分（合报2家，各25分）"]
    assert len(asked) == 1


def test_deleting_a_run_deletes_its_sentences(world, registry):
    kept = recalculate(registry, world["scheme"], "2025", author="test").run
    gone = recalculate(registry, world["scheme"], "2025", author="test").run
    results.archive_run(kept, "test")  # an archived run keeps its lines, and their sentences
    results.delete_run(gone, "test")
    assert RunSentence.select().where(RunSentence.run == gone.id).count() == 0
    assert RunSentence.select().where(RunSentence.run == kept.id).count() == 8
    assert UnitResult.select().where(UnitResult.run == gone.id).count() == 0
    # Trial runs pruned by the retention setting go with their sentences (the table's cascade).
    from kaohe.core.runs.jobs import prune_trial_runs
    newest = recalculate(registry, world["scheme"], "2025", author="test").run
    assert prune_trial_runs(world["scheme"].id, "2025", keep=1) == [kept.id]
    assert {s.run_id for s in RunSentence.select()} == {newest.id}


def test_the_comparison_and_the_awards_say_the_stored_texts_in_english(client, auth, world, registry):
    # B pays a provincial full-text adoption 30 instead of 20: 常山县's own line changes.
    from kaohe.core.storage.schemes import set_param
    scheme = world["scheme"]
    before = recalculate(registry, scheme, "2025", author="test").run
    set_param(registry, scheme, "provincial.adoption.provincial.full", "30", reason="测试")
    after = recalculate(registry, scheme, "2025", author="test").run
    auth.login("admin")
    page = f"/results/diff?a={before.id}&b={after.id}"
    assert "<td>《省政府信息》（省级）全文采用，计30分</td>" in client.get(page).data.decode()
    client.get("/lang/en")
    assert "<td>《省政府信息》 (Provincial), Full text: 30 points</td>" in client.get(page).data.decode()
    county, run = vetoed_county(world, registry)
    results.publish(run, "test")
    body = client.get(f"/results/awards?scheme={run.scheme_id}").data.decode()
    assert "<li>丙县: Vetoed, not eligible for awards: Urgent report 「某某事件」 (I (extraordinary)): " \
           "Late: vetoed</li>" in body


def test_a_line_digest_is_the_same_for_a_sentence_and_its_text():
    # Two runs are compared by digests of their lines (core/runs/summary.py): a run stored with
    # sentences digests as a run stored before, whose explanations were plain text.
    from kaohe.core.runs.summary import line_digest
    said = say("{adoption}，计{points}{unit}", adoption="《甲》", points="5", unit="分")
    row = (1, None, 2, "provincial", "adoption", "score", 500, 0, "adoption:1")
    assert line_digest((*row, said)) == line_digest((*row, "《甲》，计5分"))


CASE_SCHEMES = ("01-zhonglou-shenpiju", "02-shijiazhuang-bangongshi", "07-lianyungang-zhengwu",
                "12-meizhou-tufa", "18-chongqing-liangyi")


@pytest.mark.parametrize("case", CASE_SCHEMES)
def test_the_real_schemes_explanations_leave_no_chinese_but_data_in_english(kaohe, registry, app, case):
    # Each real scheme of examples/schemes (quotas, targets, caps, instructions as multiples,
    # adjustments, grades…) is recalculated period by period as an office does; every text its
    # runs stored is said in English from the run's sentences, and leaves no Chinese but the
    # data: names, titles, numbers, leaders, reasons, and the scheme document's own words.
    from flask import session

    from kaohe.admin.i18n import word
    from kaohe.core.storage.models import (
        Adjustment,
        Instruction,
        Item,
        Publication,
        Reporter,
        ReporterResult,
        ScoreRun,
        Solicitation,
        Unit,
        UrgentReport,
    )
    from tests.case_support import CASES, ROOT, reproduce
    document = ROOT / "examples" / "schemes" / f"{case}.toml"
    reproduce(kaohe, registry, CASES / case, document)
    data = {u.name for u in Unit.select()} | {r.name for r in Reporter.select()}
    data |= {p.name for p in Publication.select()} | {i.title for i in Item.select()}
    data |= {i.no for i in Item.select()} | {i.leader or "" for i in Instruction.select()}
    data |= {u.title or "" for u in UrgentReport.select()} | {s.title for s in Solicitation.select()}
    data |= {a.reason for a in Adjustment.select()} | {a.kind or "" for a in Adjustment.select()}
    data |= set(re.findall(r'"([^"]*)"', document.read_text(encoding="utf-8")))
    data = sorted((d for d in data if d), key=len, reverse=True)
    han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    left, said = set(), 0
    with app.test_request_context():
        session["lang"] = "en"
        for run in ScoreRun.select():
            stored = results.stored_sentences(run)
            texts = {line.explanation for line in ScoreLine.select().where(ScoreLine.run == run)}
            for r in UnitResult.select().where(UnitResult.run == run):
                texts |= {r.tie_break, r.veto_reason, r.award_note}
            for r in ReporterResult.select().where(ReporterResult.run == run):
                texts |= {r.veto_reason, r.award_note}
            for text in texts - {""}:
                english = word(stored.get(text, text))
                rest = english
                for words in data:
                    rest = rest.replace(words, " ")
                if text not in stored or han.search(rest):
                    left.add(f"{text} => {english}")
                said += 1
    assert said > 10
    assert sorted(left) == []
