"""Tests for concurrent sends: the credit ledger on the send path.

The mocked API answers only when a test releases it, so the event loop runs between
each request and its answer, as it does with a real provider.
"""

import asyncio
from collections.abc import Awaitable, Callable
import logging
import threading
import time
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    load_json_object_fixture,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.smsservicecenter.const import CREDITS_REFRESH_COOLDOWN, DOMAIN
from custom_components.smsservicecenter.message import normalize_each

from . import setup_integration
from .conftest import (
    CREDITS_URL,
    ENTRY_ID,
    RECIPIENT_NUMBER,
    assert_reauth_started,
    call_send_sms_action,
    credits_json,
    mock_endpoints,
    send_requests,
    settle_sends,
)

CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"

type SideEffect = Callable[[str, URL, Any], Awaitable[AiohttpClientMockResponse]]


def held_answer(
    release: asyncio.Event, json: Callable[[int], dict[str, Any]]
) -> tuple[SideEffect, list[int]]:
    """Return a mocked answer that waits for ``release``, and the requests waiting."""
    received: list[int] = []

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        number = len(received)
        received.append(number)
        await release.wait()
        return AiohttpClientMockResponse(method, url, json=json(number))

    return answer, received


def fixture_json(filename: str) -> Callable[[int], dict[str, Any]]:
    """Return what ``held_answer`` takes to answer every request with a file of tests/fixtures."""

    def json(_number: int) -> dict[str, Any]:
        return load_json_object_fixture(filename)

    return json


def sent_json(number: int) -> dict[str, Any]:
    """Return the answer to a live send."""
    return {
        "status": "success",
        "details": {"messageid": f"message-{number}", "testmode": False},
    }


def credits_requests(aioclient_mock: AiohttpClientMocker) -> int:
    """Return how often the balance was read."""
    return sum(1 for call in aioclient_mock.mock_calls if call[1] == URL(CREDITS_URL))


async def spin_until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until ``condition`` holds, for at most ten seconds.

    Sends normalise their numbers in executor threads, so the loop does not only
    need turns: between checks it waits for a short sleep in a thread (real time,
    which a frozen clock does not stop).
    """
    loop = asyncio.get_running_loop()
    for _ in range(2000):
        if condition():
            return
        await loop.run_in_executor(None, time.sleep, 0.005)
    pytest.fail("The condition was not reached")


def start_sends(hass: HomeAssistant, count: int) -> list[asyncio.Task[Any]]:
    """Start ``count`` one-credit sends through the action, concurrently."""
    return [
        asyncio.create_task(
            call_send_sms_action(
                hass, recipients=[RECIPIENT_NUMBER], message=f"Alarm {number}"
            )
        )
        for number in range(count)
    ]


async def test_concurrent_sends_never_overdraw(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test 20 one-credit sends on 10 credits: 10 go out at once, 10 are refused by us.

    The refused sends share one read of the balance, and none reaches the provider.
    """
    mock_endpoints(aioclient_mock, credits_=credits_json(10))
    await setup_integration(hass, mock_config_entry)
    sends_release = asyncio.Event()
    balance_release = asyncio.Event()
    send_answer, sends = held_answer(sends_release, sent_json)
    balance_answer, balance_reads = held_answer(
        balance_release, lambda _number: {"status": "success", "details": 10}
    )
    mock_endpoints(
        aioclient_mock,
        credits_={"side_effect": balance_answer},
        send={"side_effect": send_answer},
    )

    ledger = mock_config_entry.runtime_data.coordinator.ledger
    with patch.object(ledger, "reserve", wraps=ledger.reserve) as reserve:
        tasks = start_sends(hass, 20)
        # Their numbers are read in threads, at any pace: wait until every send
        # tried to reserve, so that the ten refused ones all wait on the one read.
        await spin_until(
            lambda: (
                len(sends) == 10
                and len(balance_reads) == 1
                and reserve.call_count == 20
            )
        )
    # All ten are in flight together: nothing serialises them.
    assert len(send_requests(aioclient_mock)) == 10
    balance_release.set()
    await spin_until(lambda: sum(task.done() for task in tasks) == 10)
    sends_release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 10
    for error in refused:
        assert isinstance(error, ServiceValidationError)
        assert error.translation_key == "insufficient_credits"
        assert error.translation_placeholders == {
            "credits_estimate": "1",
            "credits": "0",
        }
    assert sorted(
        result["message_id"] for result in results if isinstance(result, dict)
    ) == sorted(f"message-{number}" for number in range(10))
    assert len(send_requests(aioclient_mock)) == 10
    assert credits_requests(aioclient_mock) == 1
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "0"


