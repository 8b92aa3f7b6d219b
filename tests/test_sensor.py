"""Tests for the SMS Service Center sensors."""

from collections.abc import Generator
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from . import setup_integration
from .conftest import history_details, mock_endpoints

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion


CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE_ENTITY_ID = "sensor.sms_service_center_last_message_sent"
USED_TODAY_ENTITY_ID = "sensor.sms_service_center_credits_used_today"


@pytest.fixture(autouse=True)
def platforms() -> Generator[None]:
    """Set up only the sensor platform of an account."""
    with patch("custom_components.smsservicecenter.PLATFORMS", [Platform.SENSOR]):
        yield


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
@pytest.mark.freeze_time("2026-05-04 10:00:00+00:00")
async def test_sensors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the sensors of an account."""
    await setup_integration(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("mock_api")
async def test_history_sensors_disabled_by_default(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Test the history sensors, which cost extra requests, start disabled; credits do not."""
    await setup_integration(hass, mock_config_entry)

    disabled_by = {
        entry.entity_id: entry.disabled_by
        for entry in er.async_entries_for_config_entry(
            entity_registry, mock_config_entry.entry_id
        )
    }
    assert disabled_by == {
        CREDITS_ENTITY_ID: None,
        USED_TODAY_ENTITY_ID: None,
        MESSAGES_ENTITY_ID: er.RegistryEntryDisabler.INTEGRATION,
        LAST_MESSAGE_ENTITY_ID: er.RegistryEntryDisabler.INTEGRATION,
        "sensor.sms_service_center_queued_messages": None,
    }
    assert hass.states.get(MESSAGES_ENTITY_ID) is None
    assert hass.states.get(LAST_MESSAGE_ENTITY_ID) is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_no_messages_sent(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test an empty history gives zero messages and an unknown last message."""
    mock_endpoints(aioclient_mock, history_pages={1: history_details(1, 1)})

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "0"
    assert (state := hass.states.get(LAST_MESSAGE_ENTITY_ID))
    assert state.state == STATE_UNKNOWN
