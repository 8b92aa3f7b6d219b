"""Tests for the SMS Service Center low credits binary sensor."""

from collections.abc import Generator
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.const import STATE_OFF, STATE_ON, Platform
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from . import setup_integration
from .conftest import credits_json, mock_endpoints

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion


LOW_CREDITS_ENTITY_ID = "binary_sensor.sms_service_center_low_credits"


@pytest.fixture(autouse=True)
def platforms() -> Generator[None]:
    """Set up only the binary sensor platform of an account."""
    with patch(
        "custom_components.smsservicecenter.PLATFORMS", [Platform.BINARY_SENSOR]
    ):
        yield


@pytest.mark.usefixtures("mock_api")
async def test_binary_sensors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the binary sensors of an account."""
    await setup_integration(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.parametrize(
    ("credits_", "expected"),
    [(0, STATE_ON), (9, STATE_ON), (10, STATE_OFF), (11, STATE_OFF)],
)
async def test_low_credits_threshold(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    credits_: int,
    expected: str,
) -> None:
    """Test the low credits sensor is on only below the threshold of 10."""
    mock_endpoints(aioclient_mock, credits_=credits_json(credits_))

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(LOW_CREDITS_ENTITY_ID))
    assert state.state == expected
