"""Tests for the outbox: sends that certainly did not reach the provider wait and go out later."""

import asyncio
from datetime import timedelta
from http import HTTPStatus
import logging
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp.client_reqrep import ConnectionKey
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.notify import (
    ATTR_MESSAGE,
    ATTR_TARGET,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smsservicecenter.api import SendResult
from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_OUTBOX_MINUTES,
    DOMAIN,
    OUTBOX_RETRY_AFTER_SETUP,
    OUTBOX_RETRY_MAX,
    OUTBOX_RETRY_MIN,
    SIGNAL_MESSAGE_EVENT,
)

from . import setup_integration
from .conftest import (
    ENTRY_ID,
    RECIPIENT_NUMBER,
    assert_reauth_started,
    call_send_sms_action,
    credits_json,
    mock_endpoints,
    send_requests,
    settle_sends,
)

STORAGE_KEY = f"{DOMAIN}.{ENTRY_ID}.outbox"
ACCOUNT_STORAGE_KEY = f"{DOMAIN}.{ENTRY_ID}"
QUEUED_ENTITY_ID = "sensor.sms_service_center_queued_messages"
CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
MESSAGE_ID = "f89d33b3-da08-40fe-b4be-182a381b8e77"
SECRET_TEXT = "The door code is 4711"

CONNECTION_REFUSED = {
    "exc": aiohttp.ClientConnectorError(
        ConnectionKey("www.smsservicecenter.nl", 443, True, True, None, None, None),
        OSError(111, "Connection refused"),
    )
}
RATE_LIMITED = {"status": HTTPStatus.TOO_MANY_REQUESTS}
MAY_HAVE_BEEN_SENT = {"exc": TimeoutError()}


type Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def events(hass: HomeAssistant) -> Events:
    """Return the message events the account signals, as they come."""
    received: Events = []

    @callback
    def _record(event_type: str, attributes: dict[str, Any]) -> None:
        received.append((event_type, attributes))

    async_dispatcher_connect(hass, SIGNAL_MESSAGE_EVENT.format(ENTRY_ID), _record)
    return received


def account(outbox_minutes: int | None = None) -> MockConfigEntry:
    """Return the account, with this outbox option (none: the default)."""
    options: dict[str, Any] = {
        CONF_LOW_CREDITS_THRESHOLD: 10,
        CONF_DEFAULT_COUNTRY: "NL",
    }
    if outbox_minutes is not None:
        options[CONF_OUTBOX_MINUTES] = outbox_minutes
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center",
        entry_id=ENTRY_ID,
        data={
            "api_token": "test-token-0123456789",
            "url": "https://www.smsservicecenter.nl/",
        },
        options=options,
    )


def queued_count(hass: HomeAssistant) -> int:
    """Return what the queued messages sensor shows."""
    state = hass.states.get(QUEUED_ENTITY_ID)
    assert state is not None
    return int(state.state)


def stored_messages(hass_storage: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the messages in the stored outbox."""
    messages: list[dict[str, Any]] = hass_storage[STORAGE_KEY]["data"]["messages"]
    return messages


def assert_no_secrets_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Assert the integration logged neither a phone number nor a message text."""
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.smsservicecenter")
    )
    assert logged
    assert "612345678" not in logged
    assert SECRET_TEXT not in logged


async def queue_message(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, message: str = "Hello"
) -> Any:
    """Send while the API cannot be reached; return the action's response."""
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)
    return await call_send_sms_action(hass, recipients=["0612345678"], message=message)


