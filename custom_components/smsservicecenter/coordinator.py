"""Data update coordinator for the SMS Service Center integration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .account import Account
from .account_check import async_take_account_check
from .api import (
    Packet,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterClient,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
)
from .const import (
    CONF_LOW_CREDITS_THRESHOLD,
    CREDITS_REFRESH_COOLDOWN,
    DEFAULT_LOW_CREDITS_THRESHOLD,
    DOMAIN,
    LOGGER,
    MAX_RETRY_AFTER,
    SCAN_INTERVAL,
)
from .errors import translation_of
from .history import HistorySummary, summarize_history
from .issues import async_update_low_credits_issue


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountStatus:
    """What the coordinator knows about one account."""

    credits: int
    """The balance after every send the integration made since it was read."""
    sendname: str | None
    """The default sendname, or None when the account has none."""
    history: HistorySummary | None
    """None when the history was not read: both history sensors are disabled, or it failed."""
    sendname_read: bool = True
    """False when the sendname could not be read: only the sender name entity is down."""


class SmsServiceCenterCoordinator(DataUpdateCoordinator[AccountStatus]):
    """Polls credits, the default sendname and a summary of the sent-message history."""

    config_entry: SmsServiceCenterConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsServiceCenterConfigEntry,
        client: SmsServiceCenterClient,
        account: Account,
    ) -> None:
        """Initialize the coordinator of one account; balances go to its ledger."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=SCAN_INTERVAL,
        )
        self.client = client
        self.account = account
        self.ledger = account.budget.ledger
        self.packets: tuple[Packet, ...] | None = None
        self._balance_read: asyncio.Task[int] | None = None
        self._history_failed = False
        self._sendname_failed = False
        self._history_sensors = 0
        """How many history sensors are added: the history is read while there are any."""
        self._history_read = False
        """Whether the last poll read the history, or a history sensor made it read."""
        self._credits_refresh = Debouncer(
            hass,
            LOGGER,
            cooldown=CREDITS_REFRESH_COOLDOWN.total_seconds(),
            immediate=False,
            function=self._async_refresh_credits,
            background=True,
        )

    @property
    def low_credits_threshold(self) -> int:
        """Return the balance under which the account counts as low on credits."""
        threshold: int = self.config_entry.options.get(
            CONF_LOW_CREDITS_THRESHOLD, DEFAULT_LOW_CREDITS_THRESHOLD
        )
        return threshold

    async def _async_update_data(self) -> AccountStatus:
        """Fetch the account status from the API, its requests at once."""
        # The credits and the sendname, and the history while a history sensor is
        # added. At setup none is added yet, so setup waits for one round trip: the
        # history sensors read the history in the background when they are added.
        read_started_at = self.ledger.begin_read()
        self._history_read = self._history_sensors > 0
        try:
            credits_, sendname, history = await self._async_read_status(read_started_at)
            sendname_read = not isinstance(sendname, SmsServiceCenterError)
        except SmsServiceCenterAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except SmsServiceCenterError as err:
            LOGGER.debug("Updating the account failed: %s", err)
            key, placeholders = translation_of(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders=placeholders or None,
                retry_after=_clamp_retry_after(
                    err.retry_after
                    if isinstance(err, SmsServiceCenterConnectionError)
                    else None
                ),
            ) from err

        self._async_apply_balance(credits_, read_started_at)
        if self.packets is None and self.ledger.balance < self.low_credits_threshold:
            # The issue links to a packet: it is raised once the packet list is
            # known, so that the poll (and setup) need not wait for that request.
            self.config_entry.async_create_background_task(
                self.hass,
                self._async_raise_low_credits_issue(),
                name=f"{DOMAIN} packet list {self.config_entry.entry_id}",
            )
        else:
            self._async_update_low_credits_issue()
        self.account.outbox.async_account_reachable()
        return AccountStatus(
            credits=self.ledger.balance,
            sendname=None if isinstance(sendname, SmsServiceCenterError) else sendname,
            history=history,
            sendname_read=sendname_read,
        )

    async def _async_read_status(
        self, read_started_at: int
    ) -> tuple[int, str | SmsServiceCenterError | None, HistorySummary | None]:
        """Read the credits, the sendname and the history when it is wanted, at once."""
        # All of them are waited for. Of their errors a rejected token is raised
        # first, so that reauth starts whichever request saw it. What a config flow
        # read a moment ago is not asked again.
        if not self._history_read and (
            checked := async_take_account_check(
                self.hass, self.config_entry.data[CONF_API_TOKEN], self.client.base_url
            )
        ):
            return checked.credits, checked.sendname, None
        credits_, sendname, history = await asyncio.gather(
            self.client.get_credits(),
            self.client.get_sendname(),
            self._async_read_history(read_started_at)
            if self._history_read
            else _no_history(),
            return_exceptions=True,
        )
        if isinstance(sendname, SmsServiceCenterError) and not isinstance(
            sendname, SmsServiceCenterAuthenticationError
        ):
            # Only the sender name entity needs it: the credits stay up to date.
            self._async_sendname_failed(sendname)
        elif isinstance(sendname, BaseException):
            raise _error_to_raise(credits_, sendname, history)
        if isinstance(credits_, BaseException) or isinstance(history, BaseException):
            raise _error_to_raise(credits_, history)
        if not isinstance(sendname, SmsServiceCenterError) and self._sendname_failed:
            LOGGER.info("The default sender name can be read again")
            self._sendname_failed = False
        return credits_, sendname, history

    async def _async_raise_low_credits_issue(self) -> None:
        """Fetch the packet list for the low credits issue, then raise the issue."""
        await self._async_fetch_packets_if_needed()
        self._async_update_low_credits_issue()

    @callback
    def _async_sendname_failed(self, err: SmsServiceCenterError) -> None:
        """Log, once until it recovers, that the sendname could not be read."""
        if not self._sendname_failed:
            LOGGER.warning("The default sender name could not be read: %s", err)
        self._sendname_failed = True

    @callback
    def async_add_history_sensor(self) -> CALLBACK_TYPE:
        """Read the history while a history sensor is added; return the callback to remove it."""
        # The first one added reads it at once, in the background, unless the last
        # poll read it; the other one, added with it, does not read it again.
        self._history_sensors += 1
        if not self._history_read:
            self._history_read = True
            self.config_entry.async_create_background_task(
                self.hass,
                self._async_refresh_history(),
                name=f"{DOMAIN} history read {self.config_entry.entry_id}",
            )

        @callback
        def _async_remove() -> None:
            self._history_sensors -= 1

        return _async_remove

    async def _async_refresh_history(self) -> None:
        """Read the history apart from a poll and show it."""
        try:
            history = await self._async_read_history(self.ledger.begin_read())
        except SmsServiceCenterAuthenticationError:
            # The next poll would fail the same way: ask for a new token now.
            self.config_entry.async_start_reauth(self.hass)
            return
        self._async_publish(replace(self.data, history=history))

    async def _async_read_history(self, read_started_at: int) -> HistorySummary | None:
        """Summarise the history; None when it cannot be read."""
        # The history only feeds the two history sensors: when it fails, they are
        # unavailable while the credits and the sendname stay up to date. A token
        # the API rejects is raised. Sends accepted since ``read_started_at`` count.
        try:
            first_page = await self.client.get_history()
            last_page = first_page
            if first_page.total_pages > 1:
                last_page = await self.client.get_history(first_page.total_pages)
        except SmsServiceCenterAuthenticationError:
            raise
        except SmsServiceCenterError as err:
            if not self._history_failed:
                LOGGER.warning("The sent-message history could not be read: %s", err)
            self._history_failed = True
            return None
        if self._history_failed:
            LOGGER.info("The sent-message history can be read again")
            self._history_failed = False
        self._sendname_failed = False
        skipped = first_page.skipped + (
            last_page.skipped if last_page is not first_page else 0
        )
        if skipped:
            LOGGER.debug(
                "Skipped %d history entries without a readable time (counted as sent)",
                skipped,
            )
        return self._add_sends_since(
            summarize_history(first_page, last_page),
            read_started_at,
        )

    def _add_sends_since(
        self, history: HistorySummary, read_started_at: int
    ) -> HistorySummary:
        """Add the sends accepted while the history was being read."""
        # The history answered may not list them yet; they were already counted
        # when they were accepted, and must not disappear again.
        sends = self.ledger.sends_accepted_since(read_started_at)
        if not sends:
            return history
        times = [history.last_message_sent]
        if (previous := self.data.history) is not None:
            times.append(previous.last_message_sent)
        return HistorySummary(
            messages_last_30_days=history.messages_last_30_days + sends,
            last_message_sent=max(
                (time for time in times if time is not None), default=None
            ),
        )

    async def async_read_balance(self) -> int:
        """Read the balance now and return what a new send may still reserve."""
        # Concurrent callers share one request. Raises SmsServiceCenterError.
        if self._balance_read is None or self._balance_read.done():
            self._balance_read = self.config_entry.async_create_background_task(
                self.hass,
                self._async_fetch_balance(),
                name=f"{DOMAIN} balance read {self.config_entry.entry_id}",
            )
        return await asyncio.shield(self._balance_read)

    async def _async_fetch_balance(self) -> int:
        """Read the balance into the ledger, publish it and return what is available."""
        read_started_at = self.ledger.begin_read()
        credits_ = await self.client.get_credits()
        if self._async_apply_balance(credits_, read_started_at):
            self.async_publish_credits()
        return self.ledger.available

    @callback
    def _async_apply_balance(self, credits_: int, read_started_at: int) -> bool:
        """Take a balance read into the ledger; confirm it later if sends were booked meanwhile."""
        applied = self.ledger.apply_balance(credits_, read_started_at)
        if self.ledger.has_bookings_since_read:
            # The answer may or may not include those sends: read again once they settle.
            self._credits_refresh.async_schedule_call()
        return applied

    @callback
    def async_publish_credits(self) -> None:
        """Show the ledger's balance, and raise or clear the low credits issue."""
        self._async_publish(replace(self.data, credits=self.ledger.balance))
        self._async_update_low_credits_issue()

    @callback
    def async_sent(self, *, accepted: bool) -> None:
        """Show a send: its cost right away, its confirmed balance a little later."""
        # An accepted send counts in the history sensors at once. The balance is
        # read again once, when the sends have settled, instead of after each one.
        if accepted and (history := self.data.history) is not None:
            self.data = replace(
                self.data,
                history=HistorySummary(
                    messages_last_30_days=history.messages_last_30_days + 1,
                    last_message_sent=dt_util.utcnow(),
                ),
            )
        self.async_publish_credits()
        self._credits_refresh.async_schedule_call()

    async def _async_refresh_credits(self) -> None:
        """Read the balance after sends; a failure waits for the next poll."""
        try:
            await self.async_read_balance()
        except SmsServiceCenterError as err:
            LOGGER.debug("Could not read the balance after sending: %s", err)
            return
        if await self._async_fetch_packets_if_needed():
            self._async_update_low_credits_issue()

    async def async_set_sendname(self, sendname: str) -> None:
        """Set the account's default sendname and publish the one the API now uses."""
        sendname = await self.client.set_sendname(sendname)
        self._async_publish(replace(self.data, sendname=sendname, sendname_read=True))

    async def async_shutdown(self) -> None:
        """Stop the coordinator and the pending balance read after sends."""
        await super().async_shutdown()
        self._credits_refresh.async_shutdown()

    @callback
    def _async_publish(self, data: AccountStatus) -> None:
        """Show one changed value of the account status to the entities."""
        # Unlike ``async_set_updated_data`` this leaves ``last_update_success`` and
        # the poll schedule alone: one answered call is no successful update of
        # everything, so a failing coordinator stays failed (its entities stay
        # unavailable) until the next poll succeeds, and the poll is not put off.
        self.data = data
        self.async_update_listeners()

    @callback
    def _async_update_low_credits_issue(self) -> None:
        """Raise or clear the low credits repair issue for the ledger's balance."""
        async_update_low_credits_issue(
            self.hass,
            self.config_entry,
            self.ledger.balance,
            self.low_credits_threshold,
            self.packets or (),
        )

    async def _async_fetch_packets_if_needed(self) -> bool:
        """Fetch the packet list for the issue's link while the balance is low."""
        # Never on the send path: by the poll and the balance read after sends,
        # once each, and only while the list is unknown. Return whether it was
        # fetched.
        if (
            self.packets is not None
            or self.ledger.balance >= self.low_credits_threshold
        ):
            return False
        self.packets = await self._async_fetch_packets()
        return self.packets is not None

    async def _async_fetch_packets(self) -> tuple[Packet, ...] | None:
        """Fetch the public packet list; a failure only costs the repair its link."""
        try:
            return await self.client.get_packets()
        except SmsServiceCenterError as err:
            LOGGER.debug("Could not fetch the packet list: %s", err)
            return None


