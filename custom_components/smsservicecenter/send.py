"""The one send path shared by the notify entities, the legacy notify service and the actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    SENDNAME_PATTERN,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterResponseError,
    mask_phone_number,
)
from .const import CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY, DOMAIN, LOGGER
from .errors import api_error_to_home_assistant_error
from .issues import async_update_test_mode_issue
from .message import (
    Encoding,
    InvalidPhoneNumberError,
    analyze_message,
    normalize_phone_numbers,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from homeassistant.util.json import JsonObjectType

    from . import SmsServiceCenterConfigEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOutcome:
    """What one accepted send request did."""

    message_id: str
    test_mode: bool
    recipients: tuple[str, ...]
    """The numbers the message was sent to: E.164, de-duplicated, in the order given."""
    encoding: Encoding
    segments: int
    credits_estimate: int
    """Segments times recipients: what the send is expected to cost."""

    def as_dict(self) -> JsonObjectType:
        """Return the outcome as action response data."""
        return {
            "message_id": self.message_id,
            "test_mode": self.test_mode,
            "recipients": list(self.recipients),
            "encoding": self.encoding.value,
            "segments": self.segments,
            "credits_estimate": self.credits_estimate,
        }


@callback
def async_get_loaded_entry(
    hass: HomeAssistant, entry_id: str
) -> SmsServiceCenterConfigEntry:
    """Return the loaded account with this config entry ID, or raise a translated error."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"config_entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"account": entry.title},
        )
    return entry


def validate_sendname(sendname: str) -> None:
    """Raise a translated error unless the sendname is 1 to 11 letters and digits."""
    if not SENDNAME_PATTERN.fullmatch(sendname):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_sendname",
            translation_placeholders={"sendname": sendname},
        )


def format_message(message: str, title: str | None) -> str:
    """Put the title, when there is one, before the message on its own line.

    A blank message is returned as it is, so the send path refuses it even with a title.
    """
    if title and title.strip() and message.strip():
        return f"{title.strip()}\n{message}"
    return message


def _normalize_recipients(
    entry: SmsServiceCenterConfigEntry, recipients: Sequence[str]
) -> list[str]:
    """Return the recipients in E.164, de-duplicated, or raise a translated error."""
    if not recipients:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    region: str = entry.options.get(CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY)
    try:
        return normalize_phone_numbers(recipients, region)
    except InvalidPhoneNumberError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_phone_number",
            translation_placeholders={"number": err.number},
        ) from err


async def _async_ensure_credits(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry, credits_estimate: int
) -> None:
    """Refuse a send the account cannot pay for.

    The coordinator's balance may be up to one poll old: only when it looks too low
    is the balance fetched again, and the send refused if it is still too low. While
    the last send was answered in test mode (before a restart too: see
    ``async_is_in_test_mode``) the check is skipped: test mode sends cost nothing,
    and the provider refuses a live send the account cannot pay for.
    """
    if entry.runtime_data.test_mode:
        return
    coordinator = entry.runtime_data.coordinator
    if credits_estimate <= coordinator.data.credits:
        return
    try:
        balance = await entry.runtime_data.client.get_credits()
    except SmsServiceCenterError as err:
        raise api_error_to_home_assistant_error(hass, entry, err) from err
    await coordinator.async_set_credits(balance)
    if credits_estimate > balance:
        # A precondition the user must fix (buy credits), not a failure: core raises
        # ServiceValidationError for those, which is not logged with a traceback.
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="insufficient_credits",
            translation_placeholders={
                "credits_estimate": str(credits_estimate),
                "credits": str(balance),
            },
        )


async def async_send_sms(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    recipients: Sequence[str],
    message: str,
    sendname: str | None = None,
) -> SendOutcome:
    """Check the input, then send the message to all recipients in one request.

    Nothing is sent when the input is invalid or the account lacks the credits. The
    request is never retried: when the connection is lost after it may have reached
    the server, or the server accepted it but its answer cannot be read, the error
    says the message may have been sent. The account is polled again afterwards, in
    the background.
    """
    if not message.strip():
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="empty_message"
        )
    numbers = _normalize_recipients(entry, recipients)
    if sendname is not None:
        validate_sendname(sendname)
    info = analyze_message(message)
    credits_estimate = info.segments * len(numbers)
    masked = ", ".join(mask_phone_number(number) for number in numbers)
    runtime_data = entry.runtime_data
    coordinator = runtime_data.coordinator

    # One send at a time per account, so two sends cannot both pass the credit check.
    async with runtime_data.send_lock:
        await _async_ensure_credits(hass, entry, credits_estimate)
        LOGGER.debug(
            "Sending %s SMS of %d segment(s) to %s",
            info.encoding,
            info.segments,
            masked,
        )
        try:
            result = await runtime_data.client.send(numbers, message, sendname)
        except SmsServiceCenterError as err:
            if _may_have_been_sent(err):
                # The credits and history sensors help the user check whether it went out.
                _async_schedule_refresh(hass, entry)
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="send_outcome_unknown",
                    translation_placeholders={"error": str(err)},
                ) from err
            raise api_error_to_home_assistant_error(hass, entry, err) from err
        runtime_data.test_mode = result.test_mode
        if not result.test_mode:
            # Book the cost before the lock is released, so the next send is checked
            # against what is left; the refresh below replaces it with the real balance.
            await coordinator.async_set_credits(
                coordinator.data.credits - credits_estimate
            )

    LOGGER.debug(
        "SMS %s sent to %s (test mode: %s)", result.message_id, masked, result.test_mode
    )
    async_update_test_mode_issue(hass, entry, result.test_mode)
    _async_schedule_refresh(hass, entry)
    return SendOutcome(
        message_id=result.message_id,
        test_mode=result.test_mode,
        recipients=tuple(numbers),
        encoding=info.encoding,
        segments=info.segments,
        credits_estimate=credits_estimate,
    )


def _may_have_been_sent(err: SmsServiceCenterError) -> bool:
    """Return whether a failed send request may still have sent the message.

    That is so when the connection was lost after the request may have reached the
    server, and when the server accepted the request (HTTP 2xx) but its answer
    could not be read.
    """
    if isinstance(err, SmsServiceCenterConnectionError):
        return err.request_may_have_reached_server
    return isinstance(err, SmsServiceCenterResponseError) and err.request_accepted


@callback
def _async_schedule_refresh(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
) -> None:
    """Poll the account after a send, without making the caller wait for it."""
    entry.async_create_background_task(
        hass,
        entry.runtime_data.coordinator.async_request_refresh(),
        name=f"{DOMAIN} refresh after send {entry.entry_id}",
    )
