"""Fixtures for the SMS Service Center tests."""

from collections.abc import Generator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigSubentryData
from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    CONF_API_TOKEN,
    CONF_NAME,
    CONF_URL,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    load_json_object_fixture,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion
from yarl import URL

from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    CREDITS_REFRESH_COOLDOWN,
    DOMAIN,
    SCAN_INTERVAL,
    SUBENTRY_TYPE_RECIPIENT,
)

BASE_URL = "https://www.smsservicecenter.nl/"
TOKEN = "test-token-0123456789"
ENTRY_ID = "01JSMSSERVICECENTER00000001"
RECIPIENT_SUBENTRY_ID = "01JSMSRECIPIENT000000000001"
RECIPIENT_NUMBER = "+31612345678"

CREDITS_URL = f"{BASE_URL}api/v2/credits"
SENDNAME_URL = f"{BASE_URL}api/v2/sendname"
SEND_URL = f"{BASE_URL}api/v2/send"
HISTORY_URL = f"{BASE_URL}api/v2/history"
PACKETS_URL = f"{BASE_URL}api/packets"

# The sendname endpoint's answer for an account without a default sendname.
NO_SENDNAME = {"status": "error", "message": "Invalid request"}


def credits_json(balance: int) -> dict[str, Any]:
    """Return the credits endpoint's answer for a balance, as mock_endpoints takes it."""
    return {"json": {"status": "success", "details": balance}}


def history_details(
    page: int, total_pages: int, sent_at: Sequence[datetime] = ()
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


def mock_endpoints(
    aioclient_mock: AiohttpClientMocker,
    *,
    credits_: dict[str, Any] | None = None,
    sendname: dict[str, Any] | None = None,
    sendname_post: dict[str, Any] | None = None,
    history: dict[str, Any] | None = None,
    history_pages: dict[int, dict[str, Any]] | None = None,
    send: dict[str, Any] | None = None,
    packets: dict[str, Any] | None = None,
) -> None:
    """Answer every endpoint with the documented success shapes, except the ones given.

    Each answer given is the keyword arguments of one mocked response;
    ``history_pages`` answers single history pages with these details. The
    answers and the requests recorded before are dropped.
    """
    aioclient_mock.clear_requests()
    # Not async_load_json_object_fixture: in its executor thread it looks for
    # tests/fixtures next to concurrent/futures, not next to the calling test.
    aioclient_mock.get(
        CREDITS_URL, **(credits_ or {"json": load_json_object_fixture("credits.json")})
    )
    aioclient_mock.get(
        SENDNAME_URL,
        **(sendname or {"json": load_json_object_fixture("sendname.json")}),
    )
    aioclient_mock.post(
        SENDNAME_URL,
        **(sendname_post or {"json": {"status": "success", "details": "NewName"}}),
    )
    # A page asked for by number is answered before the catch-all history answer.
    for page, details in (history_pages or {}).items():
        aioclient_mock.get(
            HISTORY_URL,
            params={"page": page},
            json={"status": "success", "details": details},
        )
    aioclient_mock.get(
        HISTORY_URL, **(history or {"json": load_json_object_fixture("history.json")})
    )
    aioclient_mock.post(
        SEND_URL, **(send or {"json": load_json_object_fixture("send.json")})
    )
    aioclient_mock.get(
        PACKETS_URL, **(packets or {"json": load_json_object_fixture("packets.json")})
    )


def _posts(aioclient_mock: AiohttpClientMocker, url: str) -> list[tuple[Any, Any]]:
    """Return the body and the headers of each POST request made to ``url``."""
    return [
        (data, headers)
        for method, request_url, data, headers in aioclient_mock.mock_calls
        if method.upper() == "POST" and request_url == URL(url)
    ]


def send_requests(aioclient_mock: AiohttpClientMocker) -> list[Any]:
    """Return the JSON bodies of the send requests made."""
    return [data for data, _headers in _posts(aioclient_mock, SEND_URL)]


def send_tokens(aioclient_mock: AiohttpClientMocker) -> list[str]:
    """Return the Authorization headers of the send requests made."""
    return [
        headers["Authorization"] for _data, headers in _posts(aioclient_mock, SEND_URL)
    ]


def sendname_requests(aioclient_mock: AiohttpClientMocker) -> list[Any]:
    """Return the JSON bodies of the requests made to set the sendname."""
    return [data for data, _headers in _posts(aioclient_mock, SENDNAME_URL)]


@contextmanager
def assert_no_requests(aioclient_mock: AiohttpClientMocker) -> Generator[None]:
    """Assert that the code in the ``with`` block, raising or not, calls no endpoint."""
    requests_before = aioclient_mock.call_count
    try:
        yield
    finally:
        assert aioclient_mock.call_count == requests_before


async def next_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    interval: timedelta = SCAN_INTERVAL,
) -> None:
    """Move the clock on to the next scheduled poll and let it run (a background task)."""
    freezer.tick(interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def settle_sends(hass: HomeAssistant) -> None:
    """Let the balance read that follows sends run, once they have settled."""
    async_fire_time_changed(hass, dt_util.utcnow() + CREDITS_REFRESH_COOLDOWN)
    await hass.async_block_till_done(wait_background_tasks=True)


async def call_send_sms_action(
    hass: HomeAssistant, config_entry_id: str = ENTRY_ID, **data: Any
) -> Any:
    """Call the send_sms action for an account and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {ATTR_CONFIG_ENTRY_ID: config_entry_id, **data},
        blocking=True,
        return_response=True,
    )


def assert_reauth_started(hass: HomeAssistant, entry_id: str = ENTRY_ID) -> None:
    """Assert that the only flow in progress is the reauthentication of ``entry_id``."""
    assert [
        (flow["context"]["source"], flow["context"].get("entry_id"))
        for flow in hass.config_entries.flow.async_progress()
    ] == [(SOURCE_REAUTH, entry_id)]


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion with Home Assistant's serializer and tests/snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create the entities that are disabled by default enabled, as core's fixture does.

    The custom component test harness has no fixture of this name.
    """
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return an account with one recipient."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center",
        entry_id=ENTRY_ID,
        data={CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL},
        options={CONF_LOW_CREDITS_THRESHOLD: 10, CONF_DEFAULT_COUNTRY: "NL"},
        subentries_data=[
            ConfigSubentryData(
                data={
                    CONF_NAME: "Alice",
                    CONF_PHONE_NUMBER: RECIPIENT_NUMBER,
                    CONF_SENDNAME: "AliceHome",
                },
                subentry_id=RECIPIENT_SUBENTRY_ID,
                subentry_type=SUBENTRY_TYPE_RECIPIENT,
                title="Alice",
                unique_id=RECIPIENT_NUMBER,
            )
        ],
    )


@pytest.fixture
def mock_api(aioclient_mock: AiohttpClientMocker) -> AiohttpClientMocker:
    """Answer every endpoint of the API with the documented success shapes."""
    mock_endpoints(aioclient_mock)
    return aioclient_mock


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep config flow tests from setting the entry up for real."""
    with patch(
        "custom_components.smsservicecenter.async_setup_entry", return_value=True
    ) as mock_setup:
        yield mock_setup
