"""Periods: the labels offices write and the dates they cover."""

import datetime

import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period

D = datetime.date


@pytest.mark.parametrize("text, label, kind, start, end", [
    ("2025", "2025", "year", D(2025, 1, 1), D(2025, 12, 31)),
    ("2025-H1", "2025-H1", "half", D(2025, 1, 1), D(2025, 6, 30)),
    ("2025-h2", "2025-H2", "half", D(2025, 7, 1), D(2025, 12, 31)),
    ("2025-Q1", "2025-Q1", "quarter", D(2025, 1, 1), D(2025, 3, 31)),
    ("2025-Q4", "2025-Q4", "quarter", D(2025, 10, 1), D(2025, 12, 31)),
    ("2025-03", "2025-03", "month", D(2025, 3, 1), D(2025, 3, 31)),
    ("2024-2", "2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
    ("2025-02", "2025-02", "month", D(2025, 2, 1), D(2025, 2, 28)),
])
def test_periods_cover_the_dates_offices_mean(text, label, kind, start, end):
    period = parse_period(text)
    assert (period.label, period.kind, period.start, period.end) == (label, kind, start, end)
    assert period.is_full_year == (kind == "year")


def test_period_bounds_for_timestamps_are_half_open():
    period = parse_period("2025-03")
    assert period.start_at == datetime.datetime(2025, 3, 1)
    assert period.end_at == datetime.datetime(2025, 4, 1)
    assert period.contains(D(2025, 3, 31)) and not period.contains(D(2025, 4, 1))


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "25", "2025/03", "三月", ""])
def test_bad_periods_are_refused_in_chinese(text):
    with pytest.raises(KaoheError, match="无法识别的期间"):
        parse_period(text)


def test_titles_read_as_chinese():
    assert [parse_period(t).title for t in ("2025", "2025-H2", "2025-Q3", "2025-03")] == [
        "2025年", "2025年下半年", "2025年第3季度", "2025年3月"]