async def setup_with_a_queued_message(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> MockConfigEntry:
    """Set the account up and queue one message it could not send; return its entry."""
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)
    await queue_message(hass, aioclient_mock)
    return entry


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delay: timedelta
) -> None:
    """Move the clock on and run what is due."""
    freezer.tick(delay)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    "failure", [CONNECTION_REFUSED, RATE_LIMITED], ids=["refused", "rate_limited"]
)
@pytest.mark.usefixtures("freezer")
async def test_send_is_queued(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    events: Events,
    failure: dict[str, Any],
) -> None:
    """A send that certainly did not reach the provider waits in the outbox."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    mock_endpoints(aioclient_mock, send=failure)

    response = await call_send_sms_action(
        hass, recipients=["0612345678", "+31687654321"], message="Hello"
    )

    assert response == {
        "message_id": None,
        "test_mode": False,
        "recipients": ["+31612345678", "+31687654321"],
        "encoding": "gsm7",
        "segments": 1,
        "credits_estimate": 2,
        "queued": True,
    }
    assert len(send_requests(aioclient_mock)) == 1
    [stored] = stored_messages(hass_storage)
    assert stored["numbers"] == ["+31612345678", "+31687654321"]
    assert stored["message"] == "Hello"
    assert stored["sendname"] is None
    assert stored["segments"] == 1
    assert stored["credits_estimate"] == 2
    assert dt_util.parse_datetime(stored["queued_at"]) == dt_util.utcnow()
    assert stored["id"]
    assert queued_count(hass) == 1
    assert events == [
        (
            "queued",
            {
                "message_id": None,
                "test_mode": False,
                "recipients": 2,
                "segments": 1,
                "credits_estimate": 2,
                "queued": True,
            },
        )
    ]


async def test_queued_message_is_not_charged(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The credit ledger counts a queued message only once it is sent."""
    mock_endpoints(aioclient_mock, credits_=credits_json(2))
    entry = account()
    await setup_integration(hass, entry)

    await queue_message(hass, aioclient_mock)

    assert entry.runtime_data.coordinator.ledger.available == 2
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "2"


async def test_may_have_been_sent_is_not_queued(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, events: Events
) -> None:
    """A send that may have reached the provider says so and never waits."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    mock_endpoints(aioclient_mock, send=MAY_HAVE_BEEN_SENT)

    with pytest.raises(HomeAssistantError) as exc_info:
        await call_send_sms_action(hass, recipients=["0612345678"], message="Hello")

    assert exc_info.value.translation_key == "send_outcome_unknown"
    assert queued_count(hass) == 0
    assert not events


async def test_outbox_off(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """With the outbox off, a send that could not connect raises as before."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account(outbox_minutes=0))
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)

    with pytest.raises(HomeAssistantError, match="refused the connection") as exc_info:
        await call_send_sms_action(hass, recipients=["0612345678"], message="Hello")

    assert exc_info.value.translation_key == "connection_refused"
    assert queued_count(hass) == 0
    assert STORAGE_KEY not in hass_storage


@pytest.mark.parametrize(
    ("service", "data"),
    [
        (SERVICE_SEND_MESSAGE, {ATTR_ENTITY_ID: "notify.alice"}),
        ("sms_service_center", {ATTR_TARGET: ["0612345678"]}),
    ],
    ids=["notify_entity", "legacy_notify"],
)
async def test_notify_does_not_raise_when_queued(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    service: str,
    data: dict[str, Any],
) -> None:
    """A recipient's notify entity and the legacy service queue instead of failing."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, mock_config_entry)
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)

    await hass.services.async_call(
        NOTIFY_DOMAIN, service, {ATTR_MESSAGE: "Hello", **data}, blocking=True
    )

    assert queued_count(hass) == 1


async def test_retry_after_backoff(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    events: Events,
) -> None:
    """The outbox is sent once after the wait, and then charged and emptied."""
    mock_endpoints(aioclient_mock, credits_=credits_json(100))
    entry = account()
    await setup_integration(hass, entry)
    await queue_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock, credits_=credits_json(100))

    await tick(hass, freezer, OUTBOX_RETRY_MIN - timedelta(seconds=1))
    assert not send_requests(aioclient_mock)

    await tick(hass, freezer, timedelta(seconds=1))
    assert send_requests(aioclient_mock) == [
        {"numbers": RECIPIENT_NUMBER, "message": "Hello"}
    ]
    assert queued_count(hass) == 0
    assert not stored_messages(hass_storage)
    assert entry.runtime_data.coordinator.ledger.balance == 99
    assert events[-1] == (
        "sent",
        {
            "message_id": MESSAGE_ID,
            "test_mode": False,
            "recipients": 1,
            "segments": 1,
            "credits_estimate": 1,
            "queued": True,
        },
    )

    await tick(hass, freezer, timedelta(minutes=10))
    assert len(send_requests(aioclient_mock)) == 1


async def test_retry_waits_longer_after_each_failure(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A retry that fails again waits twice as long before the next one."""
    await setup_with_a_queued_message(hass, aioclient_mock)

    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    assert len(send_requests(aioclient_mock)) == 2
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    assert len(send_requests(aioclient_mock)) == 2
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    assert len(send_requests(aioclient_mock)) == 3
    assert queued_count(hass) == 1


