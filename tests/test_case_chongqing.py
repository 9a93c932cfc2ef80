"""Case 18 “两翼”专报信息工作目标考核办法 (重庆), configured by examples/schemes/18-chongqing-liangyi.toml.

The case's data is imported with `kaohe import`, its scheme with `kaohe scheme import`, and the year's
totals, ranks and grades (先进集体 / 未入选 / 不纳入评选) are compared with expected.json to the cent.
"""

from decimal import Decimal

from kaohe.core.scoring import engine
from kaohe.core.storage.models import Scheme, Unit
from tests.case_support import CASES, ROOT, reproduce

D = Decimal

CHONGQING = CASES / "18-chongqing-liangyi"
CHONGQING_TOML = ROOT / "examples" / "schemes" / "18-chongqing-liangyi.toml"


def test_chongqing_the_year_points_ranks_and_grades(kaohe, registry):
    # 专项报道 10, 动态类 3, 简讯类 1, combined pieces 1 per unit, instructions per rank, −10 for
    # each 迟报, 约稿未报 and 不实信息; 先进集体 FJ and KZ, the top 2 of the units not removed.
    reproduce(kaohe, registry, CHONGQING, CHONGQING_TOML)


def test_chongqing_lines_say_why_and_who_is_removed(kaohe, registry):
    # WZ-01: 市长 10 + 副市长 5 + 副市长 5 (rule 5), 市政府副秘书长 5 + 市委副秘书长 3 (rule 6) = 28;
    # FJ's two items in issue 20 give it 1 once; the five units removed, each with its reason.
    reproduce(kaohe, registry, CHONGQING, CHONGQING_TOML)
    scheme = Scheme.get(Scheme.name == "两翼专报信息工作目标考核")
    outcome = engine.compute(registry, scheme, "2025")
    codes = {unit.id: unit.code for unit in Unit.select()}
    wz = [(line[4], line[6]) for line in outcome.lines if codes.get(line[0]) == "WZ"
          and line[4].endswith("instruction")]
    assert wz == [("leader_instruction", D("10.00")), ("leader_instruction", D("5.00")),
                  ("leader_instruction", D("5.00")), ("secretary_instruction", D("5.00")),
                  ("secretary_instruction", D("3.00"))]
    assert [line[9] for line in outcome.lines if codes.get(line[0]) == "FJ" and line[4] == "combined"] \
        == ["《两翼农户万元增收专报》（市级）第20期综合采用3篇稿件（2家单位），采用本单位2篇（FJ-02、FJ-03），"
            "每家单位计1分"]
    vetoes = {codes[line[0]]: line[9] for line in outcome.lines if line[5] == "veto"}
    assert vetoes == {
        "WZ": "全年未按时上报3次，达到3次，取消当年先进集体资格",
        "YY": "全年约稿未报送2次，达到2次，取消当年先进集体资格",
        "WX": "全年报送不实信息、出现重大差错共1次，取消当年先进集体资格",
        "XS": "全年报送不实信息、出现重大差错共1次，取消当年先进集体资格",
        "QJ": "全年未完成专报信息目标任务，不纳入评选年度信息工作先进集体范围"}


def test_chongqing_calls_its_awards_what_the_scheme_calls_them(kaohe, registry):
    # awards.unit_title = "先进集体": the two award places and the award documents say so.
    from kaohe.core.exchange.reports import award_documents
    from kaohe.core.runs.results import publish
    reproduce(kaohe, registry, CHONGQING, CHONGQING_TOML)
    scheme = Scheme.get(Scheme.name == "两翼专报信息工作目标考核")
    outcome = engine.compute(registry, scheme, "2025")
    notes = {t.code: t.award_note for t in outcome.units.values() if t.award_rank}
    assert notes == {"FJ": "县(市、区)先进集体第1名", "KZ": "县(市、区)先进集体第2名"}
    code, out, err = kaohe("recalc", scheme.name, "--period", "2025")
    assert code == 0, out + err
    from kaohe.core.storage.models import ScoreRun
    publish(ScoreRun.select().order_by(ScoreRun.id.desc()).get(), "测试")
    documents = award_documents(scheme)
    assert documents["title"].endswith("2025年度政务信息工作先进集体和先进个人名单")
    assert [r["code"] for r in documents["pools"][0]["rows"]] == ["FJ", "KZ"]
