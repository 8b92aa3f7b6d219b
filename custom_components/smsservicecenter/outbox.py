"""The outbox: messages that certainly did not reach the provider, waiting to be sent.

A send whose request certainly did not reach SMS Service Center (the connection
was refused, the name did not resolve, connecting timed out, or the API answered
HTTP 429) is put here instead of being lost, when the account's `outbox_minutes`
option is above 0. The outbox is kept in Home Assistant's storage, so it survives
a restart, and is sent oldest first, one message at a time: after a wait that
doubles after each failed try (up to ``OUTBOX_RETRY_MAX``), and at once when the
coordinator reports the account reachable again. What waits longer than
`outbox_minutes` is dropped.

A message is taken out of the stored outbox before its request goes out, and only
put back when that request certainly did not reach the provider: a restart or an
unload in the middle of a send never sends it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    CONF_OUTBOX_MINUTES,
    DEFAULT_OUTBOX_MINUTES,
    DOMAIN,
    LOGGER,
    OUTBOX_RETRY_AFTER_SETUP,
    OUTBOX_RETRY_MAX,
    OUTBOX_RETRY_MIN,
    SIGNAL_MESSAGE_EVENT,
)

if TYPE_CHECKING:
    from . import SmsServiceCenterConfigEntry
    from .coordinator import SmsServiceCenterCoordinator

STORAGE_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedMessage:
    """A message waiting in the outbox."""

    id: str
    """A UUID, to tell messages with the same text apart."""
    numbers: tuple[str, ...]
    """The recipients, already normalised to E.164 and de-duplicated."""
    message: str
    sendname: str | None
    queued_at: datetime
    """When the message was queued, in UTC."""
    segments: int
    credits_estimate: int

    def as_dict(self) -> dict[str, Any]:
        """Return the message as it is stored."""
        return {
            "id": self.id,
            "numbers": list(self.numbers),
            "message": self.message,
            "sendname": self.sendname,
            "queued_at": self.queued_at.isoformat(),
            "segments": self.segments,
            "credits_estimate": self.credits_estimate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueuedMessage:
        """Return the message stored as ``data``."""
        return cls(
            id=data["id"],
            numbers=tuple(data["numbers"]),
            message=data["message"],
            sendname=data["sendname"],
            queued_at=datetime.fromisoformat(data["queued_at"]),
            segments=data["segments"],
            credits_estimate=data["credits_estimate"],
        )


class Delivery(StrEnum):
    """What became of one try to send a queued message."""

    SENT = "sent"
    """The provider accepted it: it leaves the outbox."""
    KEPT = "kept"
    """It certainly was not sent and may be sent later: it stays, first in line."""
    DROPPED = "dropped"
    """It may have been sent, or the provider refused it: it leaves the outbox.

    Whoever returns it tells the account's listeners (a ``failed`` event).
    """


type Deliver = Callable[[QueuedMessage], Awaitable[Delivery]]


@callback
def async_send_message_event(
    hass: HomeAssistant,
    entry_id: str,
    event_type: str,
    *,
    message_id: str | None,
    test_mode: bool,
    recipients: int,
    segments: int,
    credits_estimate: int,
    queued: bool,
) -> None:
    """Tell the account's listeners (its event entity) that a message event happened."""
    async_dispatcher_send(
        hass,
        SIGNAL_MESSAGE_EVENT.format(entry_id),
        event_type,
        {
            "message_id": message_id,
            "test_mode": test_mode,
            "recipients": recipients,
            "segments": segments,
            "credits_estimate": credits_estimate,
            "queued": queued,
        },
    )


@callback
def async_send_queued_message_event(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    event_type: str,
    message: QueuedMessage,
) -> None:
    """Tell the account's listeners what happened to a message of the outbox.

    It has no message ID: it is queued, expired or failed, never sent.
    """
    async_send_message_event(
        hass,
        entry.entry_id,
        event_type,
        message_id=None,
        test_mode=entry.runtime_data.store.test_mode,
        recipients=len(message.numbers),
        segments=message.segments,
        credits_estimate=message.credits_estimate,
        queued=True,
    )


def outbox_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the storage of an account's outbox."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outbox")