async def test_retry_keeps_the_order(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Queued messages go out oldest first."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    await queue_message(hass, aioclient_mock, "First")
    freezer.tick(timedelta(seconds=1))
    await queue_message(hass, aioclient_mock, "Second")
    mock_endpoints(aioclient_mock)

    await tick(hass, freezer, OUTBOX_RETRY_MIN)

    assert [request["message"] for request in send_requests(aioclient_mock)] == [
        "First",
        "Second",
    ]
    assert queued_count(hass) == 0


async def test_retry_when_a_poll_succeeds(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A successful poll sends the outbox at once, without waiting."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock)

    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert len(send_requests(aioclient_mock)) == 1
    assert queued_count(hass) == 0


@pytest.mark.parametrize(
    "failure",
    [MAY_HAVE_BEEN_SENT, {"json": {"status": "error", "message": "Blocked"}}],
    ids=["may_have_been_sent", "refused_by_provider"],
)
async def test_retry_that_may_have_gone_or_was_refused_fails(
    hass: HomeAssistant,
    *,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    events: Events,
    failure: dict[str, Any],
) -> None:
    """A retry that may have reached the provider, or that it refused, is never tried again.

    It leaves the outbox with a ``failed`` event, so the user hears of it.
    """
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    await queue_message(hass, aioclient_mock, SECRET_TEXT)
    mock_endpoints(aioclient_mock, send=failure)

    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    await tick(hass, freezer, timedelta(minutes=10))

    assert len(send_requests(aioclient_mock)) == 1
    assert queued_count(hass) == 0
    assert not stored_messages(hass_storage)
    assert events[-1] == (
        "failed",
        {
            "message_id": None,
            "test_mode": False,
            "recipients": 1,
            "segments": 1,
            "credits_estimate": 1,
            "queued": True,
        },
    )
    assert_no_secrets_logged(caplog)


async def test_retry_without_credits_stays_queued(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A retry the account cannot pay for waits for credits, and sends nothing."""
    mock_endpoints(aioclient_mock, credits_=credits_json(1))
    entry = account()
    await setup_integration(hass, entry)
    await queue_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock, credits_=credits_json(0))

    # The poll finds the credits gone, and tries the outbox at once.
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not send_requests(aioclient_mock)
    assert queued_count(hass) == 1

    mock_endpoints(aioclient_mock, credits_=credits_json(50))
    await tick(hass, freezer, OUTBOX_RETRY_MIN * 2)
    assert len(send_requests(aioclient_mock)) == 1
    assert queued_count(hass) == 0


async def test_expired_message_is_dropped(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    events: Events,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A message that waited longer than the option is dropped with a warning."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account(outbox_minutes=1))
    await queue_message(hass, aioclient_mock, SECRET_TEXT)
    caplog.clear()

    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    assert queued_count(hass) == 1
    await tick(hass, freezer, OUTBOX_RETRY_MIN)

    assert queued_count(hass) == 0
    assert events[-1] == (
        "expired",
        {
            "message_id": None,
            "test_mode": False,
            "recipients": 1,
            "segments": 1,
            "credits_estimate": 1,
            "queued": True,
        },
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("dropped from the outbox" in r.getMessage() for r in warnings)
    assert_no_secrets_logged(caplog)
    requests = len(send_requests(aioclient_mock))
    await tick(hass, freezer, timedelta(minutes=10))
    assert len(send_requests(aioclient_mock)) == requests


async def test_queued_message_survives_a_restart(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    events: Events,
) -> None:
    """A message that waited when Home Assistant stopped is sent once after setup."""
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {
            "messages": [
                {
                    "id": "0b7e2f0c-5d84-4a55-9a49-2a8c5a3f7c11",
                    "numbers": [RECIPIENT_NUMBER],
                    "message": "Sent after a restart",
                    "sendname": "HomeAssist",
                    "queued_at": dt_util.utcnow().isoformat(),
                    "segments": 1,
                    "credits_estimate": 1,
                }
            ]
        },
    }
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    assert queued_count(hass) == 1
    assert not send_requests(aioclient_mock)

    await tick(hass, freezer, OUTBOX_RETRY_AFTER_SETUP)
    assert len(send_requests(aioclient_mock)) == 1
    await tick(hass, freezer, timedelta(minutes=10))

    assert send_requests(aioclient_mock) == [
        {
            "numbers": RECIPIENT_NUMBER,
            "message": "Sent after a restart",
            "sendname": "HomeAssist",
        }
    ]
    assert queued_count(hass) == 0
    assert [event_type for event_type, _ in events] == ["sent"]


async def test_unload_stops_retrying(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unloaded account sends nothing from its outbox."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await tick(hass, freezer, timedelta(minutes=10))

    assert not send_requests(aioclient_mock)


async def test_removal_deletes_the_outbox(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the account deletes its queued messages."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    assert STORAGE_KEY in hass_storage

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert STORAGE_KEY not in hass_storage


async def test_diagnostics_show_ages_only(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Diagnostics show how long messages wait, never their numbers or texts."""
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)
    await queue_message(hass, aioclient_mock, SECRET_TEXT)
    freezer.tick(timedelta(seconds=12))

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["outbox"] == {"queued_messages": 1, "ages_seconds": [12]}
    assert SECRET_TEXT not in str(diagnostics)
    assert "612345678" not in str(diagnostics)


async def test_unload_during_a_retry_lets_it_finish(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A retry whose request is out when the account unloads finishes, and is sent once."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    request_out = asyncio.Event()
    answer = asyncio.Event()
    client = entry.runtime_data.client
    outbox = entry.runtime_data.account.outbox

    async def _send_slowly(*_args: Any) -> SendResult:
        request_out.set()
        await answer.wait()
        return SendResult(message_id="m-1", test_mode=False)

    with patch.object(client, "send", side_effect=_send_slowly) as send:
        freezer.tick(OUTBOX_RETRY_MIN)
        async_fire_time_changed(hass)
        await request_out.wait()
        assert not stored_messages(hass_storage)
        assert await hass.config_entries.async_unload(entry.entry_id)
        answer.set()
        await hass.async_block_till_done(wait_background_tasks=True)

    assert send.call_count == 1
    assert not outbox.messages
    assert not stored_messages(hass_storage)
    mock_endpoints(aioclient_mock)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await tick(hass, freezer, timedelta(minutes=10))
    assert not send_requests(aioclient_mock)


async def test_retry_that_fails_is_stored_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A retry that certainly did not go out is put back in the stored outbox.

    It left the store before its request; without being put back, a restart
    would lose it.
    """
    await setup_with_a_queued_message(hass, aioclient_mock)
    [queued] = stored_messages(hass_storage)

    await tick(hass, freezer, OUTBOX_RETRY_MIN)

    assert len(send_requests(aioclient_mock)) == 2
    assert stored_messages(hass_storage) == [queued]
    assert queued_count(hass) == 1


async def test_retry_wait_stops_growing_at_the_maximum(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The wait doubles after each failed retry, but never beyond the maximum.

    The polls fail too, so that only the waits send the outbox.
    """
    await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(
        aioclient_mock,
        credits_={"status": HTTPStatus.SERVICE_UNAVAILABLE},
        send=CONNECTION_REFUSED,
    )

    # 30 s, 1, 2 and 4 minutes: each wait ends in one more failed retry.
    for retries, wait in enumerate(
        (
            OUTBOX_RETRY_MIN,
            OUTBOX_RETRY_MIN * 2,
            OUTBOX_RETRY_MIN * 4,
            OUTBOX_RETRY_MIN * 8,
        ),
        start=1,
    ):
        await tick(hass, freezer, wait - timedelta(seconds=1))
        assert len(send_requests(aioclient_mock)) == retries - 1
        await tick(hass, freezer, timedelta(seconds=1))
        assert len(send_requests(aioclient_mock)) == retries

    # The next wait would be 8 minutes: it is 5, and stays 5.
    assert OUTBOX_RETRY_MIN * 16 > OUTBOX_RETRY_MAX
    await tick(hass, freezer, OUTBOX_RETRY_MAX)
    assert len(send_requests(aioclient_mock)) == 5
    await tick(hass, freezer, OUTBOX_RETRY_MAX)
    assert len(send_requests(aioclient_mock)) == 6
    assert queued_count(hass) == 1


async def test_wait_starts_short_again_once_the_outbox_is_empty(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After the outbox was sent, the next queued message waits the shortest time."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    await queue_message(hass, aioclient_mock, "First")
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    mock_endpoints(aioclient_mock)
    await tick(hass, freezer, OUTBOX_RETRY_MIN * 2)
    assert len(send_requests(aioclient_mock)) == 1
    assert queued_count(hass) == 0
    # The balance read after that send, which would send the outbox at once.
    await settle_sends(hass)

    await queue_message(hass, aioclient_mock, "Second")
    mock_endpoints(aioclient_mock)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)

    assert [request["message"] for request in send_requests(aioclient_mock)] == [
        "Second"
    ]
    assert queued_count(hass) == 0


async def test_successful_poll_starts_the_wait_short_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A successful poll starts the waits over, though its retry fails again.

    The wait after it is the shortest doubled, not the long one reached before.
    """
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    await tick(hass, freezer, OUTBOX_RETRY_MIN * 2)
    assert len(send_requests(aioclient_mock)) == 3

    # The account answers, but its sends are still turned away.
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(send_requests(aioclient_mock)) == 4

    await tick(hass, freezer, OUTBOX_RETRY_MIN * 2)
    assert len(send_requests(aioclient_mock)) == 5
    assert queued_count(hass) == 1


async def test_new_message_does_not_put_off_a_pending_retry(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A message queued while a retry is pending goes out with it, at its time.

    Otherwise sends that keep failing would put the retry off until the first
    message expires.
    """
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    await queue_message(hass, aioclient_mock, "First")
    freezer.tick(OUTBOX_RETRY_MIN - timedelta(seconds=10))
    await queue_message(hass, aioclient_mock, "Second")
    mock_endpoints(aioclient_mock)

    await tick(hass, freezer, timedelta(seconds=10))

    assert [request["message"] for request in send_requests(aioclient_mock)] == [
        "First",
        "Second",
    ]
    assert queued_count(hass) == 0


async def test_retry_is_due_when_the_oldest_message_expires(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    events: Events,
) -> None:
    """The oldest message is dropped when it expires, not when a newer one would."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account(outbox_minutes=1))
    await queue_message(hass, aioclient_mock, "First")
    freezer.tick(timedelta(seconds=20))
    await queue_message(hass, aioclient_mock, "Second")
    await tick(hass, freezer, timedelta(seconds=10))
    assert queued_count(hass) == 2

    # The next wait would be a minute; the first message expires in 30 seconds.
    await tick(hass, freezer, timedelta(seconds=30))

    assert queued_count(hass) == 1
    assert [event_type for event_type, _ in events] == ["queued", "queued", "expired"]


async def test_expired_message_leaves_the_store(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    events: Events,
) -> None:
    """A dropped message is gone from the stored outbox: a reload does not bring it back."""
    mock_endpoints(aioclient_mock)
    entry = account(outbox_minutes=1)
    await setup_integration(hass, entry)
    await queue_message(hass, aioclient_mock)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    assert queued_count(hass) == 0

    assert not stored_messages(hass_storage)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert queued_count(hass) == 0
    await tick(hass, freezer, OUTBOX_RETRY_AFTER_SETUP)
    assert [event_type for event_type, _ in events] == ["queued", "expired"]


async def test_outbox_tells_the_account_is_in_test_mode(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    events: Events,
) -> None:
    """The response and the events of a queued message say the account is in test mode."""
    hass_storage[ACCOUNT_STORAGE_KEY] = {
        "version": 1,
        "key": ACCOUNT_STORAGE_KEY,
        "data": {"test_mode": True, "day": None, "credits_used": 0},
    }
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account(outbox_minutes=1))

    response = await queue_message(hass, aioclient_mock)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)

    assert response["queued"] is True
    assert response["test_mode"] is True
    assert [(event_type, data["test_mode"]) for event_type, data in events] == [
        ("queued", True),
        ("expired", True),
    ]


async def test_failed_poll_does_not_send_the_outbox(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Only a poll that reached the account sends the outbox at once."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock, credits_={"status": HTTPStatus.SERVICE_UNAVAILABLE})

    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not entry.runtime_data.coordinator.last_update_success
    assert not send_requests(aioclient_mock)
    assert queued_count(hass) == 1
    assert len(stored_messages(hass_storage)) == 1


async def test_retry_that_fails_unexpectedly_is_never_sent_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A retry interrupted by an unexpected error may have been sent: it leaves the outbox.

    The next successful poll does not send it again.
    """
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock)

    with patch.object(
        entry.runtime_data.client, "send", side_effect=RuntimeError("Unexpected")
    ) as send:
        freezer.tick(OUTBOX_RETRY_MIN)
        async_fire_time_changed(hass)
        [flush] = [
            task
            for task in asyncio.all_tasks()
            if task.get_name() == f"{DOMAIN} outbox {ENTRY_ID}"
        ]
        with pytest.raises(RuntimeError, match="Unexpected"):
            await flush

    assert send.call_count == 1
    assert queued_count(hass) == 0
    assert not stored_messages(hass_storage)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not send_requests(aioclient_mock)


async def test_retry_refused_by_the_client_fails(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    events: Events,
) -> None:
    """A stored message the client refuses to send (a bad sendname) fails, not retried."""
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {
            "messages": [
                {
                    "id": "0b7e2f0c-5d84-4a55-9a49-2a8c5a3f7c11",
                    "numbers": [RECIPIENT_NUMBER],
                    "message": "Hello",
                    "sendname": "Not a name!",
                    "queued_at": dt_util.utcnow().isoformat(),
                    "segments": 1,
                    "credits_estimate": 1,
                }
            ]
        },
    }
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())
    assert queued_count(hass) == 1

    await tick(hass, freezer, OUTBOX_RETRY_AFTER_SETUP)

    assert queued_count(hass) == 0
    assert not stored_messages(hass_storage)
    assert [event_type for event_type, _ in events] == ["failed"]
    await tick(hass, freezer, timedelta(minutes=10))
    assert not send_requests(aioclient_mock)


async def test_retry_with_a_rejected_token_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A retry the API refuses for the token asks for a new one, and keeps the message."""
    await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock, send={"status": HTTPStatus.UNAUTHORIZED})

    await tick(hass, freezer, OUTBOX_RETRY_MIN)

    assert len(send_requests(aioclient_mock)) == 1
    assert_reauth_started(hass)
    assert queued_count(hass) == 1


async def test_retry_needs_the_credits_of_all_recipients(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A queued message to two recipients waits while the account has one credit.

    Its retry reserves what the whole message costs, so it never overdraws.
    """
    mock_endpoints(aioclient_mock, credits_=credits_json(2))
    entry = account()
    await setup_integration(hass, entry)
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)
    response = await call_send_sms_action(
        hass, recipients=["0612345678", "+31687654321"], message="Hello"
    )
    assert response["credits_estimate"] == 2
    mock_endpoints(aioclient_mock, credits_=credits_json(1))

    # The poll finds one credit left, and tries the outbox at once.
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not send_requests(aioclient_mock)
    assert queued_count(hass) == 1
