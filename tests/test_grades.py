"""Result grades by score thresholds or by place among the eligible, per pool and period, for units
and reporters: stored with the run's results and shown by `kaohe ranking --format json`."""

import json
from decimal import Decimal

import pytest

from kaohe.core.domain.errors import ParameterError
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import ReporterResult, UnitResult
from kaohe.core.storage.schemes import create_scheme, current_version, save_config
from tests import factories as f

D = Decimal


@pytest.fixture
def city(database, registry):
    """Four counties and two departments; city 《专报》 full adoption 5 points (provincial defaults)."""
    pub = f.publication("SZB", "city")
    units = {code: f.unit(code, kind=kind) for code, kind in
             (("A", "county"), ("B", "county"), ("C", "county"), ("D", "county"),
              ("P", "department"), ("Q", "department"))}
    reporters = {code: f.reporter(f"R{code}", unit) for code, unit in units.items()}
    # A 4 items (20), B 3 (15), C 2 (10), D none; P 1 (5), Q 2 (10)
    for code, count in (("A", 4), ("B", 3), ("C", 2), ("P", 1), ("Q", 2)):
        for n in range(count):
            item = f.item([units[code]], authors=[reporters[code]], no=f"{code}{n}",
                          submitted_on="2025-03-01")
            f.adoption(item, pub, adopted_on="2025-03-10")
    scheme = create_scheme(registry, "市", 2025, ["provincial"])
    return scheme


def configure(registry, scheme, grades):
    config = dict(current_version(scheme).config, grades=grades)
    save_config(registry, scheme, config, reason="等次")


def grades_of(run):
    return {r.unit.code: r.grade for r in UnitResult.select().where(UnitResult.run == run)}


def test_points_thresholds_across_pools_for_the_year_only(city, registry):
    configure(registry, city, {"units": [{"by": "points", "periods": ["year"], "bands": [
        {"grade": "优", "min": "15"}, {"grade": "良", "min": "10"}, {"grade": "差"}]}]})
    year = recalculate(registry, city, "2025").run
    # A 20 ≥ 15 优; B exactly 15 优; C and Q exactly 10 良; P 5 and D 0 差
    assert grades_of(year) == {"A": "优", "B": "优", "C": "良", "D": "差", "P": "差", "Q": "良"}
    march = recalculate(registry, city, "2025-03").run
    assert set(grades_of(march).values()) == {""}  # the grading is for the year only


def test_places_among_the_eligible_per_pool_with_a_word_for_the_rest(city, registry):
    configure(registry, city, {"units": [
        {"by": "rank", "pools": ["county"], "positive_only": True, "ineligible": "不纳入评选",
         "bands": [{"grade": "一等奖", "top": 1}, {"grade": "二等奖", "top": 2}, {"grade": "未入选"}]},
        {"by": "rank", "pools": ["department"], "bands": [{"grade": "先进集体", "top": 1}]},
    ]})
    run = recalculate(registry, city, "2025").run
    assert grades_of(run) == {"A": "一等奖", "B": "二等奖", "C": "未入选", "D": "不纳入评选",
                              "Q": "先进集体", "P": ""}


def test_reporters_are_graded_too(city, registry):
    configure(registry, city, {"reporters": [{"by": "points", "bands": [
        {"grade": "优秀信息员", "min": "15.00"}]}]})
    run = recalculate(registry, city, "2025").run
    graded = {r.reporter.code: (r.points, r.grade)
              for r in ReporterResult.select().where(ReporterResult.run == run)}
    assert graded == {"RA": (D("20.00"), "优秀信息员"), "RB": (D("15.00"), "优秀信息员"),
                      "RC": (D("10.00"), ""), "RP": (D("5.00"), ""), "RQ": (D("10.00"), "")}


def test_the_ranking_json_gives_the_grade_only_where_the_scheme_grades(kaohe, city, registry):
    recalculate(registry, city, "2025").run
    code, out, _ = kaohe("ranking", "市", "--format", "json")
    assert code == 0 and all("grade" not in record for record in json.loads(out))
    configure(registry, city, {"units": [{"bands": [{"grade": "达标", "min": "10"}, {"grade": "不达标"}]}]})
    recalculate(registry, city, "2025").run
    code, out, _ = kaohe("ranking", "市", "--format", "json")
    assert {r["unit"]: (r["points"], r["grade"]) for r in json.loads(out)} == {
        "A": ("20.00", "达标"), "B": ("15.00", "达标"), "C": ("10.00", "达标"), "D": ("0.00", "不达标"),
        "P": ("5.00", "不达标"), "Q": ("10.00", "达标")}


@pytest.mark.parametrize("grades, path", [
    ({"units": [{"by": "score", "bands": [{"grade": "优"}]}]}, "grades.units.0.by"),
    ({"units": [{"bands": []}]}, "grades.units.0.bands"),
    ({"units": [{"bands": [{"grade": "优", "min": "高"}]}]}, "grades.units.0.bands.0.min"),
    ({"units": [{"by": "rank", "bands": [{"grade": "一等奖", "top": 0}]}]}, "grades.units.0.bands.0.top"),
    ({"units": [{"periods": ["week"], "bands": [{"grade": "优"}]}]}, "grades.units.0.periods"),
    ({"teams": []}, "grades.teams"),
])
def test_bad_gradings_are_refused_by_path(city, registry, grades, path):
    with pytest.raises(ParameterError) as error:
        configure(registry, city, grades)
    assert path in error.value.messages
