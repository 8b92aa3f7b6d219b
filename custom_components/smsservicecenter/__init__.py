"""The SMS Service Center integration: send SMS and watch your credits."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_URL, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, discovery
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .account import async_get_account, async_remove_account, local_today
from .api import DEFAULT_BASE_URL, SmsServiceCenterClient
from .const import (
    CONF_DAILY_CREDIT_LIMIT,
    CONF_OUTBOX_MINUTES,
    DEFAULT_DAILY_CREDIT_LIMIT,
    DEFAULT_OUTBOX_MINUTES,
    DOMAIN,
)
from .coordinator import (
    SmsServiceCenterConfigEntry,
    SmsServiceCenterCoordinator,
    SmsServiceCenterData,
)
from .issues import (
    async_delete_account_issues,
    async_delete_daily_limit_issue,
    async_test_mode_issue_exists,
    async_update_test_mode_issue,
)
from .notify import ATTR_ENTRY_ID
from .send import async_deliver_queued, async_tell_expired
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.NOTIFY,
    Platform.SENSOR,
    Platform.TEXT,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

HASS_CONFIG: HassKey[ConfigType] = HassKey(f"{DOMAIN}_hass_config")


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
    account = await async_get_account(
        hass,
        entry.entry_id,
        int(entry.options.get(CONF_DAILY_CREDIT_LIMIT, DEFAULT_DAILY_CREDIT_LIMIT)),
    )
    if not account.store.loaded:
        # Versions before 0.2 kept the test mode flag in the repair issue only.
        await account.store.async_set_test_mode(
            async_test_mode_issue_exists(hass, entry)
        )
    async_update_test_mode_issue(hass, entry, account.store.test_mode)
    if account.budget.daily.left(local_today()) != 0:
        # A new day, or the limit was raised or removed: sending works again.
        async_delete_daily_limit_issue(hass, entry)
    coordinator = SmsServiceCenterCoordinator(hass, entry, client, account)
    await coordinator.async_config_entry_first_refresh()
    runtime = SmsServiceCenterData(
        client=client, coordinator=coordinator, account=account
    )
    entry.runtime_data = runtime

    @callback
    def _async_new_day() -> None:
        async_delete_daily_limit_issue(hass, entry)
        coordinator.async_update_listeners()

    entry.async_on_unload(account.async_track_midnight(hass, _async_new_day))
    entry.async_on_unload(
        account.async_listen_bookings(
            lambda accepted: coordinator.async_sent(accepted=accepted)
        )
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Once the entities are there, to see what the outbox sends.
    account.outbox.async_start(
        partial(async_deliver_queued, hass, entry, runtime),
        timedelta(
            minutes=entry.options.get(CONF_OUTBOX_MINUTES, DEFAULT_OUTBOX_MINUTES)
        ),
        partial(async_tell_expired, hass, entry, account),
    )
    entry.async_on_unload(account.outbox.async_stop)
    # The legacy notify service comes with the account through discovery; not
    # started eagerly, so it runs once Home Assistant has marked the account loaded.
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
    """Reload the account when its title, data or options changed; recipients need none."""
    if _settings(entry) != settings:
        await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> bool:
    """Unload an account's entities; its budget and outbox stay for the next setup."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> None:
    """Remove the repair issues, the stored data and the outbox of a deleted account."""
    async_delete_account_issues(hass, entry)
    await async_remove_account(hass, entry.entry_id)
