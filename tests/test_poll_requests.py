"""Tests for the requests of a poll: at once, history and packets in the background, none twice.

The mocked API answers only when a test releases it, so a test sees which requests
are out together.
"""

import asyncio
from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smsservicecenter.account_check import (
    async_remember_account_check,
)
from custom_components.smsservicecenter.const import CONF_ADVANCED, DOMAIN

from . import setup_integration
from .conftest import (
    BASE_URL,
    NO_SENDNAME,
    TOKEN,
    assert_reauth_started,
    credits_json,
    mock_endpoints,
    next_poll,
)
from .test_send_concurrency import fixture_json, held_answer, spin_until

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory

CREDITS_ENTITY_ID = "sensor.sms_service_center_credits"
MESSAGES_ENTITY_ID = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE_ENTITY_ID = "sensor.sms_service_center_last_message_sent"
LOW_CREDITS_ENTITY_ID = "binary_sensor.sms_service_center_low_credits"


def requested_paths(aioclient_mock: AiohttpClientMocker) -> list[str]:
    """Return the path of every request made, in order."""
    return [url.path for _method, url, _data, _headers in aioclient_mock.mock_calls]


def hold_status_requests(
    aioclient_mock: AiohttpClientMocker, release: asyncio.Event
) -> dict[str, list[int]]:
    """Hold the answers of the credits, sendname and history requests until ``release``."""
    credits_answer, credits_reads = held_answer(release, fixture_json("credits.json"))
    sendname_answer, sendname_reads = held_answer(
        release, fixture_json("sendname.json")
    )
    history_answer, history_reads = held_answer(release, fixture_json("history.json"))
    mock_endpoints(
        aioclient_mock,
        credits_={"side_effect": credits_answer},
        sendname={"side_effect": sendname_answer},
        history={"side_effect": history_answer},
    )
    return {
        "credits": credits_reads,
        "sendname": sendname_reads,
        "history": history_reads,
    }


