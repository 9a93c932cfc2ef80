"""Case 12 梅州市突发公共事件信息报告考评, configured by examples/schemes/12-meizhou-tufa.toml,
reproduces expected.json (2025 and 2025-Q1: final scores, ranks in each pool, the year's grades)."""

from decimal import Decimal as D

from tests.case_support import CASES, ROOT, reproduce

MEIZHOU = CASES / "12-meizhou-tufa"
MEIZHOU_TOML = ROOT / "examples" / "schemes" / "12-meizhou-tufa.toml"


def test_meizhou_the_year_and_the_first_quarter_to_the_cent(kaohe, registry):
    # Reports by usage (5/4/2/1/3, 0 below the threshold and not counted), instructions once per
    # level, +1 for attachments, −50 % of a late/轻报/谎报 report, −10 per 漏报/瞒报, ÷ counted.
    reproduce(kaohe, registry, MEIZHOU, MEIZHOU_TOML)


def test_meizhou_urgent_notification_judges_by_the_schemes_own_rows(kaohe, registry):
    # The scheme scores urgent reports with its own rows (urgent_item_deduction, urgent_reports),
    # not with the urgent_penalty rule set: the notification judges each incident by them.
    from kaohe.core.exchange.reports.catalog import build_report
    from kaohe.core.storage.models import Scheme
    reproduce(kaohe, registry, MEIZHOU, MEIZHOU_TOML)
    scheme = Scheme.get(Scheme.name == "梅州市突发公共事件信息报告考评")
    data = build_report("urgent", scheme, "2025-Q1")
    incidents = {row[0]: (row[7], row[8]) for row in data["sections"][1]["rows"]}
    # Half of the carrying report's points: MX01 专报 5 + 图片 1 = 6 → −3 (4 h 10 > 4 h);
    # XN02 综合 2 → −1 (4 h 01); GA02 送阅 4 → −2 (重大, 2 h 05 > 2 h); MX02 送阅 4, 轻报 → −2;
    # −10 from the unit for PY's 瞒报 and SW's 漏报; XN01's 4 h 00 exactly is on time.
    judged = {no: said for no, said in incidents.items() if said != ("按时报送", D("0.00"))}
    assert judged == {"JJ05": ("迟报", D("-3.00")), "JJ12": ("迟报", D("-1.00")),
                      "JJ21": ("迟报", D("-2.00")), "JJ06": ("轻报", D("-2.00")),
                      "JJ16": ("瞒报", D("-10.00")), "JJ26": ("漏报", D("-10.00"))}
    assert len(incidents) == 16  # every incident of the quarter, the on-time ones too
    # unit: incidents, on time, 迟报 漏报 瞒报 误报 轻报 谎报, deduction
    units = {row[0]: row[1:] for row in data["sections"][0]["rows"]}
    assert units["梅县区"] == [3, 1, 1, 0, 0, 0, 1, 0, D("-5.00")]
    assert units["梅州市水务局"] == [3, 2, 0, 1, 0, 0, 0, 0, D("-10.00")]
    assert not any("没有启用紧急信息计分规则" in note for note in data["notes"])
