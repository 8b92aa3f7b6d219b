"""Tests for setting up and unloading the SMS Service Center integration."""

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.loader import async_get_integration
import pytest

from custom_components.smsservicecenter.const import CONF_LOW_CREDITS_THRESHOLD, DOMAIN

from .conftest import (
    CREDITS_URL,
    HISTORY_URL,
    PACKETS_URL,
    SENDNAME_URL,
    load_json_fixture,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )

pytestmark = pytest.mark.usefixtures("mock_api")


async def test_load_unload_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Test the account is set up and unloaded again."""
    assert init_integration.state is ConfigEntryState.LOADED

    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize(
    "response",
    [
        {"exc": ClientError("Connection reset")},
        {"exc": TimeoutError()},
        {"status": HTTPStatus.INTERNAL_SERVER_ERROR},
        {"status": HTTPStatus.TOO_MANY_REQUESTS},
        {"text": "<html><body>Maintenance</body></html>"},
        {"json": {"status": "error", "message": "Something went wrong"}},
        {"json": {"status": "success", "details": "many"}},
    ],
    ids=[
        "client_error",
        "timeout",
        "server_error",
        "too_many_requests",
        "html",
        "api_error",
        "malformed",
    ],
)
async def test_setup_retried_later(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
) -> None:
    """Test setup is retried later when the API cannot be reached or gives an unusable answer."""
    aioclient_mock.clear_requests()
    aioclient_mock.get(CREDITS_URL, **response)

    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_without_default_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test an account without a default sendname is set up.

    The API documents that answer as HTTP 200 with a status:error body.
    """
    aioclient_mock.clear_requests()
    aioclient_mock.get(CREDITS_URL, json=load_json_fixture("credits.json"))
    aioclient_mock.get(
        SENDNAME_URL, json={"status": "error", "message": "Invalid request"}
    )
    aioclient_mock.get(HISTORY_URL, json=load_json_fixture("history.json"))
    aioclient_mock.get(PACKETS_URL, json=load_json_fixture("packets.json"))

    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data.coordinator.data.sendname is None


@pytest.mark.parametrize(
    "status", [HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN], ids=["401", "403"]
)
async def test_setup_auth_failed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
) -> None:
    """Test a rejected token fails setup and starts a reauth flow."""
    aioclient_mock.clear_requests()
    aioclient_mock.get(CREDITS_URL, status=status)

    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH
    assert flows[0]["context"]["entry_id"] == mock_config_entry.entry_id


async def test_options_update_reloads_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Test changing the options reloads the account with the new options."""
    runtime_data = init_integration.runtime_data
    assert (state := hass.states.get("binary_sensor.sms_service_center_low_credits"))
    assert state.state == STATE_OFF

    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_LOW_CREDITS_THRESHOLD: 500},
    )
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is not runtime_data
    state = hass.states.get("binary_sensor.sms_service_center_low_credits")
    assert state
    assert state.state == STATE_ON
    assert state.attributes["threshold"] == 500


async def test_ships_its_brand_images(hass: HomeAssistant) -> None:
    """Home Assistant serves the icon from the integration's brand folder."""
    integration = await async_get_integration(hass, DOMAIN)

    assert integration.has_branding
