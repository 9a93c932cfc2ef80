"""The monthly notification (每月通报) and the annual award documents, as plain data, xlsx and printable HTML.

`notification` and `awards` gather the figures from stored runs; `documents` renders them.
"""

from kaohe.core.exchange.reports.awards import award_documents
from kaohe.core.exchange.reports.common import OFFICIAL, UNOFFICIAL, issuer_of
from kaohe.core.exchange.reports.documents import (
    awards_filename,
    awards_html,
    awards_xlsx,
    notification_filename,
    notification_html,
    notification_xlsx,
)
from kaohe.core.exchange.reports.notification import MissingMonths, month_runs, monthly_notification

__all__ = [
    "award_documents", "monthly_notification", "month_runs", "MissingMonths", "issuer_of", "OFFICIAL", "UNOFFICIAL",
    "notification_html", "notification_xlsx", "notification_filename",
    "awards_html", "awards_xlsx", "awards_filename",
]
