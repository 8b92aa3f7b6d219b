"""Fixtures for the SMS Service Center tests."""

from collections.abc import Generator
import json
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DOMAIN,
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

FIXTURES = Path(__file__).parent / "fixtures"


def load_json_fixture(name: str) -> Any:
    """Return the parsed content of a JSON file in tests/fixtures."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion with Home Assistant's serializer and tests/snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


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
    aioclient_mock.get(CREDITS_URL, json=load_json_fixture("credits.json"))
    aioclient_mock.get(SENDNAME_URL, json=load_json_fixture("sendname.json"))
    aioclient_mock.post(SENDNAME_URL, json={"status": "success", "details": "NewName"})
    aioclient_mock.get(HISTORY_URL, json=load_json_fixture("history.json"))
    aioclient_mock.post(SEND_URL, json=load_json_fixture("send.json"))
    aioclient_mock.get(PACKETS_URL, json=load_json_fixture("packets.json"))
    return aioclient_mock


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> MockConfigEntry:
    """Set up the integration with the mocked API and return its config entry."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep config flow tests from setting the entry up for real."""
    with patch(
        "custom_components.smsservicecenter.async_setup_entry", return_value=True
    ) as mock_setup:
        yield mock_setup
