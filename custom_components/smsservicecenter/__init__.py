"""The SMS Service Center integration: send SMS and watch your credits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    discovery,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import DEFAULT_BASE_URL, SmsServiceCenterClient
from .const import CONF_DAILY_CREDIT_LIMIT, DEFAULT_DAILY_CREDIT_LIMIT, DOMAIN
from .coordinator import SmsServiceCenterCoordinator
from .daily_limit import DailyUsage
from .issues import (
    async_delete_daily_limit_issue,
    async_test_mode_issue_exists,
    async_update_test_mode_issue,
    daily_limit_issue_id,
    low_credits_issue_id,
    test_mode_issue_id,
)
from .notify import ATTR_ENTRY_ID
from .outbox import Outbox, outbox_store
from .send import async_send_queued
from .services import async_setup_services
from .storage import AccountStore

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.NOTIFY,
    Platform.SENSOR,
    Platform.TEXT,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

HASS_CONFIG: HassKey[ConfigType] = HassKey(f"{DOMAIN}_hass_config")


@dataclass(slots=True, kw_only=True)
class SmsServiceCenterData:
    """Runtime data of one SMS Service Center account."""

    client: SmsServiceCenterClient
    coordinator: SmsServiceCenterCoordinator
    store: AccountStore
    daily_usage: DailyUsage
    """The credits used today, against the daily credit limit."""
    outbox: Outbox


type SmsServiceCenterConfigEntry = ConfigEntry[SmsServiceCenterData]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration: register its actions."""
    hass.data[HASS_CONFIG] = config
    async_setup_services(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> bool:
    """Set up one SMS Service Center account from a config entry."""
    client = SmsServiceCenterClient(
        entry.data[CONF_API_TOKEN],
        async_get_clientsession(hass),
        base_url=entry.data.get(CONF_URL, DEFAULT_BASE_URL),
    )
    store = AccountStore(hass, entry.entry_id)
    if not await store.async_load():
        # Versions before 0.2 kept the test mode flag in the repair issue only.
        await store.async_set_test_mode(async_test_mode_issue_exists(hass, entry))
    async_update_test_mode_issue(hass, entry, store.test_mode)
    today = dt_util.now().date()
    daily_usage = DailyUsage(
        int(entry.options.get(CONF_DAILY_CREDIT_LIMIT, DEFAULT_DAILY_CREDIT_LIMIT)),
        today,
        store.credits_used_on(today),
    )
    if daily_usage.left(today) != 0:
        # A new day, or the limit was raised or removed: sending works again.
        async_delete_daily_limit_issue(hass, entry)
    outbox = Outbox(
        hass, entry, lambda message: async_send_queued(hass, entry, message)
    )
    await outbox.async_load()
    coordinator = SmsServiceCenterCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = SmsServiceCenterData(
        client=client,
        coordinator=coordinator,
        store=store,
        daily_usage=daily_usage,
        outbox=outbox,
    )
    entry.async_on_unload(
        async_track_time_change(
            hass,
            partial(_async_start_new_day, hass, entry),
            hour=0,
            minute=0,
            second=0,
        )
    )

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Once the entities are there, to see what the outbox sends.
    outbox.async_start(coordinator)
    # The legacy notify service has no config entry support: it comes with the
    # account through discovery. Not started eagerly, so the task runs once Home
    # Assistant has marked the account loaded; the service is only set up for a
    # loaded account, and removed again when the account unloads.
    hass.async_create_task(
        discovery.async_load_platform(
            hass,
            Platform.NOTIFY,
            DOMAIN,
            {CONF_NAME: entry.title, ATTR_ENTRY_ID: entry.entry_id},
            hass.data[HASS_CONFIG],
        ),
        eager_start=False,
    )
    entry.async_on_unload(
        entry.add_update_listener(partial(_async_entry_updated, _settings(entry)))
    )
    return True


async def _async_start_new_day(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry, _now: datetime
) -> None:
    """Start counting the credits used at 0 at midnight, and clear the limit's issue."""
    runtime_data = entry.runtime_data
    today = dt_util.now().date()
    if runtime_data.daily_usage.roll_over(today):
        runtime_data.coordinator.async_update_listeners()
    async_delete_daily_limit_issue(hass, entry)
    await runtime_data.store.async_set_credits_used(
        today, runtime_data.daily_usage.used
    )


def _settings(
    entry: SmsServiceCenterConfigEntry,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Return what an account is set up from, apart from its recipients."""
    return entry.title, dict(entry.data), dict(entry.options)


async def _async_entry_updated(
    settings: tuple[str, dict[str, Any], dict[str, Any]],
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
) -> None:
    """Reload the account when its title, data or options changed since setup.

    Recipients come and go without a reload: the notify platform and the legacy
    notify service follow them (sends in flight go on).
    """
    if _settings(entry) != settings:
        await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> bool:
    """Unload an account's entities.

    Only when they unloaded does Home Assistant go on to remove the account's legacy
    notify services (registered with the account's on-unload callbacks).
    """
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> None:
    """Remove the repair issues, the stored data and the outbox of a deleted account."""
    ir.async_delete_issue(hass, DOMAIN, low_credits_issue_id(entry))
    ir.async_delete_issue(hass, DOMAIN, test_mode_issue_id(entry))
    ir.async_delete_issue(hass, DOMAIN, daily_limit_issue_id(entry))
    await AccountStore(hass, entry.entry_id).async_remove()
    await outbox_store(hass, entry.entry_id).async_remove()