async def _no_history() -> None:
    """Return no history: for a poll that does not read it."""
    return


def _error_to_raise(*results: object) -> BaseException:
    """Return the error to raise of concurrent requests: a rejected token, else the first."""
    errors = [result for result in results if isinstance(result, BaseException)]
    return next(
        (
            error
            for error in errors
            if isinstance(error, SmsServiceCenterAuthenticationError)
        ),
        errors[0],
    )


def _clamp_retry_after(retry_after: float | None) -> float | None:
    """Return when to poll again after a ``Retry-After``, in seconds, within bounds."""
    # The API is never polled sooner than at the normal scan interval (a Retry-After
    # of 0 or a date in the past would make Home Assistant poll every second), nor
    # later than ``MAX_RETRY_AFTER`` (a day-long Retry-After would stop polling for a
    # day). Without a Retry-After the next poll is at the normal scan interval.
    if retry_after is None:
        return None
    return min(
        max(retry_after, SCAN_INTERVAL.total_seconds()),
        MAX_RETRY_AFTER.total_seconds(),
    )


@dataclass(slots=True, kw_only=True)
class SmsServiceCenterData:
    """Runtime data of one SMS Service Center account, for one setup."""

    client: SmsServiceCenterClient
    coordinator: SmsServiceCenterCoordinator
    account: Account


type SmsServiceCenterConfigEntry = ConfigEntry[SmsServiceCenterData]
