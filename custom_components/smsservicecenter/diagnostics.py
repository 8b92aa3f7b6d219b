"""Diagnostics support for the SMS Service Center integration."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_API_TOKEN, CONF_UNIQUE_ID
from homeassistant.util import dt as dt_util

from .api import Packet, SmsServiceCenterError, mask_phone_numbers
from .const import CONF_PHONE_NUMBER, CONF_SENDNAME, SUBENTRY_TYPE_RECIPIENT
from .coordinator import SmsServiceCenterConfigEntry
from .history import HistorySummary

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

# The subentry unique ID of a recipient is its phone number.
TO_REDACT = {CONF_API_TOKEN, CONF_PHONE_NUMBER, CONF_UNIQUE_ID}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry, without the token or phone numbers."""
    coordinator = entry.runtime_data.coordinator
    status = coordinator.data
    daily_usage = entry.runtime_data.account.budget.daily

    packets = coordinator.packets
    packets_error: str | None = None
    if packets is None:
        try:
            packets = await entry.runtime_data.client.get_packets()
        except SmsServiceCenterError as err:
            packets_error = str(err)

    return {
        "config_entry": _redact_phone_numbers(
            async_redact_data(entry.as_dict(), TO_REDACT), _phone_numbers(entry)
        ),
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "last_exception": (
                str(coordinator.last_exception) if coordinator.last_exception else None
            ),
            "low_credits_threshold": coordinator.low_credits_threshold,
        },
        "account": {
            "credits": status.credits,
            "credits_available": coordinator.ledger.available,
            # A sender name may be the user's own phone number.
            "sendname": mask_phone_numbers(status.sendname)
            if status.sendname
            else None,
            "history": _history_as_dict(status.history),
        },
        "daily_credit_limit": {
            "limit": daily_usage.limit,
            "day": daily_usage.day.isoformat(),
            "credits_used": daily_usage.used,
        },
        "packets": (
            [_packet_as_dict(packet) for packet in packets]
            if packets is not None
            else None
        ),
        "packets_error": packets_error,
        "outbox": _outbox_as_dict(entry),
    }


def _outbox_as_dict(entry: SmsServiceCenterConfigEntry) -> dict[str, Any]:
    """Return how many messages wait and for how long: never their numbers or texts."""
    now = dt_util.utcnow()
    messages = entry.runtime_data.account.outbox.messages
    return {
        "queued_messages": len(messages),
        "ages_seconds": [
            round((now - message.queued_at).total_seconds()) for message in messages
        ],
    }


def _phone_numbers(entry: SmsServiceCenterConfigEntry) -> set[str]:
    """Return the recipients' phone numbers, with and without the leading +."""
    numbers: set[str] = set()
    for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_RECIPIENT):
        number: str = subentry.data[CONF_PHONE_NUMBER]
        numbers |= {number, number.removeprefix("+")}
    return numbers


def _redact_phone_numbers(data: Any, numbers: set[str]) -> Any:
    """Redact every string holding one of ``numbers``; mask phone-like sender names."""
    # Old recipients with a blank name were named after their number; a sender name may be one.
    if isinstance(data, str):
        return REDACTED if any(number in data for number in numbers) else data
    if isinstance(data, dict):
        return {
            key: (
                mask_phone_numbers(value)
                if key == CONF_SENDNAME and isinstance(value, str)
                else _redact_phone_numbers(value, numbers)
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_redact_phone_numbers(value, numbers) for value in data]
    return data


def _history_as_dict(history: HistorySummary | None) -> dict[str, Any] | None:
    """Return the history summary as plain JSON-serialisable data."""
    if history is None:
        return None
    return {
        "messages_last_30_days": history.messages_last_30_days,
        "last_message_sent": (
            history.last_message_sent.isoformat() if history.last_message_sent else None
        ),
    }


def _packet_as_dict(packet: Packet) -> dict[str, Any]:
    """Return a packet as plain JSON-serialisable data."""
    return {**asdict(packet), "price": f"{packet.price:.2f}"}
