"""Tests for the SMS Service Center data update coordinator."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smsservicecenter.const import SCAN_INTERVAL

from . import setup_integration
from .conftest import (
    NO_SENDNAME,
    assert_reauth_started,
    credits_json,
    history_details,
    mock_endpoints,
    next_poll,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )

SENDER_NAME_ENTITY_ID = "text.sms_service_center_sender_name"
CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE_ENTITY_ID = "sensor.sms_service_center_last_message_sent"
LOW_CREDITS_ENTITY_ID = "binary_sensor.sms_service_center_low_credits"


def requested_history_pages(aioclient_mock: AiohttpClientMocker) -> list[str]:
    """Return the page of every history request that was made."""
    return [
        url.query["page"]
        for _method, url, _data, _headers in aioclient_mock.mock_calls
        if url.path.endswith("/history")
    ]


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_history_single_page(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a single history page is counted as it is, with one request.

    Both history sensors were added enabled after a first poll that skipped the
    history: together they read it once, not twice.
    """
    await setup_integration(hass, mock_config_entry)

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await hass.async_block_till_done()

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "2"
    assert requested_history_pages(aioclient_mock) == ["1"]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_history_several_pages(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test several pages are counted from the first and the last page only."""
    newest = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    mock_endpoints(
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

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == str(3 * 50 + 7)
    assert requested_history_pages(aioclient_mock) == ["1", "4"]


def _with_unreadable_entries(details: dict[str, Any], count: int) -> dict[str, Any]:
    """Return history page details with ``count`` entries without a readable time added."""
    entry = {"id": "unreadable", "datetime": None, "message": "Hello", "count": 1}
    return details | {"messages": [*details["messages"], *[entry] * count]}


@pytest.mark.parametrize(
    ("history_pages", "expected", "skipped", "pages"),
    [
        pytest.param(
            {
                1: _with_unreadable_entries(
                    history_details(1, 1, [datetime(2026, 11, 24, tzinfo=UTC)]), 2
                )
            },
            3,
            2,
            ["1"],
            id="single_page",
        ),
        pytest.param(
            {
                1: _with_unreadable_entries(
                    history_details(1, 2, [datetime(2026, 11, 24, tzinfo=UTC)] * 49),
                    1,
                ),
                2: _with_unreadable_entries(
                    history_details(2, 2, [datetime(2026, 11, 4, tzinfo=UTC)]), 1
                ),
            },
            50 + 2,
            2,
            ["1", "2"],
            id="last_page",
        ),
    ],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_history_entries_without_time_still_count(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    *,
    history_pages: dict[int, dict[str, Any]],
    expected: int,
    skipped: int,
    pages: list[str],
) -> None:
    """Test entries without a readable time count as sent messages, with one debug line per poll."""
    mock_endpoints(aioclient_mock, history_pages=history_pages)
    caplog.set_level(logging.DEBUG, logger="custom_components.smsservicecenter")

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == str(expected)
    assert (state := hass.states.get(LAST_MESSAGE_ENTITY_ID))
    assert state.state == "2026-11-24T00:00:00+00:00"
    assert requested_history_pages(aioclient_mock) == pages
    assert [
        record.getMessage()
        for record in caplog.records
        if "without a readable time" in record.getMessage()
    ] == [
        f"Skipped {skipped} history entries without a readable time (counted as sent)"
    ]


@pytest.mark.usefixtures("mock_api")
async def test_sendname_error_takes_only_the_sender_name_down(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test a sendname that cannot be read leaves the credits up to date; only its entity is down."""
    await setup_integration(hass, mock_config_entry)
    coordinator = mock_config_entry.runtime_data.coordinator
    mock_endpoints(
        aioclient_mock,
        credits_=credits_json(240),
        sendname={"json": {"status": "error", "message": "Unknown account"}},
    )

    await next_poll(hass, freezer)
    await next_poll(hass, freezer)

    assert coordinator.last_update_success is True
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "240"
    assert (state := hass.states.get(SENDER_NAME_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
    assert caplog.text.count("The default sender name could not be read") == 1

    mock_endpoints(aioclient_mock)
    await next_poll(hass, freezer)

    assert (state := hass.states.get(SENDER_NAME_ENTITY_ID))
    assert state.state == "HomeAssist"
    assert "The default sender name can be read again" in caplog.text


@pytest.mark.usefixtures("mock_api")
async def test_sendname_error_at_setup_does_not_fail_it(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test an account whose sendname cannot be read still sets up, to send and count."""
    mock_endpoints(
        aioclient_mock, sendname={"status": HTTPStatus.INTERNAL_SERVER_ERROR}
    )

    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(SENDER_NAME_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("mock_api")
async def test_no_sendname_keeps_the_poll_successful(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test the documented answer of an account without a default sendname is no failure."""
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator
    assert coordinator.data.sendname is not None
    mock_endpoints(aioclient_mock, sendname={"json": NO_SENDNAME})

    await next_poll(hass, freezer)

    assert coordinator.last_update_success is True
    assert coordinator.data.sendname is None
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.parametrize(
    ("first_page_day", "last_page_day"),
    [(24, 4), (4, 24)],
    ids=["newest_first", "oldest_first"],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_last_message_sent_from_either_end(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    first_page_day: int,
    last_page_day: int,
) -> None:
    """Test the newest message is found whichever end of the history holds it."""
    mock_endpoints(
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

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(LAST_MESSAGE_ENTITY_ID))
    assert state.state == "2026-11-24T08:30:00+00:00"


@pytest.mark.parametrize(
    ("credits_response", "next_poll_in"),
    [
        pytest.param({"exc": ClientError()}, SCAN_INTERVAL, id="client_error"),
        # The next poll waits for the Retry-After of a 429, not the scan interval.
        pytest.param(
            {
                "status": HTTPStatus.TOO_MANY_REQUESTS,
                "headers": {"Retry-After": "1800"},
            },
            timedelta(minutes=30),
            id="too_many_requests_retry_after",
        ),
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_update_failure_and_recovery(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    *,
    credits_response: dict[str, Any],
    next_poll_in: timedelta,
) -> None:
    """Test the entities become unavailable when polling fails and recover at the next poll."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_=credits_response)
    await next_poll(hass, freezer)

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    mock_endpoints(aioclient_mock)
    await next_poll(hass, freezer, next_poll_in)

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.parametrize(
    ("retry_after", "next_poll_in"),
    [
        # Sooner than the scan interval would poll the API about every second.
        pytest.param("0", SCAN_INTERVAL, id="zero"),
        pytest.param("60", SCAN_INTERVAL, id="under_scan_interval"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", SCAN_INTERVAL, id="past_date"),
        pytest.param("1800", timedelta(minutes=30), id="half_an_hour"),
        # Later than an hour would stop polling for that long.
        pytest.param("7200", timedelta(hours=1), id="two_hours"),
        pytest.param("86400", timedelta(hours=1), id="one_day"),
    ],
)
@pytest.mark.parametrize(
    "status", [HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE]
)
@pytest.mark.usefixtures("mock_api")
async def test_retry_after_is_clamped(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    *,
    status: HTTPStatus,
    retry_after: str,
    next_poll_in: timedelta,
) -> None:
    """Test a Retry-After puts the next poll off to between the scan interval and an hour."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(
        aioclient_mock,
        credits_={"status": status, "headers": {"Retry-After": retry_after}},
    )
    await next_poll(hass, freezer)
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    mock_endpoints(aioclient_mock)
    await next_poll(hass, freezer, next_poll_in - timedelta(minutes=1))
    assert aioclient_mock.call_count == 0

    # The coordinator rounds the poll time, so allow it a second.
    await next_poll(hass, freezer, timedelta(minutes=1, seconds=1))
    assert aioclient_mock.call_count > 0
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.usefixtures("mock_api")
async def test_auth_failure_during_polling_starts_reauth(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a token that is rejected while polling starts a reauth flow."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_={"status": HTTPStatus.UNAUTHORIZED})
    await next_poll(hass, freezer)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
    assert_reauth_started(hass, mock_config_entry.entry_id)


@pytest.mark.usefixtures("mock_api")
async def test_set_credits(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a balance read between polls updates the sensors without polling."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_=credits_json(5))

    assert await mock_config_entry.runtime_data.coordinator.async_read_balance() == 5
    await hass.async_block_till_done()

    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "5"
    assert (state := hass.states.get(LOW_CREDITS_ENTITY_ID))
    assert state.state == STATE_ON
    # Only the balance: the packet list is left to the poll.
    assert aioclient_mock.call_count == 1


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_set_credits_keeps_a_failed_update_failed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test a balance stored while polling fails leaves the entities unavailable.

    The rest of the data is stale, so the coordinator must not count as updated;
    a poll that fails again is not logged again either.
    """
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator
    mock_endpoints(aioclient_mock, credits_={"exc": ClientError()})
    await next_poll(hass, freezer)
    assert coordinator.last_update_success is False
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE

    mock_endpoints(aioclient_mock, credits_=credits_json(5))
    await coordinator.async_read_balance()
    await hass.async_block_till_done()
    mock_endpoints(aioclient_mock, credits_={"exc": ClientError()})

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

    mock_endpoints(aioclient_mock)
    await next_poll(hass, freezer)

    assert coordinator.last_update_success is True
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.usefixtures("mock_api")
async def test_polls_every_ten_minutes(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test the account is polled every 10 minutes, not sooner."""
    await setup_integration(hass, mock_config_entry)

    # Poll once, so the next poll is scheduled on the frozen clock.
    await next_poll(hass, freezer)
    mock_endpoints(aioclient_mock, credits_=credits_json(77))

    await next_poll(hass, freezer, timedelta(minutes=9, seconds=58))
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state != "77"

    # The coordinator rounds the poll time, so allow it a few seconds.
    await next_poll(hass, freezer, timedelta(seconds=4))
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "77"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_set_credits_keeps_the_poll_schedule(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a balance stored between polls does not put the next poll off."""
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator
    # Poll once, so the next poll is scheduled on the frozen clock.
    await next_poll(hass, freezer)
    freezer.tick(SCAN_INTERVAL / 2)
    mock_endpoints(aioclient_mock, credits_=credits_json(240))
    await coordinator.async_read_balance()
    await hass.async_block_till_done()
    mock_endpoints(aioclient_mock)

    # The coordinator rounds the poll time, so allow it a second.
    await next_poll(hass, freezer, SCAN_INTERVAL / 2 + timedelta(seconds=1))

    assert requested_history_pages(aioclient_mock) == ["1"]
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.usefixtures("mock_api")
async def test_set_sendname_keeps_a_failed_update_failed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a sendname changed while polling fails does not count as an update."""
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator
    mock_endpoints(aioclient_mock, credits_={"exc": ClientError()})
    await next_poll(hass, freezer)

    await coordinator.async_set_sendname("NewName")
    await hass.async_block_till_done()

    assert coordinator.last_update_success is False
    assert coordinator.data.sendname == "NewName"
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
