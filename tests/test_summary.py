"""What is kept with a run for the dashboard and the comparison: months by hand, digests, diffs by group."""

from decimal import Decimal as D

from kaohe.admin.views import dashboard
from kaohe.core.runs import results, summary
from kaohe.core.runs import store
from kaohe.core.storage import schemes
from kaohe.core.storage.models import RunDigest, RunMonth, ScoreLine, ScoreRun
from tests import factories as f


# A small year: A's item adopted in March at the provincial level (20), A and B's joint item
# adopted in May by the city (5, 2.50 each) and forwarded to it in July (worth nothing, not counted as
# an adoption), a provincial instruction on A's item in June (50); C is a member without adoptions.
def _year(registry):
    a, b, c = f.unit("A"), f.unit("B"), f.unit("C")
    prov, city = f.publication("P", "provincial", "专报信息"), f.publication("C", "city", "市刊")
    mine = f.item([a], "2025-03-01")
    f.adoption(mine, prov, "2025-03-05", "full")
    f.instruction(mine, "provincial", "2025-06-15")
    joint = f.item([a, b], "2025-04-20")
    f.adoption(joint, city, "2025-05-02", "full")
    f.adoption(joint, city, "2025-07-01", "forwarded")
    scheme = schemes.create_scheme(registry, "S", 2025, ["provincial"])
    return scheme, {"A": a, "B": b, "C": c}


def _the_old_diff(run_a, run_b):
    """The comparison as it was before digests: every line of both runs read and matched by key."""
    def line_map(run):
        lines = {}
        for line in ScoreLine.select().where(ScoreLine.run == run):
            key = (line.unit_id, line.reporter_id, line.item_id, line.ruleset, line.rule,
                   line.ref or line.kind)
            if key in lines:
                key = key + (line.explanation,)
            lines[key] = (line.points, line.yuan, line.explanation)
        return lines
    a_lines, b_lines = line_map(run_a), line_map(run_b)
    found = []
    for key in sorted(set(a_lines) | set(b_lines), key=lambda k: tuple(str(x) for x in k)):
        la, lb = a_lines.get(key), b_lines.get(key)
        if la != lb:
            found.append(("added" if la is None else "removed" if lb is None else "changed",
                          key[0], key[2], la and la[0], lb and lb[0], (lb or la)[2]))
    return found


def _lines(changes):
    return [(line["change"], line["unit"], line["item"], line["points_a"], line["points_b"],
             line["explanation_b"] or line["explanation_a"]) for line in changes["lines"]]


def test_months_hold_the_points_and_adoptions_counted_by_hand(database, registry):
    scheme, _units = _year(registry)
    run = store.recalculate(registry, scheme).run
    months = summary.months(run)
    assert months[2] == (D("20.00"), 1)     # March: the provincial full adoption
    assert months[4] == (D("5.00"), 1)      # May: 2.50 for A and for B
    assert months[5] == (D("50.00"), 0)     # June: the instruction
    assert months[6] == (D("0.00"), 0)      # July: forwarded, worth nothing, not an adoption
    assert sum(points for points, _n in months) == D("75.00")
    assert dashboard.monthly_points(run, 2025)[:7] == [0, 0, D("20.00"), 0, D("5.00"), D("50.00"), 0]
    assert dashboard.monthly_adoptions(run)[:7] == [0, 0, 1, 0, 1, 0, 0]
    # kept once: a second reading neither recounts nor doubles
    assert RunMonth.select().where(RunMonth.run == run).count() == 12
    summary.summarise(run)
    assert RunMonth.select().where(RunMonth.run == run).count() == 12


def test_units_without_adoption_are_the_members_with_none_in_the_year(database, registry):
    scheme, units = _year(registry)
    f.adoption(f.item([units["C"]], "2024-11-01"), f.publication("N", "national"), "2024-12-01")
    assert [u.code for u in dashboard.units_without_adoption(scheme, 2025)] == ["C"]
    assert [u.code for u in dashboard.units_without_adoption(scheme, 2024)] == ["A", "B"]


def test_digests_are_kept_per_unit_and_equal_for_equal_lines(database, registry):
    scheme, units = _year(registry)
    first = store.recalculate(registry, scheme).run
    second = store.recalculate(registry, scheme).run
    kept = summary.digests(first)
    assert {key: count for key, (count, _d) in kept.items()} == {
        (units["A"].id, None): 3, (units["B"].id, None): 1}
    assert kept == summary.digests(second)
    assert RunDigest.select().where(RunDigest.run == first).count() == 2


def test_the_comparison_equals_the_old_one_reading_only_changed_units(database, registry):
    scheme, units = _year(registry)
    before = store.recalculate(registry, scheme).run
    schemes.set_param(registry, scheme, "provincial.adoption.city.full", "7", reason="调整")
    f.adoption(f.item([units["C"]], "2025-08-01"), f.publication("N", "national"), "2025-08-09")
    after = store.recalculate(registry, scheme).run
    changes = results.diff_runs(before, after)
    assert _lines(changes) == _the_old_diff(before, after)
    assert _lines(changes) == [
        ("changed", units["A"].id, _lines(changes)[0][2], D("2.50"), D("3.50"),
         "《市刊》（市级）全文采用，计7分（合报2家，各3.5分）"),
        ("changed", units["B"].id, _lines(changes)[1][2], D("2.50"), D("3.50"),
         "《市刊》（市级）全文采用，计7分（合报2家，各3.5分）"),
        ("added", units["C"].id, _lines(changes)[2][2], None, D("50.00"),
         "《N》（国家级）全文采用，计50分"),
    ]
    assert [(u["unit"].code, u["points_delta"]) for u in changes["units"]] == [
        ("A", D("1.00")), ("B", D("1.00")), ("C", D("50.00"))]
    # backwards, and the first line only
    assert _lines(results.diff_runs(after, before)) == _the_old_diff(after, before)
    first = results.diff_runs(before, after, limit=1)
    assert _lines(first) == _lines(changes)[:1] and first["more"] is True
    assert results.diff_runs(before, after, limit=3)["more"] is False


def test_deleting_a_run_deletes_what_was_kept_with_it(database, registry):
    scheme, _units = _year(registry)
    run = store.recalculate(registry, scheme).run
    summary.summarise(run)
    results.delete_run(ScoreRun.get_by_id(run.id))
    assert not RunMonth.select().where(RunMonth.run == run.id).exists()
    assert not RunDigest.select().where(RunDigest.run == run.id).exists()


def test_what_the_store_keeps_equals_what_reading_the_lines_back_gives(database, registry):
    scheme, _units = _year(registry)
    run = store.recalculate(registry, scheme).run
    kept_months, kept_digests = summary.months(run), summary.digests(run)
    assert RunDigest.select().where(RunDigest.run == run).exists()  # kept by the store itself
    summary.forget(run)
    assert summary.months(run) == kept_months and summary.digests(run) == kept_digests
