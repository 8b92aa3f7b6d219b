"""The one send path: validate, reserve, request, book, tell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonObjectType

from .account import Account
from .api import (
    SENDNAME_PATTERN,
    SendResult,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterInsufficientCreditsError,
    mask_phone_number,
)
from .budget import Hold
from .const import (
    CONF_DEFAULT_COUNTRY,
    DEFAULT_COUNTRY,
    DOMAIN,
    LOGGER,
    MAX_QUEUED_MESSAGES,
)
from .coordinator import SmsServiceCenterConfigEntry, SmsServiceCenterData
from .daily_limit import DailyLimitReachedError
from .errors import (
    async_start_reauth_if_refused,
    may_have_been_sent,
    not_reached,
    translate_error,
    translated_errors,
)
from .events import MessageEventType, async_fire_message_event
from .issues import async_create_daily_limit_issue, async_update_test_mode_issue
from .ledger import InsufficientCreditsError
from .message import (
    Encoding,
    InvalidPhoneNumberError,
    NumberCache,
    analyze_message,
    normalize_each,
)
from .outbox import (
    Delivery,
    OutboxFullError,
    OutboxWriteError,
    Outcome,
    QueuedMessage,
    TakeOut,
)

# Normalising is pure: a number sent to before needs no executor job.
_NUMBERS = NumberCache()


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOutcome:
    """What one send did: sent (with a message ID) or queued in the outbox."""

    message_id: str | None
    test_mode: bool
    recipients: tuple[str, ...]
    encoding: Encoding
    segments: int
    credits_estimate: int
    queued: bool = False

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


def validate_sendname(sendname: str) -> None:
    """Raise a translated error unless the sendname is 1 to 11 letters and digits."""
    if not SENDNAME_PATTERN.fullmatch(sendname):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_sendname",
            translation_placeholders={"sendname": sendname},
        )


def format_message(message: str, title: str | None) -> str:
    """Put the title, when there is one, before the message on its own line."""
    # A blank message stays blank, so that it is refused even with a title.
    if title and title.strip() and message.strip():
        return f"{title.strip()}\n{message}"
    return message


async def async_send_sms(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    recipients: Sequence[str],
    message: str,
    sendname: str | None = None,
) -> SendOutcome:
    """Send a message to all recipients in one request, or queue it when it cannot go now."""
    # Read once: a reload while this send waits must not change what it books into.
    runtime = entry.runtime_data
    if not message.strip():
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="empty_message"
        )
    region: str = entry.options.get(CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY)
    numbers = await _async_normalize_recipients(hass, recipients, region)
    if sendname is not None:
        validate_sendname(sendname)
    info = analyze_message(message)
    queued = QueuedMessage(
        id=str(uuid4()),
        numbers=tuple(numbers),
        message=message,
        sendname=sendname,
        queued_at=dt_util.utcnow(),
        segments=info.segments,
        credits_estimate=info.segments * len(numbers),
    )
    outcome = SendOutcome(
        message_id=None,
        test_mode=runtime.account.store.test_mode,
        recipients=queued.numbers,
        encoding=info.encoding,
        segments=queued.segments,
        credits_estimate=queued.credits_estimate,
        queued=True,
    )
    try:
        result = await _async_send(hass, entry, runtime, queued, from_outbox=False)
    except SmsServiceCenterError as err:
        if may_have_been_sent(err):
            LOGGER.warning("An SMS may have been sent, unconfirmed: %s", err)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="send_outcome_unknown"
            ) from err
        if not_reached(err) and runtime.account.outbox.enabled:
            await _async_queue(hass, entry, runtime.account, queued, err)
            return outcome
        async_start_reauth_if_refused(hass, entry, err)
        raise translate_error(err) from err
    return SendOutcome(
        message_id=result.message_id,
        test_mode=result.test_mode,
        recipients=outcome.recipients,
        encoding=outcome.encoding,
        segments=outcome.segments,
        credits_estimate=outcome.credits_estimate,
    )


async def _async_normalize_recipients(
    hass: HomeAssistant, recipients: Sequence[str], region: str
) -> list[str]:
    """Return the recipients in E.164, de-duplicated, or raise naming the bad one masked."""
    if not recipients:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    if (known := _NUMBERS.get(recipients, region)) is not None:
        return known
    try:
        # In the executor: the first number of a country loads its metadata from disk.
        normalized = await hass.async_add_executor_job(
            normalize_each, list(recipients), region
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
    _NUMBERS.put(recipients, region, normalized)
    return list(dict.fromkeys(normalized))


async def _async_queue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    account: Account,
    message: QueuedMessage,
    err: SmsServiceCenterConnectionError,
) -> None:
    """Put a message that certainly was not sent in the outbox, or raise why it cannot wait."""
    try:
        await account.outbox.async_add(message)
    except OutboxFullError as full:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="outbox_full",
            translation_placeholders={"max": str(MAX_QUEUED_MESSAGES)},
        ) from full
    except OutboxWriteError as failed:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="outbox_write_failed"
        ) from failed
    LOGGER.debug("Sending failed before it reached SMS Service Center: %s", err)
    LOGGER.warning(
        "An SMS could not reach SMS Service Center (%s); it waits in the outbox for "
        "up to %d minutes",
        err.reason,
        account.outbox.max_age // timedelta(minutes=1),
    )
    _async_tell_queued(hass, entry, account, "queued", message)


async def async_deliver_queued(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    runtime: SmsServiceCenterData,
    message: QueuedMessage,
    take_out: TakeOut,
) -> Delivery:
    """Try once to send a message from the outbox, under the same rules as any send."""
    try:
        await _async_send(
            hass, entry, runtime, message, from_outbox=True, take_out=take_out
        )
    except (HomeAssistantError, OutboxWriteError) as err:
        # Not enough credits, the daily limit, an unreadable balance: nothing was sent.
        LOGGER.debug("A queued SMS waits: %s", err)
        return Delivery(Outcome.KEPT)
    except SmsServiceCenterError as err:
        async_start_reauth_if_refused(hass, entry, err)
        if not_reached(err):
            LOGGER.debug("A queued SMS could not be sent yet: %s", err)
            retry_after = err.retry_after
            return Delivery(
                Outcome.KEPT, timedelta(seconds=retry_after) if retry_after else None
            )
        if isinstance(err, SmsServiceCenterAuthenticationError):
            return Delivery(Outcome.KEPT)
        if may_have_been_sent(err):
            LOGGER.warning(
                "A queued SMS may have been sent (%s); it is not sent again", err
            )
        else:
            LOGGER.warning("The provider refused a queued SMS (%s); it is dropped", err)
        _async_tell_queued(hass, entry, runtime.account, "failed", message)
        return Delivery(Outcome.DROPPED)
    return Delivery(Outcome.SENT)


@callback
def async_tell_expired(
    hass: HomeAssistant, entry: ConfigEntry, account: Account, message: QueuedMessage
) -> None:
    """Fire the event of a message that waited in the outbox for too long."""
    _async_tell_queued(hass, entry, account, "expired", message)


@callback
def _async_tell_queued(
    hass: HomeAssistant,
    entry: ConfigEntry,
    account: Account,
    event_type: MessageEventType,
    message: QueuedMessage,
) -> None:
    """Fire the event of a message that is queued, expired or failed: it has no ID."""
    async_fire_message_event(
        hass,
        entry.entry_id,
        event_type,
        message_id=None,
        test_mode=account.store.test_mode,
        recipients=len(message.numbers),
        segments=message.segments,
        credits_estimate=message.credits_estimate,
        queued=True,
    )


async def _async_send(
    hass: HomeAssistant,
    entry: ConfigEntry,
    runtime: SmsServiceCenterData,
    message: QueuedMessage,
    *,
    from_outbox: bool,
    take_out: TakeOut | None = None,
) -> SendResult:
    """Reserve a checked message's cost, send its request once, book it and tell."""
    account = runtime.account
    cost = message.credits_estimate
    hold = await _async_hold(hass, entry, runtime, cost)
    masked = ", ".join(mask_phone_number(number) for number in message.numbers)
    LOGGER.debug("Sending an SMS of %d credit(s) to %s", cost, masked)
    result: SendResult
    try:
        with hold:
            if take_out is not None:
                await take_out()
            result = await runtime.client.send(
                message.numbers, message.message, message.sendname
            )
            hold.commit(cost=0 if result.test_mode else cost, accepted=True)
    except SmsServiceCenterInsufficientCreditsError as err:
        available = await _async_balance_after_refusal(runtime, err)
        raise _insufficient_credits(cost, available) from err
    finally:
        if hold.committed:
            account.async_booked(accepted=hold.accepted)
    LOGGER.debug(
        "SMS %s sent to %s (test mode: %s)", result.message_id, masked, result.test_mode
    )
    async_update_test_mode_issue(hass, entry, result.test_mode)
    async_fire_message_event(
        hass,
        entry.entry_id,
        "sent",
        message_id=result.message_id,
        test_mode=result.test_mode,
        recipients=len(message.numbers),
        segments=message.segments,
        credits_estimate=cost,
        queued=from_outbox,
    )
    # Last: a caller that gives up while it is saved has been told everything else.
    await account.store.async_set_test_mode(result.test_mode)
    return result