@pytest.mark.usefixtures("mock_api")
async def test_refresh_never_gives_back_credits_spent_since_it_started(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a poll answered with the balance from before a send does not raise it again."""
    await setup_integration(hass, mock_config_entry)

    release = asyncio.Event()
    balance_answer, balance_reads = held_answer(
        release, lambda _number: {"status": "success", "details": 250}
    )
    mock_endpoints(aioclient_mock, credits_={"side_effect": balance_answer})
    coordinator = mock_config_entry.runtime_data.coordinator

    poll = hass.async_create_task(coordinator.async_refresh())
    await spin_until(lambda: len(balance_reads) == 1)
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    release.set()
    await poll

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "249"
    assert coordinator.ledger.available == 249


@pytest.mark.usefixtures("mock_api")
async def test_balance_read_after_sends_keeps_a_send_made_while_it_is_out(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the balance read after a send does not give back a send made during it.

    The read goes out after the first send; the second send is booked while it
    is out, and the answer (249) does not include it yet.
    """
    await setup_integration(hass, mock_config_entry)
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="First")
    release = asyncio.Event()
    balance_answer, balance_reads = held_answer(
        release, lambda _number: {"status": "success", "details": 249}
    )
    mock_endpoints(aioclient_mock, credits_={"side_effect": balance_answer})

    async_fire_time_changed(hass, dt_util.utcnow() + CREDITS_REFRESH_COOLDOWN)
    await spin_until(lambda: len(balance_reads) == 1)
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Second")
    release.set()
    await hass.async_block_till_done()

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "248"
    assert mock_config_entry.runtime_data.coordinator.ledger.available == 248


