"""Scoring periods: a year `2025`, a half `2025-H1`, a quarter `2025-Q1` or a month `2025-03`."""

import calendar
import datetime
import re
from dataclasses import dataclass

from kaohe.core.domain.errors import KaoheError

_PATTERN = re.compile(r"^(\d{4})(?:-(?:(H[12])|(Q[1-4])|(\d{1,2})))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # year, half, quarter, month
    year: int
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def is_full_year(self):
        return self.kind == "year"

    @property
    def end_exclusive(self):
        return self.end + datetime.timedelta(days=1)

    @property
    def start_at(self):
        """The first instant of the period (China Standard Time, naive)."""
        return datetime.datetime.combine(self.start, datetime.time())

    @property
    def end_at(self):
        """The first instant after the period."""
        return datetime.datetime.combine(self.end_exclusive, datetime.time())

    def contains(self, day):
        return self.start <= day <= self.end

    def months(self):
        """The (year, month) pairs of the period, in order."""
        return [(self.year, m) for m in range(self.start.month, self.end.month + 1)]

    @property
    def title(self):
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.start.month == 1 else '下'}半年"
        if self.kind == "quarter":
            return f"{self.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.year}年{self.start.month}月"

    def __str__(self):
        return self.label


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text):
    """Turn `2025`, `2025-H1`, `2025-Q3` or `2025-03` into a Period; raise a clear error otherwise."""
    text = str(text).strip()
    match = _PATTERN.match(text)
    if not match:
        raise KaoheError(f"无法识别的期间「{text}」：应为 2025、2025-H1、2025-Q1 或 2025-03 的形式")
    year = int(match.group(1))
    half, quarter, month = match.group(2), match.group(3), match.group(4)
    if half:
        first = 1 if half.upper() == "H1" else 7
        return Period(f"{year}-{half.upper()}", "half", year, datetime.date(year, first, 1),
                      _month_end(year, first + 5))
    if quarter:
        first = (int(quarter[1]) - 1) * 3 + 1
        return Period(f"{year}-{quarter.upper()}", "quarter", year, datetime.date(year, first, 1),
                      _month_end(year, first + 2))
    if month:
        m = int(month)
        if not 1 <= m <= 12:
            raise KaoheError(f"无法识别的期间「{text}」：月份应在 01 到 12 之间")
        return Period(f"{year}-{m:02d}", "month", year, datetime.date(year, m, 1), _month_end(year, m))
    return Period(str(year), "year", year, datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def now():
    """Wall-clock time in China Standard Time, as a naive datetime (the schemes' clock)."""
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).replace(
        tzinfo=None, microsecond=0)