class Outbox:
    """The persistent queue of one account's messages that wait to be sent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsServiceCenterConfigEntry,
        deliver: Deliver,
    ) -> None:
        """Bind the outbox to an account; ``deliver`` tries to send one message.

        ``async_load`` reads what waits.
        """
        self._hass = hass
        self._entry = entry
        self._store = outbox_store(hass, entry.entry_id)
        self._messages: list[QueuedMessage] = []
        self._in_flight: QueuedMessage | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._deliver = deliver
        self._backoff = OUTBOX_RETRY_MIN
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._flush: asyncio.Task[None] | None = None

    async def async_load(self) -> None:
        """Read the messages that waited when Home Assistant stopped."""
        stored = await self._store.async_load()
        if stored is not None:
            self._messages = [
                QueuedMessage.from_dict(message) for message in stored["messages"]
            ]

    @property
    def enabled(self) -> bool:
        """Return whether sends that certainly did not go out are queued."""
        return self.max_age > timedelta(0)

    @property
    def max_age(self) -> timedelta:
        """Return how long a message may wait before it is dropped."""
        minutes: int = self._entry.options.get(
            CONF_OUTBOX_MINUTES, DEFAULT_OUTBOX_MINUTES
        )
        return timedelta(minutes=minutes)

    @property
    def messages(self) -> tuple[QueuedMessage, ...]:
        """Return the waiting messages, oldest first (also one being sent now)."""
        return tuple(self._messages)

    @callback
    def async_start(self, coordinator: SmsServiceCenterCoordinator) -> None:
        """Start sending: soon after setup, and whenever the account answers again.

        Stops when the account unloads.
        """

        @callback
        def _async_coordinator_updated() -> None:
            if coordinator.last_update_success:
                self._async_retry_now()

        self._entry.async_on_unload(
            coordinator.async_add_listener(_async_coordinator_updated)
        )
        self._entry.async_on_unload(self._async_stop)
        if self._messages:
            self._async_schedule_retry(OUTBOX_RETRY_AFTER_SETUP)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` whenever the outbox changes; return the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def async_add(self, message: QueuedMessage) -> None:
        """Queue a message; it is tried again after the current wait."""
        self._messages.append(message)
        self._async_changed()
        await self._async_save()
        if self._flush is None and self._cancel_retry is None:
            self._async_schedule_retry(self._backoff)

    @callback
    def _async_changed(self) -> None:
        """Tell the listeners (the queued messages sensor) the outbox changed."""
        for listener in list(self._listeners):
            listener()

    async def _async_save(self) -> None:
        """Store the waiting messages, except one whose request is out."""
        await self._store.async_save(
            {
                "messages": [
                    message.as_dict()
                    for message in self._messages
                    if message is not self._in_flight
                ]
            }
        )

    @callback
    def _async_retry_now(self) -> None:
        """Send what waits now, unless it is being sent already."""
        if not self._messages or self._flush is not None:
            return
        self._backoff = OUTBOX_RETRY_MIN
        self._async_start_flush()

    @callback
    def _async_schedule_retry(self, delay: timedelta) -> None:
        """Try again after ``delay``, or sooner when the oldest message expires then."""
        if self._cancel_retry is not None:
            self._cancel_retry()
        oldest = self._messages[0].queued_at
        until_expiry = oldest + self.max_age - dt_util.utcnow()
        self._cancel_retry = async_call_later(
            self._hass,
            max(min(delay, until_expiry), timedelta(0)),
            HassJob(self._async_retry_timer, cancel_on_shutdown=True),
        )

    @callback
    def _async_retry_timer(self, _now: datetime) -> None:
        """Send what waits, now that the wait is over."""
        self._cancel_retry = None
        if self._flush is None:
            self._async_start_flush()

    @callback
    def _async_start_flush(self) -> None:
        """Send the waiting messages in the background, oldest first."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        self._flush = self._entry.async_create_background_task(
            self._hass,
            self._async_flush(),
            name=f"{DOMAIN} outbox {self._entry.entry_id}",
            # Not started before it is known as the running flush.
            eager_start=False,
        )
        self._flush.add_done_callback(self._async_flush_done)

    @callback
    def _async_flush_done(self, _task: asyncio.Task[None]) -> None:
        """Let the next retry start a new run."""
        self._flush = None

    async def _async_flush(self) -> None:
        """Send the waiting messages one at a time until one must wait again."""
        while await self._async_drop_expired():
            message = self._messages[0]
            self._in_flight = message
            await self._async_save()
            try:
                delivery = await self._deliver(message)
            except BaseException:
                # Interrupted (the account unloads) while its request may have
                # been out: it may have been sent.
                self._async_remove(message)
                LOGGER.warning(
                    "A queued SMS may have been sent when its send was interrupted; "
                    "it is not sent again"
                )
                raise
            finally:
                self._in_flight = None
            if delivery is Delivery.KEPT:
                await self._async_save()
                self._backoff = min(self._backoff * 2, OUTBOX_RETRY_MAX)
                self._async_schedule_retry(self._backoff)
                return
            # It is no longer in the store: it was left out before its request.
            self._async_remove(message)
        self._backoff = OUTBOX_RETRY_MIN

    @callback
    def _async_remove(self, message: QueuedMessage) -> None:
        """Take a message out of the waiting messages."""
        self._messages.remove(message)
        self._async_changed()

    async def _async_drop_expired(self) -> bool:
        """Drop the messages that waited too long; return whether any still wait."""
        cutoff = dt_util.utcnow() - self.max_age
        expired = [message for message in self._messages if message.queued_at <= cutoff]
        if expired:
            self._messages = [
                message for message in self._messages if message not in expired
            ]
            self._async_changed()
            await self._async_save()
        for message in expired:
            LOGGER.warning(
                "An SMS that could not be sent was dropped from the outbox after "
                "waiting %d minutes",
                self.max_age // timedelta(minutes=1),
            )
            async_send_queued_message_event(self._hass, self._entry, "expired", message)
        return bool(self._messages)

    @callback
    def _async_stop(self) -> None:
        """Stop trying: the account unloads (its run is cancelled with it)."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
