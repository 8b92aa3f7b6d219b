"""The one send path shared by the notify entities, the legacy notify service and the actions."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import (
    SENDNAME_PATTERN,
    SendResult,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterInsufficientCreditsError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
    mask_phone_number,
)
from .const import CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY, DOMAIN, LOGGER
from .daily_limit import DailyLimitReachedError, DailyReservation
from .errors import api_error_to_home_assistant_error
from .issues import async_create_daily_limit_issue, async_update_test_mode_issue
from .ledger import InsufficientCreditsError, Reservation
from .message import (
    Encoding,
    InvalidPhoneNumberError,
    analyze_message,
    normalize_phone_numbers,
)
from .outbox import (
    Delivery,
    QueuedMessage,
    async_send_message_event,
    async_send_queued_message_event,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from homeassistant.util.json import JsonObjectType

    from . import SmsServiceCenterConfigEntry
    from .coordinator import SmsServiceCenterCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOutcome:
    """What one accepted send request did."""

    message_id: str | None
    """None when the message was queued in the outbox."""
    test_mode: bool
    recipients: tuple[str, ...]
    """The numbers the message was sent to: E.164, de-duplicated, in the order given."""
    encoding: Encoding
    segments: int
    credits_estimate: int
    """Segments times recipients: what the send is expected to cost."""
    queued: bool = False
    """Whether the message waits in the outbox: it could not be sent now."""

    def as_dict(self) -> JsonObjectType:
        """Return the outcome as action response data."""
        return {
            "message_id": self.message_id,
            "test_mode": self.test_mode,
            "recipients": list(self.recipients),
            "encoding": self.encoding.value,
            "segments": self.segments,
            "credits_estimate": self.credits_estimate,
            "queued": self.queued,
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


async def _async_normalize_recipients(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry, recipients: Sequence[str]
) -> list[str]:
    """Return the recipients in E.164, de-duplicated, or raise a translated error.

    Runs in the executor: the first number of a country loads its metadata from disk.
    The error names the bad number masked, and its position, never in full.
    """
    if not recipients:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    region: str = entry.options.get(CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY)
    try:
        return await hass.async_add_executor_job(
            normalize_phone_numbers, list(recipients), region
        )
    except InvalidPhoneNumberError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_phone_number",
            translation_placeholders={
                "number": mask_phone_number(err.number),
                "position": str(err.position),
            },
        ) from err


@callback
def _reserve_daily(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry, cost: int
) -> DailyReservation:
    """Reserve the cost of a send in today's allowance, or refuse the send.

    A refusal raises the daily limit repair issue too, which tells the user
    where to raise the limit.
    """
    try:
        return entry.runtime_data.daily_usage.reserve(cost, dt_util.now().date())
    except DailyLimitReachedError as err:
        async_create_daily_limit_issue(hass, entry, err.limit)
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="daily_limit_reached",
            translation_placeholders={
                "credits_estimate": str(cost),
                "limit": str(err.limit),
                "left": str(err.left),
            },
        ) from err


async def _async_save_daily_usage(entry: SmsServiceCenterConfigEntry) -> None:
    """Store the credits used today, so that a restart keeps counting them."""
    runtime_data = entry.runtime_data
    usage = runtime_data.daily_usage
    await runtime_data.store.async_set_credits_used(usage.day, usage.used)


async def _async_reserve(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry, cost: int
) -> Reservation:
    """Reserve the cost of a send in the account's ledger, or refuse the send.

    The ledger's balance may be up to one poll old: only when the send does not
    fit is the balance read again (one read for all sends waiting on it), and the
    send refused if it still does not fit.
    """
    coordinator = entry.runtime_data.coordinator
    with suppress(InsufficientCreditsError):
        return coordinator.ledger.reserve(cost)
    try:
        await coordinator.async_read_balance()
    except SmsServiceCenterError as err:
        raise api_error_to_home_assistant_error(hass, entry, err) from err
    try:
        return coordinator.ledger.reserve(cost)
    except InsufficientCreditsError as err:
        raise _insufficient_credits(cost, err.available) from err


def _insufficient_credits(cost: int, available: int) -> ServiceValidationError:
    """Return the error for a send the account cannot pay for.

    A precondition the user must fix (buy credits), not a failure: core raises
    ServiceValidationError for those, which is not logged with a traceback.
    """
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="insufficient_credits",
        translation_placeholders={
            "credits_estimate": str(cost),
            "credits": str(max(available, 0)),
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

    Nothing is sent when the input is invalid, the account lacks the credits or
    the send would take the day over the daily credit limit: the cost is
    reserved in today's allowance and in the account's credit ledger first, so
    concurrent sends go out concurrently and still never overdraw. The request is never
    retried: when the connection is lost after it may have reached the server,
    or the server accepted it but its answer cannot be read, the error says the
    message may have been sent. When the request certainly did not reach the
    server and the account's outbox is on, the message is queued there instead
    of raising: the outcome then says ``queued``, without a message ID.
    Afterwards the balance is read again once, in the background, when the sends
    have settled.
    """
    if not message.strip():
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="empty_message"
        )
    numbers = await _async_normalize_recipients(hass, entry, recipients)
    if sendname is not None:
        validate_sendname(sendname)
    info = analyze_message(message)
    credits_estimate = info.segments * len(numbers)
    try:
        result = await _async_send_request(
            hass,
            entry,
            numbers=numbers,
            message=message,
            sendname=sendname,
            segments=info.segments,
            credits_estimate=credits_estimate,
            from_outbox=False,
        )
    except SmsServiceCenterError as err:
        if _may_have_been_sent(err):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="send_outcome_unknown",
                translation_placeholders={"error": str(err)},
            ) from err
        if not _certainly_not_sent(err) or not entry.runtime_data.outbox.enabled:
            raise api_error_to_home_assistant_error(hass, entry, err) from err
        queued = QueuedMessage(
            id=str(uuid4()),
            numbers=tuple(numbers),
            message=message,
            sendname=sendname,
            queued_at=dt_util.utcnow(),
            segments=info.segments,
            credits_estimate=credits_estimate,
        )
        await _async_queue(hass, entry, queued, err)
        return SendOutcome(
            message_id=None,
            test_mode=entry.runtime_data.store.test_mode,
            recipients=queued.numbers,
            encoding=info.encoding,
            segments=info.segments,
            credits_estimate=credits_estimate,
            queued=True,
        )
    return SendOutcome(
        message_id=result.message_id,
        test_mode=result.test_mode,
        recipients=tuple(numbers),
        encoding=info.encoding,
        segments=info.segments,
        credits_estimate=credits_estimate,
    )


