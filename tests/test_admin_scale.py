"""Pages that stay small at province scale: a long explanation in pages, a comparison cut short."""

from kaohe.admin.views import results as results_views
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import schemes
from tests import factories as f
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


# 常山县 holds two lines in `provincial` (20 for A-1, 25 for its half of J-1, written in that
# order); one line a page makes two pages, and the subtotal is the whole rule set's on each.
def test_a_long_explanation_comes_in_pages_under_the_whole_subtotal(client, auth, world, registry,
                                                                     monkeypatch):
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    monkeypatch.setattr(results_views, "EXPLAIN_LINES_PER_PAGE", 1)
    auth.login("admin")
    link = f"/results/run/{run.id}/unit/{world['changshan'].id}"
    first = client.get(link).data.decode()
    second = client.get(f"{link}?page=2").data.decode()
    assert "明细第1页，共2页" in first and "明细第2页，共2页" in second
    assert "小计 45" in first and "小计 45" in second and "共2条" in first
    assert "A-1" in first and "J-1" not in first
    assert "J-1" in second and "A-1" not in second
    assert "合计 45" in first
    # past the last page: the last page; nonsense: the first
    assert "J-1" in client.get(f"{link}?page=9").data.decode()
    assert "A-1" in client.get(f"{link}?page=x").data.decode()
    # one page: no pager, every line
    monkeypatch.setattr(results_views, "EXPLAIN_LINES_PER_PAGE", 200)
    whole = client.get(link).data.decode()
    assert "A-1" in whole and "J-1" in whole and "明细第" not in whole


def test_the_comparison_page_lists_the_first_lines_and_says_there_are_more(client, auth, world,
                                                                           registry, monkeypatch):
    before = recalculate(registry, world["scheme"], "2025", author="test").run
    schemes.set_param(registry, world["scheme"], "provincial.adoption.national.full", "60",
                      reason="调整")
    f.adoption(world["item_b"], world["national"], "2025-05-01", "brief")
    after = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("admin")
    page = client.get(f"/results/diff?a={before.id}&b={after.id}").data.decode()
    assert "有变化的计分明细" in page and "（3）" in page and "只显示前" not in page
    monkeypatch.setattr(results_views, "DIFF_LINES_SHOWN", 1)
    page = client.get(f"/results/diff?a={before.id}&b={after.id}").data.decode()
    assert "1条以上" in page and "只显示前1条。" in page
    assert page.count("<td>两县合报") + page.count("J-1 两县合报") == 1
