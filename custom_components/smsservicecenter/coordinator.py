"""Data update coordinator for the SMS Service Center integration."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    HistoryPage,
    Packet,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterClient,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
)
from .const import (
    CONF_LOW_CREDITS_THRESHOLD,
    DEFAULT_LOW_CREDITS_THRESHOLD,
    DOMAIN,
    LOGGER,
    MAX_RETRY_AFTER,
    SCAN_INTERVAL,
)
from .issues import async_update_low_credits_issue

if TYPE_CHECKING:
    from . import SmsServiceCenterConfigEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountStatus:
    """What the coordinator knows about one account."""

    credits: int
    sendname: str | None
    """The default sendname, or None when the account has none."""
    messages_last_30_days: int
    last_message_sent: datetime | None


class SmsServiceCenterCoordinator(DataUpdateCoordinator[AccountStatus]):
    """Polls credits, the default sendname and a summary of the sent-message history."""

    config_entry: SmsServiceCenterConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsServiceCenterConfigEntry,
        client: SmsServiceCenterClient,
    ) -> None:
        """Initialize the coordinator for one account."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=SCAN_INTERVAL,
        )
        self.client = client
        self.packets: tuple[Packet, ...] | None = None

    @property
    def low_credits_threshold(self) -> int:
        """Return the balance under which the account counts as low on credits."""
        threshold: int = self.config_entry.options.get(
            CONF_LOW_CREDITS_THRESHOLD, DEFAULT_LOW_CREDITS_THRESHOLD
        )
        return threshold

    async def _async_update_data(self) -> AccountStatus:
        """Fetch the account status from the API."""
        try:
            credits_ = await self.client.get_credits()
            sendname = await self.client.get_sendname()
            first_page = await self.client.get_history()
            last_page = first_page
            if first_page.total_pages > 1:
                last_page = await self.client.get_history(first_page.total_pages)
        except SmsServiceCenterAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except SmsServiceCenterConnectionError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err)},
                retry_after=_clamp_retry_after(err.retry_after),
            ) from err
        except SmsServiceCenterError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err

        pages = (first_page,) if last_page is first_page else (first_page, last_page)
        if skipped := sum(page.skipped for page in pages):
            LOGGER.debug(
                "Skipped %d history entries without a readable time (counted as sent)",
                skipped,
            )
        status = AccountStatus(
            credits=credits_,
            sendname=sendname,
            messages_last_30_days=_count_messages(first_page, last_page),
            last_message_sent=_latest_message_time(first_page, last_page),
        )
        await self._async_update_low_credits_issue(status.credits)
        return status

    async def async_set_credits(self, credits_: int) -> None:
        """Store a freshly fetched balance without polling everything again."""
        self._async_publish(replace(self.data, credits=credits_))
        await self._async_update_low_credits_issue(credits_)

    async def async_set_sendname(self, sendname: str) -> None:
        """Set the account's default sendname and publish the one the API now uses."""
        sendname = await self.client.set_sendname(sendname)
        self._async_publish(replace(self.data, sendname=sendname))

    @callback
    def _async_publish(self, data: AccountStatus) -> None:
        """Show one changed value of the account status to the entities.

        Unlike ``async_set_updated_data`` this leaves ``last_update_success`` and
        the poll schedule alone: one answered call is no successful update of
        everything, so a failing coordinator stays failed (its entities stay
        unavailable) until the next poll succeeds, and the poll is not put off.
        """
        self.data = data
        self.async_update_listeners()

    async def _async_update_low_credits_issue(self, credits_: int) -> None:
        """Raise or clear the low credits repair issue for this balance."""
        threshold = self.low_credits_threshold
        if credits_ < threshold and self.packets is None:
            self.packets = await self._async_fetch_packets()
        async_update_low_credits_issue(
            self.hass, self.config_entry, credits_, threshold, self.packets or ()
        )

    async def _async_fetch_packets(self) -> tuple[Packet, ...] | None:
        """Fetch the public packet list; a failure only costs the repair its link."""
        try:
            return await self.client.get_packets()
        except SmsServiceCenterError as err:
            LOGGER.debug("Could not fetch the packet list: %s", err)
            return None


def _clamp_retry_after(retry_after: float | None) -> float | None:
    """Return when to poll again after a ``Retry-After``, in seconds, within bounds.

    The API is never polled sooner than at the normal scan interval (a Retry-After
    of 0 or a date in the past would make Home Assistant poll every second), nor
    later than ``MAX_RETRY_AFTER`` (a day-long Retry-After would stop polling for a
    day). Without a Retry-After the next poll is at the normal scan interval.
    """
    if retry_after is None:
        return None
    return min(
        max(retry_after, SCAN_INTERVAL.total_seconds()),
        MAX_RETRY_AFTER.total_seconds(),
    )


def _count_messages(first_page: HistoryPage, last_page: HistoryPage) -> int:
    """Count the messages of the last 30 days from the first and the last history page.

    Entries the client skipped (no readable time) were sent all the same.
    """
    if first_page.total_pages <= 1:
        return len(first_page.messages) + first_page.skipped
    full_pages = first_page.total_pages - 1
    return (
        full_pages * first_page.items_per_page
        + len(last_page.messages)
        + last_page.skipped
    )


def _latest_message_time(
    first_page: HistoryPage, last_page: HistoryPage
) -> datetime | None:
    """Return when the newest message was sent, whichever end of the history holds it."""
    times = [message.sent_at for message in (*first_page.messages, *last_page.messages)]
    return max(times, default=None)