async def _async_queue(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    message: QueuedMessage,
    err: SmsServiceCenterError,
) -> None:
    """Put a message that certainly was not sent in the account's outbox."""
    outbox = entry.runtime_data.outbox
    LOGGER.warning(
        "An SMS could not be sent (%s); it waits in the outbox for up to %d minutes",
        err,
        outbox.max_age // timedelta(minutes=1),
    )
    await outbox.async_add(message)
    async_send_queued_message_event(hass, entry, "queued", message)


async def async_send_queued(
    hass: HomeAssistant, entry: SmsServiceCenterConfigEntry, message: QueuedMessage
) -> Delivery:
    """Try once to send a message from the outbox, under the same credit rules.

    A message the account cannot pay for now, or whose request certainly did not
    reach the server, stays in the outbox (until it expires: credits may be bought
    meanwhile). One that may have been sent, or that the provider refused, leaves
    it and is never sent again: a ``failed`` event tells the user.
    """
    try:
        await _async_send_request(
            hass,
            entry,
            numbers=message.numbers,
            message=message.message,
            sendname=message.sendname,
            segments=message.segments,
            credits_estimate=message.credits_estimate,
            from_outbox=True,
        )
    except HomeAssistantError as err:
        # Not enough credits, or the balance could not be read: nothing was sent.
        LOGGER.debug("A queued SMS waits: %s", err)
        return Delivery.KEPT
    except SmsServiceCenterError as err:
        if _may_have_been_sent(err):
            LOGGER.warning(
                "A queued SMS may have been sent (%s); it is not sent again", err
            )
        elif isinstance(
            err, SmsServiceCenterApiError | SmsServiceCenterValidationError
        ):
            LOGGER.warning("The provider refused a queued SMS (%s); it is dropped", err)
        else:
            if isinstance(err, SmsServiceCenterAuthenticationError):
                entry.async_start_reauth(hass)
            LOGGER.debug("A queued SMS could not be sent yet: %s", err)
            return Delivery.KEPT
        async_send_queued_message_event(hass, entry, "failed", message)
        return Delivery.DROPPED
    return Delivery.SENT


