"""Scoring periods: a year `2025`, a half `2025-H1`, a quarter `2025-Q1`, a month `2025-03`, or a
custom date range `2025-09-01~2026-07-15` (a school year, a campaign's weeks)."""

import calendar
import datetime
import re
from dataclasses import dataclass

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say

_PATTERN = re.compile(r"^(\d{4})(?:-(?:(H[12])|(Q[1-4])|(\d{1,2})))?$", re.IGNORECASE)
_DAY = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_RANGE = re.compile(rf"^{_DAY}\s*(?:~|～|\.\.|至|到|—|--)\s*{_DAY}$")

# The kinds of period, with the words a rule's parameters show for them.
PERIOD_KINDS = {"year": "年度", "half": "半年", "quarter": "季度", "month": "月度",
                "range": "自定义期间"}

# The longest period label (a range: 2025-09-01~2026-07-15), as stored with a run.
LABEL_LENGTH = 21
# A custom range is at most this long: enough for a school year or a span of two years.
MAX_RANGE_DAYS = 731


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # year, half, quarter, month, range
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
        """The (year, month) pairs the period touches, in order."""
        found, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    @property
    def title(self):
        if self.kind == "year":
            return say("{year}年", year=self.year)
        if self.kind == "half":
            if self.start.month == 1:
                return say("{year}年上半年", year=self.year)
            return say("{year}年下半年", year=self.year)
        if self.kind == "quarter":
            return say("{year}年第{quarter}季度", year=self.year, quarter=(self.start.month - 1) // 3 + 1)
        if self.kind == "range":
            start, end = self.start, self.end
            ending = (say("{month}月{day}日", month=end.month, day=end.day) if end.year == start.year
                      else say("{year}年{month}月{day}日", year=end.year, month=end.month, day=end.day))
            beginning = say("{year}年{month}月{day}日", year=start.year, month=start.month, day=start.day)
            return say("{start}至{end}", start=beginning, end=ending)
        return say("{year}年{month}月", year=self.year, month=self.start.month)

    def __str__(self):
        return self.label


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def date_range(start, end):
    """The custom period from `start` to `end` (dates, both inclusive); its year is the start's."""
    if end < start:
        raise KaoheError(say("期间的结束日期 {end} 早于开始日期 {start}",
            end=end.isoformat(), start=start.isoformat()))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise KaoheError(say("自定义期间不能超过 {limit} 天（{start} 至 {end}）",
            limit=MAX_RANGE_DAYS, start=start.isoformat(), end=end.isoformat()))
    return Period(f"{start.isoformat()}~{end.isoformat()}", "range", start.year, start, end)


def _range(match, text):
    parts = [int(part) for part in match.groups()]
    try:
        start, end = datetime.date(*parts[:3]), datetime.date(*parts[3:])
    except ValueError:
        raise KaoheError(say("无法识别的期间「{text}」：日期无效", text=text)) from None
    return date_range(start, end)


def parse_period(text):
    """Turn `2025`, `2025-H1`, `2025-Q3`, `2025-03` or `2025-03-01~2025-05-31` into a Period;
    raise a clear error otherwise."""
    text = str(text).strip()
    match = _PATTERN.match(text)
    if not match:
        ranged = _RANGE.match(text)
        if ranged:
            return _range(ranged, text)
        raise KaoheError(say("无法识别的期间「{text}」：应为 2025、2025-H1、2025-Q1 或 2025-03 的形式",
            text=text))
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
            raise KaoheError(say("无法识别的期间「{text}」：月份应在 01 到 12 之间", text=text))
        return Period(f"{year}-{m:02d}", "month", year, datetime.date(year, m, 1), _month_end(year, m))
    return Period(str(year), "year", year, datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def now():
    """Wall-clock time in China Standard Time, as a naive datetime (the schemes' clock)."""
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).replace(
        tzinfo=None, microsecond=0)
