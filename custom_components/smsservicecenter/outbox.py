"""The outbox: messages that certainly did not reach the provider, kept on disk until sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    DOMAIN,
    LOGGER,
    MAX_QUEUED_MESSAGES,
    OUTBOX_RETRY_AFTER_SETUP,
    OUTBOX_RETRY_MAX,
    OUTBOX_RETRY_MIN,
)

STORAGE_VERSION = 1


class _StrictStore(Store[dict[str, Any]]):
    """A Store whose write raises when it fails: the outbox must know what is on disk."""

    async def async_write_or_raise(self, data: dict[str, Any]) -> None:
        """Write ``data`` now; raise what ``async_save`` would only log (a full disk)."""
        # Store's own write path, without the handler that logs and swallows errors.
        await self._async_write_data(
            {
                "version": self.version,
                "minor_version": self.minor_version,
                "key": self.key,
                "data": data,
            }
        )


class OutboxFullError(Exception):
    """The outbox holds as many messages as it may."""


class OutboxWriteError(Exception):
    """The outbox could not be written to disk: nothing changed there."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedMessage:
    """A message waiting in the outbox."""

    id: str
    numbers: tuple[str, ...]
    message: str
    sendname: str | None
    queued_at: datetime
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
        """Return the message stored as ``data``; raise on anything unusable."""
        queued_at = datetime.fromisoformat(data["queued_at"])
        if queued_at.tzinfo is None:
            raise ValueError("queued_at has no time zone")
        sendname = data["sendname"]
        message = cls(
            id=str(data["id"]),
            numbers=tuple(str(number) for number in data["numbers"]),
            message=str(data["message"]),
            sendname=None if sendname is None else str(sendname),
            queued_at=queued_at,
            segments=int(data["segments"]),
            credits_estimate=int(data["credits_estimate"]),
        )
        if not message.numbers or not message.message:
            raise ValueError("no numbers or no message")
        return message


