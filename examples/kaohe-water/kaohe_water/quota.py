"""Weekly submission quotas: the full weeks of a period and what each unit submitted in each."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from kaohe.plugins import ZERO, money

CHINA = datetime.timezone(datetime.timedelta(hours=8))


def china_today():
    """Today's date in China Standard Time (the schemes' clock)."""
    return datetime.datetime.now(CHINA).date()


@dataclass(frozen=True)
class Week:
    """One Monday-to-Sunday week."""
    start: datetime.date

    @property
    def end(self):
        return self.start + datetime.timedelta(days=6)

    @property
    def year(self):
        return self.start.isocalendar()[0]

    @property
    def number(self):
        return self.start.isocalendar()[1]

    @property
    def key(self):
        """2025-W10: the week's ISO name, used as the score line's ``ref``."""
        return f"{self.year}-W{self.number:02d}"

    @property
    def days(self):
        """3月3日—3月9日"""
        return f"{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日"

    @property
    def title(self):
        """2025年第10周（3月3日—3月9日）"""
        return f"{self.year}年第{self.number}周（{self.days}）"

    @property
    def short(self):
        """第10周 3/3—3/9, for a table header."""
        return f"第{self.number}周 {self.start.month}/{self.start.day}—{self.end.month}/{self.end.day}"


def full_weeks(period, today=None):
    """The weeks lying entirely inside `period` that are over by `today` (their Sunday is past).

    A week still running is not counted: its units may yet submit. A week that straddles the
    period's start or end belongs to no period of that kind and is never counted in it.
    """
    today = today or china_today()
    monday = period.start + datetime.timedelta(days=(7 - period.start.weekday()) % 7)
    weeks = []
    while True:
        week = Week(monday)
        if week.end > period.end or week.end >= today:
            return weeks
        weeks.append(week)
        monday += datetime.timedelta(days=7)


@dataclass
class UnitWeeks:
    """One unit's submissions in each counted week, and what it falls short of the quota."""
    unit: object  # a kaohe.plugins.UnitRow
    submitted: list
    quota: int
    deduction: Decimal

    @property
    def missing(self):
        return [max(0, self.quota - count) for count in self.submitted]

    @property
    def missing_total(self):
        return sum(self.missing)

    @property
    def points(self):
        """The deduction for the whole period, a negative amount (or 0.00)."""
        return money(-self.deduction * self.missing_total) if self.missing_total else ZERO


@dataclass
class QuotaTable:
    """Units × weeks: the submissions counted against a weekly quota."""
    weeks: list
    quota: int
    deduction: Decimal
    rows: list = field(default_factory=list)


def quota_table(data, quota, deduction, today=None):
    """Count each member unit's submissions per full week of ``data.period``.

    An item counts in the week of its submission date, once for each member unit that reported
    it (a joint report is a submission of each of its units).
    """
    weeks = full_weeks(data.period, today)
    position = {week.start: n for n, week in enumerate(weeks)}
    counts = {unit_id: [0] * len(weeks) for unit_id in data.units}
    for (unit_id, day), count in data.daily_submissions.items():
        n = position.get(day - datetime.timedelta(days=day.weekday()))
        if n is not None and unit_id in counts:
            counts[unit_id][n] += count
    rows = [UnitWeeks(data.units[unit_id], counts[unit_id], quota, deduction)
            for unit_id in sorted(data.units, key=lambda u: data.units[u].code)]
    return QuotaTable(weeks, quota, deduction, rows)
