"""Tests for the SMS Service Center sensors."""

from typing import TYPE_CHECKING

from homeassistant.const import STATE_UNKNOWN, Platform
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from .conftest import history_details, mock_endpoints, setup_integration

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion


MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE_ENTITY_ID = "sensor.sms_service_center_last_message_sent"


@pytest.mark.usefixtures("mock_api")
async def test_sensors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the sensors of an account."""
    await setup_integration(hass, mock_config_entry, Platform.SENSOR)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_no_messages_sent(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test an empty history gives zero messages and an unknown last message."""
    mock_endpoints(aioclient_mock, history_pages={1: history_details(1, 1)})

    await setup_integration(hass, mock_config_entry, Platform.SENSOR)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "0"
    assert (state := hass.states.get(LAST_MESSAGE_ENTITY_ID))
    assert state.state == STATE_UNKNOWN