class Outcome(StrEnum):
    """What became of one try to send a queued message."""

    SENT = "sent"
    KEPT = "kept"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one try, with how long a kept message must wait at least."""

    outcome: Outcome
    retry_after: timedelta | None = None


type TakeOut = Callable[[], Awaitable[None]]
type Deliver = Callable[[QueuedMessage, TakeOut], Awaitable[Delivery]]


class Outbox:
    """The persistent queue of one account, for as long as Home Assistant runs."""

    # It outlives reloads: ``async_start`` binds it to the account's current setup
    # and ``async_stop`` unbinds it. One message is sent at a time, oldest first.

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the outbox to the account with this config entry ID."""
        self._hass = hass
        self._entry_id = entry_id
        self._store = _StrictStore(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outbox")
        self._messages: list[QueuedMessage] = []
        self._taken_out: set[str] = set()
        self._write_lock = asyncio.Lock()
        self._listeners: list[CALLBACK_TYPE] = []
        self._deliver: Deliver | None = None
        self._on_expired: Callable[[QueuedMessage], None] | None = None
        self.max_age = timedelta(0)
        self._backoff = OUTBOX_RETRY_MIN
        self._not_before: datetime | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._flush: asyncio.Task[None] | None = None

    async def async_load(self) -> None:
        """Read the messages that waited when Home Assistant stopped; skip unreadable ones."""
        stored = await self._store.async_load() or {}
        entries = stored.get("messages")
        skipped = 0
        for data in entries if isinstance(entries, list) else ():
            try:
                self._messages.append(QueuedMessage.from_dict(data))
            except KeyError, TypeError, ValueError:
                skipped += 1
        if skipped:
            LOGGER.warning("Skipped %d unreadable message(s) in the outbox", skipped)

    @property
    def enabled(self) -> bool:
        """Return whether sends that certainly did not go out are queued."""
        return self.max_age > timedelta(0)

    @property
    def messages(self) -> tuple[QueuedMessage, ...]:
        """Return the waiting messages, oldest first (also one being sent now)."""
        return tuple(self._messages)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` whenever the outbox changes; return the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_start(
        self,
        deliver: Deliver,
        max_age: timedelta,
        on_expired: Callable[[QueuedMessage], None],
    ) -> None:
        """Start sending what waits through the account's current setup."""
        self._deliver = deliver
        self._on_expired = on_expired
        self.max_age = max_age
        if self._messages and self._flush is None:
            self._async_schedule_retry(OUTBOX_RETRY_AFTER_SETUP)

    @callback
    def async_stop(self) -> None:
        """Stop sending: a run in progress ends after its current message."""
        self._deliver = None
        self._async_cancel_retry()

    async def async_remove(self) -> None:
        """Drop the outbox of a removed account, on disk too."""
        self.async_stop()
        if self._flush is not None:
            self._flush.cancel()
        self._messages.clear()
        async with self._write_lock:
            await self._store.async_remove()

    async def async_add(self, message: QueuedMessage) -> None:
        """Queue a message on disk; raise OutboxFullError or OutboxWriteError."""
        if len(self._messages) >= MAX_QUEUED_MESSAGES:
            raise OutboxFullError
        self._messages.append(message)
        try:
            await self._async_write()
        except OutboxWriteError:
            self._messages.remove(message)
            raise
        self._async_changed()
        if self._deliver is not None and self._flush is None:
            self._async_schedule_retry(self._backoff, keep_earlier=True)

    @callback
    def async_account_reachable(self) -> None:
        """Send what waits now that a poll succeeded, unless the provider asked to wait."""
        if not self._messages or self._flush is not None or self._deliver is None:
            return
        if self._not_before is not None and self._not_before > dt_util.utcnow():
            self._async_schedule_retry(self._not_before - dt_util.utcnow())
            return
        self._backoff = OUTBOX_RETRY_MIN
        self._async_start_flush()

    async def _async_write(self) -> None:
        """Write the waiting messages but those taken out; raise OutboxWriteError."""
        async with self._write_lock:
            # The snapshot is taken inside the lock: the last write holds the latest state.
            data = {
                "messages": [
                    message.as_dict()
                    for message in self._messages
                    if message.id not in self._taken_out
                ]
            }
            try:
                await self._store.async_write_or_raise(data)
            except (HomeAssistantError, OSError) as err:
                LOGGER.error("The outbox could not be written: %s", err)
                raise OutboxWriteError from err

    @callback
    def _async_changed(self) -> None:
        """Tell the listeners (the queued messages sensor) the outbox changed."""
        for listener in list(self._listeners):
            listener()

    @callback
    def _async_cancel_retry(self) -> None:
        """Cancel the scheduled try, if any."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    @callback
    def _async_schedule_retry(
        self, delay: timedelta, *, keep_earlier: bool = False
    ) -> None:
        """Try again after ``delay``, or when the oldest message expires if that is sooner."""
        if keep_earlier and self._cancel_retry is not None:
            return
        self._async_cancel_retry()
        now = dt_util.utcnow()
        if self._not_before is not None:
            delay = max(delay, self._not_before - now)
        until_expiry = self._messages[0].queued_at + self.max_age - now
        self._cancel_retry = async_call_later(
            self._hass,
            max(min(delay, until_expiry), timedelta(0)),
            HassJob(self._async_retry_timer, cancel_on_shutdown=True),
        )

    @callback
    def _async_retry_timer(self, _now: datetime) -> None:
        """Send what waits, now that the wait is over."""
        self._cancel_retry = None
        if self._flush is None and self._deliver is not None:
            self._async_start_flush()

    @callback
    def _async_start_flush(self) -> None:
        """Send the waiting messages in the background, oldest first."""
        self._async_cancel_retry()
        # Not bound to the config entry: a reload lets the current message finish.
        self._flush = self._hass.async_create_background_task(
            self._async_flush(),
            name=f"{DOMAIN} outbox {self._entry_id}",
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
            if (deliver := self._deliver) is None:
                return
            message = self._messages[0]
            if not await self._async_try(deliver, message):
                return
        self._backoff = OUTBOX_RETRY_MIN
        self._not_before = None

    async def _async_try(self, deliver: Deliver, message: QueuedMessage) -> bool:
        """Try to send one message; return whether the next one may follow."""
        taken_out = False

        async def take_out() -> None:
            """Take the message off disk before its request: a restart never resends it."""
            nonlocal taken_out
            self._taken_out.add(message.id)
            try:
                await self._async_write()
            except OutboxWriteError:
                self._taken_out.discard(message.id)
                raise
            taken_out = True

        try:
            delivery = await deliver(message, take_out)
        except BaseException:
            if taken_out:
                # Interrupted while its request may have been out: never sent again.
                self._taken_out.discard(message.id)
                self._async_remove(message)
                LOGGER.warning(
                    "A queued SMS may have been sent when its send was interrupted; "
                    "it is not sent again"
                )
            raise
        self._taken_out.discard(message.id)
        if delivery.outcome is Outcome.KEPT:
            if taken_out:
                await self._async_write_logged()
            self._backoff = min(self._backoff * 2, OUTBOX_RETRY_MAX)
            # A Retry-After is a floor, also for a poll that succeeds meanwhile.
            retry_after = delivery.retry_after
            self._not_before = dt_util.utcnow() + retry_after if retry_after else None
            if self._deliver is not None:
                self._async_schedule_retry(self._backoff)
            return False
        self._async_remove(message)
        if not taken_out:
            await self._async_write_logged()
        return True

    async def _async_write_logged(self) -> None:
        """Write the outbox where a failure can only be logged (it is by the writer)."""
        try:
            await self._async_write()
        except OutboxWriteError:
            return

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
            await self._async_write_logged()
        for message in expired:
            LOGGER.warning(
                "An SMS that could not be sent was dropped from the outbox after "
                "waiting %d minutes",
                self.max_age // timedelta(minutes=1),
            )
            if self._on_expired is not None:
                self._on_expired(message)
        return bool(self._messages)
