"""Typed models of the SMS Service Center API's answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Self

from .exceptions import SmsServiceCenterResponseError
from .parsing import (
    expect_object,
    get_int,
    get_list,
    get_str,
    optional_int,
    optional_positive_int,
    optional_str,
    parse_datetime,
)

HISTORY_PAGE_SIZE = 50
"""The number of messages the history endpoint returns per page."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Packet:
    """A credit packet that can be bought from SMS Service Center."""

    name: str
    slug: str | None
    uuid: str | None
    price_cents: int
    credits: int
    url: str

    @property
    def price(self) -> Decimal:
        """Return the price in euros."""
        return Decimal(self.price_cents).scaleb(-2)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Create a packet from one entry of the packets endpoint's ``data`` list."""
        obj = expect_object(data, "packet")
        return cls(
            name=get_str(obj, "name", "packet"),
            # The integration does not use slug and uuid: they may be missing.
            slug=optional_str(obj.get("slug")),
            uuid=optional_str(obj.get("uuid")),
            price_cents=get_int(obj, "price", "packet"),
            credits=get_int(obj, "credits", "packet"),
            url=get_str(obj, "url", "packet"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SendResult:
    """The result of sending a message."""

    message_id: str
    test_mode: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SentMessage:
    """A message from the sent message history."""

    id: str | None
    sent_at: datetime
    sendname: str | None
    message: str | None
    count: int | None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Create a message from one history entry; only its ``datetime`` must be readable."""
        obj = expect_object(data, "history message")
        return cls(
            id=optional_str(obj.get("id")),
            sent_at=parse_datetime(obj.get("datetime")),
            sendname=optional_str(obj.get("sendname")),
            message=optional_str(obj.get("message")),
            count=optional_int(obj.get("count")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryPage:
    """One page of the sent message history (newest first)."""

    messages: tuple[SentMessage, ...]
    current_page: int
    total_pages: int
    items_per_page: int
    skipped: int = 0
    """Entries left out of ``messages`` because they had no readable ``datetime``."""

    @classmethod
    def from_dict(cls, data: object, *, requested_page: int = 1) -> Self:
        """Create a page from the ``details`` of the history endpoint."""
        obj = expect_object(data, "history details")
        messages: list[SentMessage] = []
        skipped = 0
        for item in get_list(obj, "messages", "history details"):
            try:
                messages.append(SentMessage.from_dict(item))
            except SmsServiceCenterResponseError:
                skipped += 1
        return cls(
            messages=tuple(messages),
            current_page=optional_positive_int(obj.get("currentpage"))
            or requested_page,
            total_pages=get_int(obj, "totalpages", "history details"),
            items_per_page=optional_positive_int(obj.get("items_per_page"))
            or HISTORY_PAGE_SIZE,
            skipped=skipped,
        )
