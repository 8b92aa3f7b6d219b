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

from custom_components.smsservicecenter.const import DOMAIN, SIGNAL_MESSAGE_EVENT

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


@pytest.mark.usefixtures("mock_api")
async def test_entity_id_ends_in_the_key(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The entity is named "Message events" but its entity ID ends in _messages.

    Regenerating the entity ID (the frontend's "recreate entity IDs") keeps it.
    """
    await setup_integration(hass, mock_config_entry, Platform.EVENT)

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.name == "SMS Service Center Message events"
    entry = entity_registry.async_get(EVENT_ENTITY_ID)
    assert entry is not None
    assert entity_registry.async_regenerate_entity_id(entry) == EVENT_ENTITY_ID


@pytest.mark.usefixtures("mock_api")
async def test_existing_entity_keeps_its_entity_id(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An entity registered under its old name "Messages" keeps its entity ID and unique ID."""
    mock_config_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        "event",
        DOMAIN,
        f"{ENTRY_ID}_messages",
        config_entry=mock_config_entry,
        suggested_object_id="sms_service_center_messages",
        object_id_base="Messages",
        original_name="Messages",
        has_entity_name=True,
        translation_key="messages",
    )

    await setup_integration(hass, mock_config_entry, Platform.EVENT)

    entry = entity_registry.async_get(EVENT_ENTITY_ID)
    assert entry is not None
    assert entry.original_name == "Message events"
    assert [
        registered.entity_id
        for registered in er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    ] == [EVENT_ENTITY_ID]
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.name == "SMS Service Center Message events"


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