async def _async_send_request(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    *,
    numbers: Sequence[str],
    message: str,
    sendname: str | None,
    segments: int,
    credits_estimate: int,
    from_outbox: bool,
) -> SendResult:
    """Reserve the cost of valid input, send its request once and book the outcome.

    An accepted send is a ``sent`` event of the account (``queued`` when it
    waited in the outbox).

    Raises a translated error when the account cannot pay for it or its balance
    cannot be read (nothing was sent), and the client's error when the request
    failed: its credits are then given back when the message certainly did not go
    out, and booked as spent when it may have been sent.
    """
    masked = ", ".join(mask_phone_number(number) for number in numbers)
    runtime_data = entry.runtime_data
    coordinator = runtime_data.coordinator

    # The account may have left test mode: the daily limit always holds the cost.
    daily_reservation = _reserve_daily(hass, entry, credits_estimate)
    try:
        # Test mode sends cost nothing; the provider refuses a live send it cannot bill.
        reservation = await _async_reserve(
            hass, entry, 0 if runtime_data.store.test_mode else credits_estimate
        )
    except BaseException:
        daily_reservation.release()
        raise
    LOGGER.debug("Sending an SMS of %d credit(s) to %s", credits_estimate, masked)
    try:
        result = await runtime_data.client.send(numbers, message, sendname)
    except SmsServiceCenterInsufficientCreditsError as err:
        reservation.release()
        daily_reservation.release()
        available = await _async_balance_after_refusal(coordinator, err)
        raise _insufficient_credits(credits_estimate, available) from err
    except SmsServiceCenterError as err:
        if not _may_have_been_sent(err):
            reservation.release()
            daily_reservation.release()
            raise
        # Booked as spent, to be safe; the balance read after it tells the truth,
        # and the credits and history sensors help the user check what happened.
        reservation.commit(accepted=False)
        daily_reservation.commit()
        coordinator.async_sent(accepted=False)
        await _async_save_daily_usage(entry)
        raise
    except BaseException:
        # The caller gave up while the request was out, or the send failed in a
        # way the client does not know: it may have been sent.
        reservation.commit(accepted=False)
        daily_reservation.commit()
        coordinator.async_sent(accepted=False)
        hass.async_create_task(_async_save_daily_usage(entry))
        raise
    cost = 0 if result.test_mode else credits_estimate
    reservation.commit(cost=cost)
    daily_reservation.commit(cost=cost)
    coordinator.async_sent(accepted=True)
    LOGGER.debug(
        "SMS %s sent to %s (test mode: %s)", result.message_id, masked, result.test_mode
    )
    await runtime_data.store.async_set_test_mode(result.test_mode)
    async_update_test_mode_issue(hass, entry, result.test_mode)
    await _async_save_daily_usage(entry)
    async_send_message_event(
        hass,
        entry.entry_id,
        "sent",
        message_id=result.message_id,
        test_mode=result.test_mode,
        recipients=len(numbers),
        segments=segments,
        credits_estimate=credits_estimate,
        queued=from_outbox,
    )
    return result


async def _async_balance_after_refusal(
    coordinator: SmsServiceCenterCoordinator,
    err: SmsServiceCenterInsufficientCreditsError,
) -> int:
    """Read the balance again after the provider refused a send for credits.

    Return what is available now; when the balance cannot be read, what the
    provider said remains, or else what the ledger has.
    """
    try:
        return await coordinator.async_read_balance()
    except SmsServiceCenterError as read_err:
        LOGGER.debug("Could not read the balance after a refusal: %s", read_err)
    if err.remaining is not None:
        return err.remaining
    return coordinator.ledger.available


def _may_have_been_sent(err: SmsServiceCenterError) -> bool:
    """Return whether a failed send request may still have sent the message.

    That is so when the connection was lost after the request may have reached the
    server, and when the server accepted the request (HTTP 2xx) but its answer
    could not be read.
    """
    if isinstance(err, SmsServiceCenterConnectionError):
        return err.request_may_have_reached_server
    return isinstance(err, SmsServiceCenterResponseError) and err.request_accepted


def _certainly_not_sent(err: SmsServiceCenterError) -> bool:
    """Return whether a failed send request certainly did not reach the server.

    The connection was refused, the name did not resolve, connecting timed out,
    or the server turned the request away unread (HTTP 429): sending it again
    later cannot send it twice.
    """
    return (
        isinstance(err, SmsServiceCenterConnectionError)
        and not err.request_may_have_reached_server
    )