async def test_cancelled_send_leaves_the_shared_balance_read_to_the_others(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a send cancelled while it waits for the shared balance read does not cancel it.

    Both sends find no credits and wait for one read of the balance; the one
    still waiting is sent with the balance that read finds.
    """
    mock_endpoints(aioclient_mock, credits_=credits_json(0))
    await setup_integration(hass, mock_config_entry)
    release = asyncio.Event()
    balance_answer, balance_reads = held_answer(
        release, lambda _number: {"status": "success", "details": 5}
    )
    mock_endpoints(aioclient_mock, credits_={"side_effect": balance_answer})
    ledger = mock_config_entry.runtime_data.coordinator.ledger
    with patch.object(ledger, "reserve", wraps=ledger.reserve) as reserve:
        cancelled, waiting = start_sends(hass, 2)
        await spin_until(lambda: reserve.call_count == 2 and len(balance_reads) == 1)

    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    release.set()

    assert (await waiting)["message_id"] == "f89d33b3-da08-40fe-b4be-182a381b8e77"
    assert credits_requests(aioclient_mock) == 1
    assert len(send_requests(aioclient_mock)) == 1
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "4"


@pytest.mark.parametrize(
    "refusal",
    [
        {"status": "error", "message": "Insufficient credits"},
        {
            "status": "error",
            "message": "Cannot send",
            "remaining": 0,
            "required": 1,
        },
        {"status": "Error", "message": "Onvoldoende tegoed"},
    ],
    ids=["error_message", "credit_fields", "dutch_message"],
)
@pytest.mark.usefixtures("mock_api")
async def test_provider_refusal_for_credits(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    refusal: dict[str, Any],
) -> None:
    """Test a provider refusal for credits reads the balance and gives our own error."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_=credits_json(0), send={"json": refusal})

    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")

    assert exc_info.value.translation_key == "insufficient_credits"
    assert exc_info.value.translation_placeholders == {
        "credits_estimate": "1",
        "credits": "0",
    }
    assert credits_requests(aioclient_mock) == 1
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "0"
    # The refused send was released: the next one is checked against 0, not -1.
    assert mock_config_entry.runtime_data.coordinator.ledger.available == 0


@pytest.mark.usefixtures("mock_api")
async def test_numbers_are_normalised_in_the_executor(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test phone numbers are read outside the event loop: the metadata loads from disk."""
    await setup_integration(hass, mock_config_entry)

    loop_thread = threading.get_ident()
    threads: list[int] = []

    def normalize(numbers: list[str], region: str) -> list[str]:
        threads.append(threading.get_ident())
        return normalize_each(numbers, region)

    with patch("custom_components.smsservicecenter.send.normalize_each", normalize):
        await call_send_sms_action(hass, recipients=["+595 981 123456"], message="Hola")
        assert threads
        assert loop_thread not in threads

        # A number read before needs no executor job.
        threads.clear()
        await call_send_sms_action(hass, recipients=["+595981123456"], message="Hola")
        await call_send_sms_action(hass, recipients=["+595 981 123456"], message="Hola")

    assert len(threads) == 1


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "history",
    [
        {"status": 500},
        {"json": {"status": "success", "details": {"messages": "none"}}},
        {"json": {"status": "error", "message": "History unavailable"}},
    ],
    ids=["server_error", "unreadable", "api_error"],
)
async def test_history_failure_only_affects_the_history_sensors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    history: dict[str, Any],
) -> None:
    """Test the credits, low credits and sender name stay up when the history fails."""
    mock_endpoints(aioclient_mock, history=history)

    await setup_integration(hass, mock_config_entry)

    for entity_id, expected in (
        (CREDITS_ENTITY_ID, "250"),
        ("binary_sensor.sms_service_center_low_credits", "off"),
        ("text.sms_service_center_sender_name", "HomeAssist"),
        ("sensor.sms_service_center_messages_last_30_days", STATE_UNAVAILABLE),
        ("sensor.sms_service_center_last_message_sent", STATE_UNAVAILABLE),
    ):
        assert (state := hass.states.get(entity_id))
        assert state.state == expected


async def test_history_not_read_while_its_sensors_are_disabled(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the poll skips the history requests when both history sensors are disabled."""
    mock_endpoints(aioclient_mock)

    await setup_integration(hass, mock_config_entry)
    await mock_config_entry.runtime_data.coordinator.async_refresh()

    assert credits_requests(aioclient_mock) == 2
    assert not any("history" in str(call[1]) for call in aioclient_mock.mock_calls)
    assert hass.states.get("sensor.sms_service_center_messages_last_30_days") is None


@pytest.mark.usefixtures("mock_api")
async def test_cancelled_send_stays_booked(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a send cancelled while its request is out counts as spent: it may have gone."""
    await setup_integration(hass, mock_config_entry)

    release = asyncio.Event()
    send_answer, sends = held_answer(release, sent_json)
    mock_endpoints(aioclient_mock, send={"side_effect": send_answer})
    ledger = mock_config_entry.runtime_data.coordinator.ledger

    (task,) = start_sends(hass, 1)
    await spin_until(lambda: len(sends) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert ledger.available == 249
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "249"


@pytest.mark.usefixtures("mock_api")
async def test_unexpected_send_failure_stays_booked(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test a send that fails in a way the client does not know counts as spent."""
    await setup_integration(hass, mock_config_entry)

    runtime_data = mock_config_entry.runtime_data
    with (
        patch.object(runtime_data.client, "send", side_effect=RuntimeError("bug")),
        pytest.raises(RuntimeError, match="bug"),
    ):
        await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Alarm")

    assert runtime_data.coordinator.ledger.available == 249
    assert runtime_data.account.budget.daily.used == 1


@pytest.mark.usefixtures("mock_api")
async def test_refusal_when_the_balance_cannot_be_read(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a refusal for credits names what the provider said is left when reading fails."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(
        aioclient_mock,
        credits_={"status": 503},
        send={
            "json": {
                "status": "error",
                "message": "Cannot send",
                "remaining": 3,
                "required": 5,
            }
        },
    )

    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")

    assert exc_info.value.translation_placeholders == {
        "credits_estimate": "1",
        "credits": "3",
    }
    assert mock_config_entry.runtime_data.coordinator.ledger.available == 250


@pytest.mark.usefixtures("mock_api")
async def test_balance_read_after_sends_may_fail(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test a failed balance read after sends keeps what the ledger booked."""
    await setup_integration(hass, mock_config_entry)

    caplog.set_level(logging.DEBUG, logger="custom_components.smsservicecenter")
    mock_endpoints(aioclient_mock, credits_={"status": 503})

    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    await settle_sends(hass)

    assert credits_requests(aioclient_mock) == 1
    assert "Could not read the balance after sending" in caplog.text
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "249"


@pytest.mark.usefixtures("mock_api")
async def test_packets_fetched_when_sends_make_the_balance_low(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the low credits repair gets its packet link from the read after sends."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_=credits_json(5))

    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    # On the send path the packet list is not fetched.
    assert not any("packets" in str(call[1]) for call in aioclient_mock.mock_calls)
    await settle_sends(hass)

    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"low_credits_{ENTRY_ID}")
    assert issue
    assert issue.translation_key == "low_credits"
    assert sum("packets" in str(call[1]) for call in aioclient_mock.mock_calls) == 1


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_history_auth_failure_starts_reauth(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a token refused by the history endpoint fails the update and starts reauth."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, history={"status": 401})

    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert_reauth_started(hass)
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_history_failure_logged_once_and_recovery(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test a failing history is logged once, and again when it can be read again."""
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator
    mock_endpoints(aioclient_mock, history={"status": 500})

    await coordinator.async_refresh()
    await coordinator.async_refresh()
    mock_endpoints(aioclient_mock)
    await coordinator.async_refresh()

    assert caplog.text.count("The sent-message history could not be read") == 1
    assert caplog.text.count("The sent-message history can be read again") == 1
    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "2"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_sends_during_a_poll_still_count(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a send accepted while the history was read is not lost by that poll."""
    await setup_integration(hass, mock_config_entry)

    release = asyncio.Event()
    history_answer, history_reads = held_answer(release, fixture_json("history.json"))
    mock_endpoints(aioclient_mock, history={"side_effect": history_answer})
    coordinator = mock_config_entry.runtime_data.coordinator

    poll = hass.async_create_task(coordinator.async_refresh())
    await spin_until(lambda: len(history_reads) == 1)
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    sent_at = (
        coordinator.data.history.last_message_sent if coordinator.data.history else None
    )
    release.set()
    await poll

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "3"
    assert coordinator.data.history is not None
    assert coordinator.data.history.last_message_sent == sent_at
