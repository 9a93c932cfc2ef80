"""Custom date-range periods (a school year, a campaign) beside the year, half, quarter and month."""

import datetime

import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import LABEL_LENGTH, date_range, parse_period


def test_a_range_has_its_dates_label_title_and_months():
    period = parse_period("2025-09-01 ~ 2026-07-15")
    assert (period.label, period.kind, period.year) == ("2025-09-01~2026-07-15", "range", 2025)
    assert (period.start, period.end) == (datetime.date(2025, 9, 1), datetime.date(2026, 7, 15))
    assert period.title == "2025年9月1日至2026年7月15日"
    assert period.months()[:5] == [(2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1)]
    assert period.months()[-1] == (2026, 7) and len(period.months()) == 11
    assert period.end_at == datetime.datetime(2026, 7, 16)
    assert not period.is_full_year and len(period.label) == LABEL_LENGTH


@pytest.mark.parametrize("text", ["2025-03-01~2025-05-31", "2025-3-1至2025-5-31", "2025-03-01..2025-05-31"])
def test_the_ways_of_writing_a_range_give_one_label(text):
    period = parse_period(text)
    assert (period.label, period.title) == ("2025-03-01~2025-05-31", "2025年3月1日至5月31日")
    assert parse_period(period.label) == period


def test_the_fixed_periods_keep_their_months():
    assert parse_period("2025-Q2").months() == [(2025, 4), (2025, 5), (2025, 6)]
    assert parse_period("2025").months()[-1] == (2025, 12)


@pytest.mark.parametrize("text, message", [
    ("2025-05-31~2025-03-01", "期间的结束日期 2025-03-01 早于开始日期 2025-05-31"),
    ("2025-02-30~2025-03-01", "无法识别的期间「2025-02-30~2025-03-01」：日期无效"),
    ("2025-01-01~2027-01-02", "自定义期间不能超过 731 天"),
])
def test_bad_ranges_are_refused_in_chinese(text, message):
    with pytest.raises(KaoheError, match=message):
        parse_period(text)


def test_a_one_day_range():
    day = datetime.date(2025, 3, 8)
    assert date_range(day, day).title == "2025年3月8日至3月8日"
