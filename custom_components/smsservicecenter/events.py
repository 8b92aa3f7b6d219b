"""The message events of an account, sent to its event entity."""

from __future__ import annotations

from typing import Literal

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import SIGNAL_MESSAGE_EVENT

type MessageEventType = Literal["sent", "queued", "expired", "failed"]


@callback
def async_fire_message_event(
    hass: HomeAssistant,
    entry_id: str,
    event_type: MessageEventType,
    *,
    message_id: str | None,
    test_mode: bool,
    recipients: int,
    segments: int,
    credits_estimate: int,
    queued: bool,
) -> None:
    """Tell the account's event entity that a message was sent, queued, expired or failed."""
    async_dispatcher_send(
        hass,
        SIGNAL_MESSAGE_EVENT.format(entry_id),
        event_type,
        {
            "message_id": message_id,
            "test_mode": test_mode,
            "recipients": recipients,
            "segments": segments,
            "credits_estimate": credits_estimate,
            "queued": queued,
        },
    )
