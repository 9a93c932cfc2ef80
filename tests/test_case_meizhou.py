"""Case 12 梅州市突发公共事件信息报告考评, configured by examples/schemes/12-meizhou-tufa.toml,
reproduces expected.json (2025 and 2025-Q1: final scores, ranks in each pool, the year's grades)."""

from tests.case_support import CASES, ROOT, reproduce

MEIZHOU = CASES / "12-meizhou-tufa"
MEIZHOU_TOML = ROOT / "examples" / "schemes" / "12-meizhou-tufa.toml"


def test_meizhou_the_year_and_the_first_quarter_to_the_cent(kaohe, registry):
    # Reports by usage (5/4/2/1/3, 0 below the threshold and not counted), instructions once per
    # level, +1 for attachments, −50 % of a late/轻报/谎报 report, −10 per 漏报/瞒报, ÷ counted.
    reproduce(kaohe, registry, MEIZHOU, MEIZHOU_TOML)
