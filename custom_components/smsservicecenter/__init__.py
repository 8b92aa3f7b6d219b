"""The SMS Service Center integration: send SMS and watch your credits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    discovery,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .api import DEFAULT_BASE_URL, SmsServiceCenterClient
from .const import CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY, DOMAIN
from .coordinator import SmsServiceCenterCoordinator
from .issues import async_is_in_test_mode, low_credits_issue_id, test_mode_issue_id
from .message import preload_phone_metadata
from .notify import ATTR_ENTRY_ID
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
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
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    test_mode: bool = False
    """Whether the last send was answered in test mode; test mode sends cost nothing.

    Read at setup from the (persistent) test mode issue, so it survives a restart.
    """


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
    await hass.async_add_executor_job(
        preload_phone_metadata, entry.options.get(CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY)
    )
    coordinator = SmsServiceCenterCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = SmsServiceCenterData(
        client=client,
        coordinator=coordinator,
        test_mode=async_is_in_test_mode(hass, entry),
    )

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
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
    entry.async_on_unload(entry.add_update_listener(_async_reload_entry))
    return True


async def _async_reload_entry(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> None:
    """Reload the account when its options or recipients change."""
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
    """Remove the repair issues of an account that is deleted."""
    ir.async_delete_issue(hass, DOMAIN, low_credits_issue_id(entry))
    ir.async_delete_issue(hass, DOMAIN, test_mode_issue_id(entry))
