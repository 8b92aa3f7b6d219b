"""Tests for the SMS Service Center sensors."""

from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.const import STATE_UNKNOWN, Platform
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from .conftest import CREDITS_URL, HISTORY_URL, SENDNAME_URL, load_json_fixture

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion


MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE_ENTITY_ID = "sensor.sms_service_center_last_message_sent"


async def setup_sensors(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the account with only the sensor platform."""
    entry.add_to_hass(hass)
    with patch("custom_components.smsservicecenter.PLATFORMS", [Platform.SENSOR]):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


@pytest.mark.usefixtures("mock_api")
async def test_sensors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the sensors of an account."""
    await setup_sensors(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_no_messages_sent(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test an empty history gives zero messages and an unknown last message."""
    aioclient_mock.get(CREDITS_URL, json=load_json_fixture("credits.json"))
    aioclient_mock.get(SENDNAME_URL, json=load_json_fixture("sendname.json"))
    aioclient_mock.get(
        HISTORY_URL,
        json={
            "status": "success",
            "details": {
                "messages": [],
                "totalpages": 1,
                "currentpage": 1,
                "items_per_page": 50,
            },
        },
    )

    await setup_sensors(hass, mock_config_entry)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "0"
    assert (state := hass.states.get(LAST_MESSAGE_ENTITY_ID))
    assert state.state == STATE_UNKNOWN
