"""The further reports by name, for the panel, the command and the API: what each is called and needs."""

from dataclasses import dataclass
from typing import Callable

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say
from kaohe.core.exchange.reports.counts import publication_counts, reporter_page, solicitation_share
from kaohe.core.exchange.reports.period_reports import (
    quarterly_notification,
    target_completion,
    urgent_notification,
)


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    build: Callable
    period_hint: str          # what the period may be, in the clerk's words
    needs_reporter: bool = False


REPORTS = {kind.name: kind for kind in (
    ReportKind("quarterly", "每季度通报", quarterly_notification, "季度，如 2025-Q1"),
    ReportKind("urgent", "紧急重大信息报送情况通报", urgent_notification, "月、季度、半年或全年"),
    ReportKind("targets", "目标任务完成情况", target_completion, "通常为全年"),
    ReportKind("publications", "按刊物统计采用", publication_counts, "月、季度、半年或全年"),
    ReportKind("solicitations", "约稿采用占比", solicitation_share, "月、季度、半年或全年"),
    ReportKind("reporter", "信息员个人页", reporter_page, "月、季度、半年或全年", needs_reporter=True),
)}


def report_kind(name):
    kind = REPORTS.get(name)
    if kind is None:
        known = "、".join(f"{k.name}（{k.title}）" for k in REPORTS.values())
        raise KaoheError(say("没有名为「{name}」的报表；可用的报表：{known}", name=name, known=known))
    return kind


def build_report(name, scheme, period=None, reporter=None):
    """The report `name` of `scheme` for `period` (a reporter's page also needs `reporter`)."""
    kind = report_kind(name)
    if kind.needs_reporter:
        if not reporter:
            raise KaoheError(say("信息员个人页须指明信息员编号（--reporter R001）"))
        return kind.build(scheme, reporter, period)
    return kind.build(scheme, period)
