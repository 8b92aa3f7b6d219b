"""The message events of an SMS Service Center account: sent, queued, expired, failed."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SIGNAL_MESSAGE_EVENT
from .coordinator import SmsServiceCenterConfigEntry
from .entity import account_device_info

PARALLEL_UPDATES = 0

MESSAGES = EventEntityDescription(
    key="messages",
    translation_key="messages",
    event_types=["sent", "queued", "expired", "failed"],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the message event entity of an account."""
    async_add_entities([SmsServiceCenterMessagesEvent(entry)])


class SmsServiceCenterMessagesEvent(EventEntity):
    """Fires when a message of the account was sent, queued, expired or failed in the outbox."""

    # The attributes describe the message without its recipients' numbers: their
    # count, the segments, the credits it was expected to cost, its message ID.

    _attr_has_entity_name = True
    # It writes its state when an event fires: polling it would only write it again.
    _attr_should_poll = False
    entity_description = MESSAGES

    def __init__(self, entry: SmsServiceCenterConfigEntry) -> None:
        """Initialize the entity on the account's device."""
        self._entry_id = entry.entry_id
        self._attr_unique_id = f"{entry.entry_id}_{MESSAGES.key}"
        self._attr_device_info = account_device_info(entry)

    @property
    @override
    def suggested_object_id(self) -> str:
        """Return the key, so new entity IDs end in _messages whatever the name says."""
        # The name ("Message events") is told apart from the sensor "Messages last
        # 30 days"; automations rely on event.<account>_messages, as before the rename.
        return MESSAGES.key

    async def async_added_to_hass(self) -> None:
        """Listen to the account's message events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_MESSAGE_EVENT.format(self._entry_id),
                self._async_handle_event,
            )
        )

    @callback
    def _async_handle_event(self, event_type: str, attributes: dict[str, Any]) -> None:
        """Fire the event."""
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()