async def _async_hold(
    hass: HomeAssistant, entry: ConfigEntry, runtime: SmsServiceCenterData, cost: int
) -> Hold:
    """Hold a send's cost in the account's budget, or raise the translated refusal."""
    account = runtime.account
    # Test mode sends cost no credits; the daily limit holds them in case that changed.
    credits_ = 0 if account.store.test_mode else cost
    try:
        try:
            return account.budget.reserve(credits_, cost)
        except InsufficientCreditsError:
            # The ledger's balance may be a poll old: read it once (shared) and try again.
            with translated_errors(hass, entry):
                await runtime.coordinator.async_read_balance()
            return account.budget.reserve(credits_, cost)
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
    except InsufficientCreditsError as err:
        raise _insufficient_credits(cost, err.available) from err


def _insufficient_credits(cost: int, available: int) -> ServiceValidationError:
    """Return the error for a send the account cannot pay for: the user must buy credits."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="insufficient_credits",
        translation_placeholders={
            "credits_estimate": str(cost),
            "credits": str(max(available, 0)),
        },
    )


async def _async_balance_after_refusal(
    runtime: SmsServiceCenterData, err: SmsServiceCenterInsufficientCreditsError
) -> int:
    """Return the balance after the provider refused a send for credits, as best known."""
    try:
        return await runtime.coordinator.async_read_balance()
    except SmsServiceCenterError as read_err:
        LOGGER.debug("Could not read the balance after a refusal: %s", read_err)
    if err.remaining is not None:
        return err.remaining
    return runtime.account.budget.ledger.available
