"""Sends and the outbox through Home Assistant's life cycle: reloads, unloads, stops, full disks."""

import asyncio
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util.file import WriteError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smsservicecenter.const import (
    CONF_DAILY_CREDIT_LIMIT,
    MAX_QUEUED_MESSAGES,
    OUTBOX_RETRY_AFTER_SETUP,
)

from . import setup_integration
from .conftest import (
    RECIPIENT_NUMBER,
    assert_no_requests,
    call_send_sms_action,
    credits_json,
    mock_endpoints,
    send_requests,
    settle_sends,
)
from .test_outbox import (
    CONNECTION_REFUSED,
    STORAGE_KEY,
    account,
    queue_message,
    queued_count,
    setup_with_a_queued_message,
    stored_messages,
    tick,
)
from .test_send_concurrency import held_answer, sent_json, spin_until

USED_TODAY_ENTITY_ID = "sensor.sms_service_center_credits_used_today"
CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
FULL_DISK = WriteError("[Errno 28] No space left on device")


def limited(limit: int) -> MockConfigEntry:
    """Return the account with a daily credit limit."""
    entry = account()
    return MockConfigEntry(
        domain=entry.domain,
        title=entry.title,
        entry_id=entry.entry_id,
        data=dict(entry.data),
        options={**entry.options, CONF_DAILY_CREDIT_LIMIT: limit},
    )


def used_today(hass: HomeAssistant) -> str:
    """Return the state of the credits used today sensor."""
    state = hass.states.get(USED_TODAY_ENTITY_ID)
    assert state is not None
    return state.state


