"""Tests for the SMS Service Center data update coordinator."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smsservicecenter.const import SCAN_INTERVAL

from .conftest import (
    CREDITS_URL,
    HISTORY_URL,
    PACKETS_URL,
    SENDNAME_URL,
    load_json_fixture,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )

CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE_ENTITY_ID = "sensor.sms_service_center_last_message_sent"
LOW_CREDITS_ENTITY_ID = "binary_sensor.sms_service_center_low_credits"


def history_details(
    page: int, total_pages: int, sent_at: list[datetime]
) -> dict[str, Any]:
    """Return the details of one history page with a message per timestamp."""
    return {
        "messages": [
            {
                "id": f"message-{page}-{index}",
                "uuid": f"message-{page}-{index}",
                "date": "",
                "datetime": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "sendname": "HomeAssist",
                "message": "Hello",
                "count": 1,
            }
            for index, when in enumerate(sent_at)
        ],
        "totalpages": total_pages,
        "currentpage": page,
        "items_per_page": 50,
    }


def mock_account(
    aioclient_mock: AiohttpClientMocker,
    *,
    credits_response: dict[str, Any] | None = None,
    history_pages: dict[int, dict[str, Any]] | None = None,
) -> None:
    """Answer the API like the mock_api fixture, with other credits or history pages."""
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        CREDITS_URL, **(credits_response or {"json": load_json_fixture("credits.json")})
    )
    aioclient_mock.get(SENDNAME_URL, json=load_json_fixture("sendname.json"))
    for page, details in (history_pages or {}).items():
        aioclient_mock.get(
            HISTORY_URL,
            params={"page": page},
            json={"status": "success", "details": details},
        )
    aioclient_mock.get(HISTORY_URL, json=load_json_fixture("history.json"))
    aioclient_mock.get(PACKETS_URL, json=load_json_fixture("packets.json"))


def requested_history_pages(aioclient_mock: AiohttpClientMocker) -> list[str]:
    """Return the page of every history request that was made."""
    return [
        url.query["page"]
        for _method, url, _data, _headers in aioclient_mock.mock_calls
        if url.path.endswith("/history")
    ]


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the account."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def next_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    interval: timedelta = SCAN_INTERVAL,
) -> None:
    """Move the clock on to the next scheduled poll and let it run."""
    freezer.tick(interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_history_single_page(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Test a single history page is counted as it is, with one request."""
    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "2"
    assert requested_history_pages(aioclient_mock) == ["1"]