async def test_setup_reads_credits_and_sendname_at_once(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test setup sends the credits and sendname requests together: one round trip."""
    release = asyncio.Event()
    reads = hold_status_requests(aioclient_mock, release)
    mock_config_entry.add_to_hass(hass)

    setup = hass.async_create_task(
        hass.config_entries.async_setup(mock_config_entry.entry_id)
    )
    await spin_until(lambda: len(reads["credits"]) == len(reads["sendname"]) == 1)
    assert mock_config_entry.state is ConfigEntryState.SETUP_IN_PROGRESS
    release.set()
    assert await setup

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"
    assert mock_config_entry.runtime_data.coordinator.data.sendname == "HomeAssist"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_setup_does_not_wait_for_the_history(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the history sensors read the history after setup, once, in the background."""
    release = asyncio.Event()
    history_answer, history_reads = held_answer(release, fixture_json("history.json"))
    mock_endpoints(aioclient_mock, history={"side_effect": history_answer})
    mock_config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await spin_until(lambda: len(history_reads) == 1)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
    release.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "2"
    assert requested_paths(aioclient_mock).count("/api/v2/history") == 1


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_poll_reads_everything_at_once(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a poll with the history sensors added sends its three requests together."""
    mock_endpoints(aioclient_mock)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    release = asyncio.Event()
    reads = hold_status_requests(aioclient_mock, release)

    poll = hass.async_create_task(next_poll(hass, freezer))
    await spin_until(
        lambda: (
            len(reads["credits"]) == len(reads["sendname"]) == 1
            and len(reads["history"]) == 1
        )
    )
    release.set()
    await poll

    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "2"


@pytest.mark.parametrize(
    ("credits_response", "sendname_response"),
    [
        ({"exc": ClientError()}, {"status": HTTPStatus.UNAUTHORIZED}),
        ({"status": HTTPStatus.UNAUTHORIZED}, {"exc": ClientError()}),
        ({"status": HTTPStatus.UNAUTHORIZED}, {"json": NO_SENDNAME}),
    ],
    ids=["sendname_rejected", "credits_rejected", "only_credits_rejected"],
)
async def test_a_rejected_token_wins_over_other_errors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    credits_response: dict[str, Any],
    sendname_response: dict[str, Any],
) -> None:
    """Test setup asks for a new token when either request is refused for it."""
    mock_endpoints(
        aioclient_mock, credits_=credits_response, sendname=sendname_response
    )
    mock_config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert_reauth_started(hass, mock_config_entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_history_read_after_setup_with_a_rejected_token_starts_reauth(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the history sensors' read, refused for the token, asks for a new one."""
    mock_endpoints(aioclient_mock, history={"status": HTTPStatus.UNAUTHORIZED})
    mock_config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert_reauth_started(hass, mock_config_entry.entry_id)
    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_history_not_read_once_its_sensors_are_removed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test the polls stop reading the history when no sensor shows it any more."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, mock_config_entry)
    entity_registry.async_remove(MESSAGES_ENTITY_ID)
    mock_endpoints(aioclient_mock)
    await next_poll(hass, freezer)
    assert requested_paths(aioclient_mock).count("/api/v2/history") == 1

    entity_registry.async_remove(LAST_MESSAGE_ENTITY_ID)
    mock_endpoints(aioclient_mock)
    await next_poll(hass, freezer)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert requested_paths(aioclient_mock) == ["/api/v2/credits", "/api/v2/sendname"]


async def test_setup_right_after_a_config_flow_asks_nothing_again(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the first poll takes the credits and sendname a config flow just read."""
    mock_endpoints(aioclient_mock)
    async_remember_account_check(hass, TOKEN, BASE_URL, 42, "Checked")

    await setup_integration(hass, mock_config_entry)

    assert not requested_paths(aioclient_mock)
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "42"
    coordinator = mock_config_entry.runtime_data.coordinator
    assert coordinator.data.sendname == "Checked"

    await coordinator.async_refresh()

    assert requested_paths(aioclient_mock) == ["/api/v2/credits", "/api/v2/sendname"]
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.parametrize(
    ("token", "url", "age"),
    [
        ("other-token", BASE_URL, timedelta(0)),
        (TOKEN, "https://other.example/", timedelta(0)),
        (TOKEN, BASE_URL, timedelta(seconds=31)),
    ],
    ids=["other_token", "other_url", "too_old"],
)
async def test_setup_asks_again_after_another_or_an_old_check(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    *,
    token: str,
    url: str,
    age: timedelta,
) -> None:
    """Test only a check of this account's token and URL, just now, stands in for a poll."""
    mock_endpoints(aioclient_mock)
    async_remember_account_check(hass, token, url, 42, "Checked")
    freezer.tick(age)

    await setup_integration(hass, mock_config_entry)

    assert requested_paths(aioclient_mock) == ["/api/v2/credits", "/api/v2/sendname"]
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_poll_reading_the_history_asks_again_after_a_check(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a check cannot stand in for a poll that reads the history too."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, mock_config_entry)
    async_remember_account_check(hass, TOKEN, BASE_URL, 42, "Checked")
    mock_endpoints(aioclient_mock)

    await mock_config_entry.runtime_data.coordinator.async_refresh()

    assert sorted(requested_paths(aioclient_mock)) == [
        "/api/v2/credits",
        "/api/v2/history",
        "/api/v2/sendname",
    ]
    assert (state := hass.states.get(MESSAGES_ENTITY_ID))
    assert state.state == "2"


async def test_adding_an_account_reads_credits_and_sendname_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Test the config flow and the setup after it ask for credits and sendname once."""
    mock_endpoints(aioclient_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: BASE_URL}},
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].state is ConfigEntryState.LOADED
    assert requested_paths(aioclient_mock) == ["/api/v2/credits", "/api/v2/sendname"]
    assert (state := hass.states.get(CREDITS_ENTITY_ID))
    assert state.state == "250"


async def test_reauth_reads_credits_and_sendname_once(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a new token is checked, and the account reloaded with it, without asking twice."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, mock_config_entry)
    mock_endpoints(aioclient_mock)
    result = await mock_config_entry.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "new-token"}
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.data[CONF_API_TOKEN] == "new-token"
    assert requested_paths(aioclient_mock) == ["/api/v2/credits", "/api/v2/sendname"]


async def test_setup_does_not_wait_for_the_packet_list(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test a low balance raises its issue, with a packet, once the packet list came."""
    release = asyncio.Event()
    packets_answer, packet_reads = held_answer(release, fixture_json("packets.json"))
    mock_endpoints(
        aioclient_mock,
        credits_=credits_json(5),
        packets={"side_effect": packets_answer},
    )
    mock_config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await spin_until(lambda: len(packet_reads) == 1)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert (state := hass.states.get(LOW_CREDITS_ENTITY_ID))
    assert state.state == STATE_ON
    issue_id = f"low_credits_{mock_config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    release.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert (issue := issue_registry.async_get_issue(DOMAIN, issue_id))
    assert issue.translation_key == "low_credits"