async def start_held_send(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> tuple[asyncio.Task[Any], asyncio.Event]:
    """Start a send whose answer waits until the returned event is set."""
    release = asyncio.Event()
    answer, received = held_answer(release, sent_json)
    mock_endpoints(aioclient_mock, send={"side_effect": answer})
    task = asyncio.create_task(
        call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Alarm")
    )
    await spin_until(lambda: len(received) == 1)
    return task, release


@pytest.mark.usefixtures("freezer")
async def test_reload_during_a_send_keeps_its_daily_count(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A send answered while the account reloads counts where the next send sees it."""
    mock_endpoints(aioclient_mock)
    entry = limited(1)
    await setup_integration(hass, entry)
    task, release = await start_held_send(hass, aioclient_mock)

    reload = asyncio.create_task(hass.config_entries.async_reload(entry.entry_id))
    await asyncio.sleep(0)
    release.set()
    response = await task
    assert await reload
    await hass.async_block_till_done()

    assert response["message_id"] == "message-0"
    assert used_today(hass) == "1"
    with (
        assert_no_requests(aioclient_mock),
        pytest.raises(ServiceValidationError, match="daily credit limit"),
    ):
        await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Again")


@pytest.mark.usefixtures("freezer")
async def test_unload_during_an_accepted_send_returns_its_message_id(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The caller of a send the provider accepted gets its message ID, whatever unloads."""
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)
    task, release = await start_held_send(hass, aioclient_mock)

    assert await hass.config_entries.async_unload(entry.entry_id)
    release.set()

    assert (await task)["message_id"] == "message-0"


@pytest.mark.usefixtures("freezer")
async def test_unload_during_a_refused_connection_queues_it_once(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A send that certainly failed while the account unloads is queued and sent once later."""
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)
    release = asyncio.Event()

    async def refused(*_args: Any) -> Any:
        await release.wait()
        raise CONNECTION_REFUSED["exc"]

    mock_endpoints(aioclient_mock, send={"side_effect": refused})
    task = asyncio.create_task(
        call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Alarm")
    )
    await spin_until(lambda: len(send_requests(aioclient_mock)) == 1)
    assert await hass.config_entries.async_unload(entry.entry_id)
    release.set()
    assert (await task)["queued"] is True

    mock_endpoints(aioclient_mock)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await tick(hass, freezer, OUTBOX_RETRY_AFTER_SETUP)
    await tick(hass, freezer, timedelta(minutes=10))

    assert [request["message"] for request in send_requests(aioclient_mock)] == [
        "Alarm"
    ]
    assert queued_count(hass) == 0


async def test_retry_interrupted_before_its_request_stays_queued(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A retry cancelled while it waits for its balance read never went out: it stays."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    outbox = entry.runtime_data.account.outbox
    # The retry finds no credits and must read the balance first.
    ledger = entry.runtime_data.account.budget.ledger
    ledger.apply_balance(0, ledger.begin_read())
    release = asyncio.Event()
    balance, reads = held_answer(release, lambda _n: credits_json(100)["json"])
    mock_endpoints(aioclient_mock, credits_={"side_effect": balance})

    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await spin_until(lambda: len(reads) == 1)
    assert outbox._flush is not None
    outbox._flush.cancel()
    release.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not send_requests(aioclient_mock)
    assert len(outbox.messages) == 1
    assert len(stored_messages(hass_storage)) == 1


async def test_full_disk_before_a_retry_sends_nothing_now(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A retry whose removal from disk fails is not sent: a restart would send it again."""
    await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(aioclient_mock)

    with patch(
        "homeassistant.helpers.storage.Store._async_write_data", side_effect=FULL_DISK
    ):
        await tick(hass, freezer, timedelta(seconds=30))
    assert not send_requests(aioclient_mock)
    assert len(stored_messages(hass_storage)) == 1
    assert queued_count(hass) == 1

    await tick(hass, freezer, timedelta(minutes=1))
    assert len(send_requests(aioclient_mock)) == 1
    assert not stored_messages(hass_storage)


@pytest.mark.usefixtures("freezer")
async def test_full_disk_when_queueing_is_a_translated_error(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A message that cannot be stored is not queued, and the caller is told."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account())

    with (
        patch(
            "homeassistant.helpers.storage.Store._async_write_data",
            side_effect=FULL_DISK,
        ),
        pytest.raises(HomeAssistantError) as exc_info,
    ):
        await queue_message(hass, aioclient_mock)

    assert exc_info.value.translation_key == "outbox_write_failed"
    assert queued_count(hass) == 0


@pytest.mark.usefixtures("freezer")
async def test_outbox_is_capped(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Beyond its cap the outbox refuses a message with a translated error."""
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)
    for _ in range(MAX_QUEUED_MESSAGES):
        await queue_message(hass, aioclient_mock)

    with pytest.raises(HomeAssistantError) as exc_info:
        await queue_message(hass, aioclient_mock)

    assert exc_info.value.translation_key == "outbox_full"
    assert queued_count(hass) == MAX_QUEUED_MESSAGES


@pytest.mark.freeze_time("2026-05-04 10:10:00+00:00")
async def test_unreadable_stored_message_is_skipped(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stored message that cannot be read is skipped with a warning, never a failed setup."""
    good = {
        "id": "a",
        "numbers": ["+31612345678"],
        "message": "Hello",
        "sendname": None,
        "queued_at": "2026-05-04T10:00:00+00:00",
        "segments": 1,
        "credits_estimate": 1,
    }
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {"messages": [{"id": "broken"}, good, {**good, "queued_at": "soon"}]},
    }
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)

    assert [message.id for message in entry.runtime_data.account.outbox.messages] == [
        "a"
    ]
    assert "Skipped 2 unreadable message(s) in the outbox" in caplog.text


async def test_retry_after_is_honoured_through_polls(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a 429 with Retry-After the message waits that long, also when a poll succeeds."""
    entry = await setup_with_a_queued_message(hass, aioclient_mock)
    mock_endpoints(
        aioclient_mock, send={"status": 429, "headers": {"Retry-After": "600"}}
    )
    await tick(hass, freezer, timedelta(seconds=30))
    assert len(send_requests(aioclient_mock)) == 1

    mock_endpoints(aioclient_mock)
    await entry.runtime_data.coordinator.async_refresh()
    await settle_sends(hass)
    await tick(hass, freezer, timedelta(minutes=5))
    assert not send_requests(aioclient_mock)

    await tick(hass, freezer, timedelta(minutes=5))
    assert len(send_requests(aioclient_mock)) == 1
    assert queued_count(hass) == 0


@pytest.mark.usefixtures("freezer")
async def test_send_cancelled_while_reading_the_balance_holds_nothing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A send cancelled before its request gives back its credits and daily allowance."""
    mock_endpoints(aioclient_mock, credits_=credits_json(0))
    entry = limited(5)
    await setup_integration(hass, entry)
    release = asyncio.Event()
    balance, reads = held_answer(release, lambda _n: credits_json(10)["json"])
    mock_endpoints(aioclient_mock, credits_={"side_effect": balance})

    task = asyncio.create_task(
        call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Alarm")
    )
    await spin_until(lambda: len(reads) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    budget = entry.runtime_data.account.budget
    assert budget.daily.left(budget.today()) == 5
    assert budget.ledger.available == 10
    assert not send_requests(aioclient_mock)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("2026-12-04 23:59:59+01:00", "2026-12-05 00:00:01+01:00"),
        ("2026-07-04 23:59:59+02:00", "2026-07-05 00:00:01+02:00"),
    ],
    ids=["winter", "summer"],
)
async def test_send_over_midnight_in_amsterdam_counts_on_the_day_it_is_answered(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    before: str,
    after: str,
) -> None:
    """A send reserved at 23:59:59 and answered at 00:00:01 local counts on the new day."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to(before)
    mock_endpoints(aioclient_mock)
    entry = limited(1)
    await setup_integration(hass, entry)
    task, release = await start_held_send(hass, aioclient_mock)

    freezer.move_to(after)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    release.set()
    await task
    await hass.async_block_till_done()

    assert used_today(hass) == "1"
    assert entry.runtime_data.account.budget.daily.day.isoformat() == after[:10]
    with pytest.raises(ServiceValidationError, match="daily credit limit"):
        await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Again")


async def test_restart_after_midnight_utc_keeps_the_local_day(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Set up at 00:30 in Amsterdam (23:30 UTC the day before): today's count is today's."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to("2026-12-05 00:30:00+01:00")
    hass_storage[f"smsservicecenter.{account().entry_id}"] = {
        "version": 1,
        "key": f"smsservicecenter.{account().entry_id}",
        "data": {"test_mode": False, "day": "2026-12-05", "credits_used": 1},
    }
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, limited(1))

    assert used_today(hass) == "1"


async def test_balance_read_during_a_reload_is_confirmed_after_sends_booked_meanwhile(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A poll whose answer may leave out sends booked meanwhile reads the balance again."""
    mock_endpoints(aioclient_mock)
    entry = account()
    await setup_integration(hass, entry)
    release_send = asyncio.Event()
    release_read = asyncio.Event()
    send_answer, sends = held_answer(release_send, sent_json)
    read_answer, reads = held_answer(
        release_read, lambda _number: credits_json(249)["json"]
    )
    mock_endpoints(
        aioclient_mock,
        send={"side_effect": send_answer},
        credits_={"side_effect": read_answer},
    )
    send = asyncio.create_task(
        call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Alarm")
    )
    await spin_until(lambda: len(sends) == 1)

    # The reload's first poll reads the balance while the send is still out.
    reload = asyncio.create_task(hass.config_entries.async_reload(entry.entry_id))
    await spin_until(lambda: len(reads) == 1)
    release_send.set()
    await send
    release_read.set()
    assert await reload
    await hass.async_block_till_done()
    # The provider's 249 may or may not include the send: it stays booked for now.
    assert (state := hass.states.get(CREDITS_ENTITY_ID)) is not None
    assert state.state == "248"

    mock_endpoints(aioclient_mock, credits_=credits_json(249))
    await settle_sends(hass)

    assert (state := hass.states.get(CREDITS_ENTITY_ID)) is not None
    assert state.state == "249"
