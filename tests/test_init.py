"""Tests for setting up and unloading the SMS Service Center integration."""

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.loader import async_get_integration
import pytest

from custom_components.smsservicecenter.const import CONF_LOW_CREDITS_THRESHOLD, DOMAIN

from . import setup_integration
from .conftest import NO_SENDNAME, assert_reauth_started, mock_endpoints

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )

pytestmark = pytest.mark.usefixtures("mock_api")


@pytest.mark.usefixtures("mock_api")
async def test_load_unload_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test the account is set up and unloaded again."""
    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED

    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED


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
    mock_endpoints(aioclient_mock, credits_=response)

    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_without_default_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test an account without a default sendname is set up.

    The API documents that answer as HTTP 200 with a status:error body.
    """
    mock_endpoints(aioclient_mock, sendname={"json": NO_SENDNAME})

    await setup_integration(hass, mock_config_entry)

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
    mock_endpoints(aioclient_mock, credits_={"status": status})

    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert_reauth_started(hass, mock_config_entry.entry_id)


@pytest.mark.usefixtures("mock_api")
async def test_options_update_reloads_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test changing the options reloads the account with the new options."""
    await setup_integration(hass, mock_config_entry)

    runtime_data = mock_config_entry.runtime_data
    assert (state := hass.states.get("binary_sensor.sms_service_center_low_credits"))
    assert state.state == STATE_OFF

    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={**mock_config_entry.options, CONF_LOW_CREDITS_THRESHOLD: 500},
    )
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data is not runtime_data
    state = hass.states.get("binary_sensor.sms_service_center_low_credits")
    assert state
    assert state.state == STATE_ON


async def test_ships_its_brand_images(hass: HomeAssistant) -> None:
    """Home Assistant serves the icon from the integration's brand folder."""
    integration = await async_get_integration(hass, DOMAIN)

    assert integration.has_branding
