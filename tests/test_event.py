"""Tests for the message event entity of an SMS Service Center account."""

from typing import Any

from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.smsservicecenter.const import SIGNAL_MESSAGE_EVENT

from .conftest import ENTRY_ID, RECIPIENT_NUMBER, send_sms, setup_integration

EVENT_ENTITY_ID = "event.sms_service_center_messages"
OTHER_NUMBER = "+31687654321"


@pytest.mark.usefixtures("mock_api")
async def test_event_entity(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the message event entity of an account, before any message."""
    await setup_integration(hass, mock_config_entry, Platform.EVENT)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_sent_event(hass: HomeAssistant) -> None:
    """Test an accepted send fires `sent`, describing the message without its numbers."""
    await send_sms(
        hass, recipients=[RECIPIENT_NUMBER, OTHER_NUMBER], message="Hello " * 30
    )

    state = hass.states.get(EVENT_ENTITY_ID)
    assert state is not None
    assert state.state != STATE_UNKNOWN
    attributes = dict(state.attributes)
    assert {
        key: attributes[key]
        for key in (
            "event_type",
            "message_id",
            "test_mode",
            "recipients",
            "segments",
            "credits_estimate",
            "queued",
        )
    } == {
        "event_type": "sent",
        "message_id": "f89d33b3-da08-40fe-b4be-182a381b8e77",
        "test_mode": False,
        "recipients": 2,
        "segments": 2,
        "credits_estimate": 4,
        "queued": False,
    }
    assert "612345678" not in str(attributes)
    assert "687654321" not in str(attributes)


@pytest.mark.usefixtures("init_integration")
async def test_refused_send_fires_no_event(hass: HomeAssistant) -> None:
    """Test a send that does not go out fires nothing."""
    with pytest.raises(ServiceValidationError):
        await send_sms(hass, recipients=["not a number"], message="Hello")

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.state == STATE_UNKNOWN


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("event_type", ["queued", "expired", "failed"])
async def test_outbox_events(hass: HomeAssistant, event_type: str) -> None:
    """Test the entity fires what the account's signal carries, such as the outbox's events."""
    attributes: dict[str, Any] = {
        "message_id": None,
        "test_mode": False,
        "recipients": 1,
        "segments": 1,
        "credits_estimate": 1,
        "queued": True,
    }

    async_dispatcher_send(
        hass, SIGNAL_MESSAGE_EVENT.format(ENTRY_ID), event_type, attributes
    )
    await hass.async_block_till_done()

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.attributes["event_type"] == event_type
    assert state.attributes["queued"] is True
    assert state.attributes["message_id"] is None


@pytest.mark.usefixtures("init_integration")
async def test_other_accounts_signal_is_ignored(hass: HomeAssistant) -> None:
    """Test the entity listens to its own account only."""
    async_dispatcher_send(
        hass, SIGNAL_MESSAGE_EVENT.format("other"), "sent", {"message_id": "x"}
    )
    await hass.async_block_till_done()

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.state == STATE_UNKNOWN
