"""A summary of the sent-message history: how many messages, and when the last one went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .api import HistoryPage


@dataclass(frozen=True, slots=True, kw_only=True)
class HistorySummary:
    """What the sent-message history of the last 30 days says."""

    messages_last_30_days: int
    last_message_sent: datetime | None


def summarize_history(
    first_page: HistoryPage, last_page: HistoryPage
) -> HistorySummary:
    """Return the summary of the history from its first and its last page."""
    return HistorySummary(
        messages_last_30_days=count_messages(first_page, last_page),
        last_message_sent=latest_message_time(first_page, last_page),
    )


def count_messages(first_page: HistoryPage, last_page: HistoryPage) -> int:
    """Count the messages of the last 30 days from the first and the last history page."""
    # Messages without a readable datetime were sent too: they count.
    if first_page.total_pages <= 1:
        return len(first_page.messages) + first_page.skipped
    full_pages = first_page.total_pages - 1
    return (
        full_pages * first_page.items_per_page
        + len(last_page.messages)
        + last_page.skipped
    )


def latest_message_time(
    first_page: HistoryPage, last_page: HistoryPage
) -> datetime | None:
    """Return when the newest message was sent, whichever end of the history holds it."""
    times = [message.sent_at for message in (*first_page.messages, *last_page.messages)]
    return max(times, default=None)