async def test_history_several_pages(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test several pages are counted from the first and the last page only."""
    newest = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    mock_account(
        aioclient_mock,
        history_pages={
            1: history_details(
                1, 4, [newest - timedelta(minutes=i) for i in range(50)]
            ),
            4: history_details(
                4, 4, [newest - timedelta(days=20, minutes=i) for i in range(7)]
            ),
        },
    )

    await setup_entry(hass, mock_config_entry)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == str(3 * 50 + 7)
    assert requested_history_pages(aioclient_mock) == ["1", "4"]


@pytest.mark.parametrize(
    ("first_page_day", "last_page_day"),
    [(24, 4), (4, 24)],
    ids=["newest_first", "oldest_first"],
)
async def test_last_message_sent_from_either_end(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    first_page_day: int,
    last_page_day: int,
) -> None:
    """Test the newest message is found whichever end of the history holds it."""
    mock_account(
        aioclient_mock,
        history_pages={
            1: history_details(
                1, 2, [datetime(2026, 11, first_page_day, 8, 30, tzinfo=UTC)] * 50
            ),
            2: history_details(
                2, 2, [datetime(2026, 11, last_page_day, 8, 30, tzinfo=UTC)]
            ),
        },
    )

    await setup_entry(hass, mock_config_entry)

    assert (state := hass.states.get(LAST_MESSAGE_ENTITY_ID))
    assert state.state == "2026-11-24T08:30:00+00:00"


@pytest.mark.usefixtures("init_integration")
async def test_update_failure_and_recovery(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test the entities become unavailable when polling fails and recover after."""
    mock_account(aioclient_mock, credits_response={"exc": ClientError()})
    await next_poll(hass, freezer)

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    mock_account(aioclient_mock)
    await next_poll(hass, freezer)

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.usefixtures("init_integration")
async def test_too_many_requests_retry_after(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test the next poll waits for the Retry-After of a 429, not the scan interval."""
    mock_account(
        aioclient_mock,
        credits_response={
            "status": HTTPStatus.TOO_MANY_REQUESTS,
            "headers": {"Retry-After": "60"},
        },
    )
    await next_poll(hass, freezer)
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    mock_account(aioclient_mock)
    await next_poll(hass, freezer, timedelta(seconds=60))

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


async def test_auth_failure_during_polling_starts_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a token that is rejected while polling starts a reauth flow."""
    mock_account(aioclient_mock, credits_response={"status": HTTPStatus.UNAUTHORIZED})
    await next_poll(hass, freezer)

    assert init_integration.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


async def test_set_credits(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a balance stored after a send updates the sensors without polling."""
    calls = aioclient_mock.call_count

    await init_integration.runtime_data.coordinator.async_set_credits(5)
    await hass.async_block_till_done()

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "5"
    assert (state := hass.states.get(LOW_CREDITS_ENTITY_ID))
    assert state.state == STATE_ON
    # Only the packet list for the low credits repair was fetched.
    assert aioclient_mock.call_count == calls + 1


async def test_set_credits_keeps_a_failed_update_failed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test a balance stored while polling fails leaves the entities unavailable.

    The rest of the data is stale, so the coordinator must not count as updated;
    a poll that fails again is not logged again either.
    """
    coordinator = init_integration.runtime_data.coordinator
    mock_account(aioclient_mock, credits_response={"exc": ClientError()})
    await next_poll(hass, freezer)
    assert coordinator.last_update_success is False
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    await coordinator.async_set_credits(5)
    await hass.async_block_till_done()

    assert coordinator.last_update_success is False
    assert coordinator.data.credits == 5
    for entity_id in (CREDITS_ENTITY_ID, LOW_CREDITS_ENTITY_ID, MESSAGES_ENTITY_ID):
        assert (state := hass.states.get(entity_id))
        assert state.state == STATE_UNAVAILABLE

    caplog.clear()
    await next_poll(hass, freezer)

    assert "Error fetching" not in caplog.text
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    mock_account(aioclient_mock)
    await next_poll(hass, freezer)

    assert coordinator.last_update_success is True
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


async def test_set_credits_keeps_the_poll_schedule(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a balance stored between polls does not put the next poll off."""
    coordinator = init_integration.runtime_data.coordinator
    # Poll once, so the next poll is scheduled on the frozen clock.
    await next_poll(hass, freezer)
    freezer.tick(SCAN_INTERVAL / 2)
    await coordinator.async_set_credits(240)
    await hass.async_block_till_done()
    mock_account(aioclient_mock)

    # The coordinator rounds the poll time, so allow it a second.
    await next_poll(hass, freezer, SCAN_INTERVAL / 2 + timedelta(seconds=1))

    assert requested_history_pages(aioclient_mock) == ["1"]
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


async def test_set_sendname_keeps_a_failed_update_failed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a sendname changed while polling fails does not count as an update."""
    coordinator = init_integration.runtime_data.coordinator
    mock_account(aioclient_mock, credits_response={"exc": ClientError()})
    aioclient_mock.post(SENDNAME_URL, json={"status": "success", "details": "NewName"})
    await next_poll(hass, freezer)

    await coordinator.async_set_sendname("NewName")
    await hass.async_block_till_done()

    assert coordinator.last_update_success is False
    assert coordinator.data.sendname == "NewName"
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
