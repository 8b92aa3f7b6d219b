"""Tests for the SMS Service Center sender name text entity."""

from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.components.text import (
    ATTR_VALUE,
    DOMAIN as TEXT_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from .conftest import CREDITS_URL, HISTORY_URL, SENDNAME_URL, load_json_fixture

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion


SENDNAME_ENTITY_ID = "text.sms_service_center_sendname"


async def setup_text(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the account with only the text platform."""
    entry.add_to_hass(hass)
    with patch("custom_components.smsservicecenter.PLATFORMS", [Platform.TEXT]):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


def mock_sendname_post(aioclient_mock: AiohttpClientMocker, **response: Any) -> None:
    """Answer the polled endpoints, and setting the sendname with response."""
    aioclient_mock.get(CREDITS_URL, json=load_json_fixture("credits.json"))
    aioclient_mock.get(SENDNAME_URL, json=load_json_fixture("sendname.json"))
    aioclient_mock.post(SENDNAME_URL, **response)
    aioclient_mock.get(HISTORY_URL, json=load_json_fixture("history.json"))


def mock_sendname_get(aioclient_mock: AiohttpClientMocker, **response: Any) -> None:
    """Answer the polled endpoints, the sendname with response."""
    aioclient_mock.get(CREDITS_URL, json=load_json_fixture("credits.json"))
    aioclient_mock.get(SENDNAME_URL, **response)
    aioclient_mock.post(SENDNAME_URL, json={"status": "success", "details": "NewName"})
    aioclient_mock.get(HISTORY_URL, json=load_json_fixture("history.json"))


def sendname_posts(aioclient_mock: AiohttpClientMocker) -> list[object]:
    """Return the bodies of the requests that set the sendname."""
    return [
        data
        for method, url, data, _headers in aioclient_mock.mock_calls
        if method.lower() == "post" and url.path.endswith("/sendname")
    ]


@pytest.mark.usefixtures("mock_api")
async def test_text(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the text entities of an account."""
    await setup_text(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.parametrize(
    "sendname", ["My Home", "Zürich", "Home-Alarm!", "TwelveChars1", "a" * 40]
)
async def test_provider_sendname_outside_the_rules(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    sendname: str,
) -> None:
    """A current sendname that could not be set from here is still shown."""
    mock_sendname_get(aioclient_mock, json={"status": "success", "details": sendname})

    await setup_text(hass, mock_config_entry)

    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == sendname


@pytest.mark.parametrize(
    "response",
    [
        {"json": {"status": "error", "message": "Invalid request"}},
        {"json": {"status": "success", "details": ""}},
    ],
    ids=["api_error", "empty"],
)
async def test_no_default_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
) -> None:
    """An account without a default sendname loads, with the sendname unknown."""
    mock_sendname_get(aioclient_mock, **response)

    await setup_text(hass, mock_config_entry)

    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == STATE_UNKNOWN


async def test_set_sendname_without_default_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A sendname can be set on an account that has none yet."""
    mock_sendname_get(
        aioclient_mock, json={"status": "error", "message": "Invalid request"}
    )
    await setup_text(hass, mock_config_entry)

    await hass.services.async_call(
        TEXT_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: "NewName"},
        blocking=True,
    )

    assert sendname_posts(aioclient_mock) == [{"sendname": "NewName"}]
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "NewName"


async def test_set_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test setting the sender name changes it on the account and in the state."""
    await setup_text(hass, mock_config_entry)

    await hass.services.async_call(
        TEXT_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: "NewName"},
        blocking=True,
    )

    assert sendname_posts(mock_api) == [{"sendname": "NewName"}]
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "NewName"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            {"json": {"status": "error", "message": "Sender name not allowed"}},
            (
                "api_error",
                "SMS Service Center refused the request: Sender name not allowed",
            ),
        ),
        (
            {"status": HTTPStatus.SERVICE_UNAVAILABLE},
            (
                "cannot_connect",
                (
                    "Could not reach SMS Service Center: Server error from "
                    "www.smsservicecenter.nl (HTTP 503)"
                ),
            ),
        ),
        (
            {"text": "<html></html>"},
            (
                "invalid_response",
                (
                    "SMS Service Center gave an answer that could not be read: "
                    "Expected a JSON response from www.smsservicecenter.nl, "
                    "got invalid untyped content"
                ),
            ),
        ),
    ],
    ids=["api_error", "cannot_connect", "invalid_response"],
)
async def test_set_sendname_error(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    """Test a failed change raises a translated error and keeps the old name."""
    mock_sendname_post(aioclient_mock, **response)
    await setup_text(hass, mock_config_entry)

    with pytest.raises(HomeAssistantError) as exc_info:
        await hass.services.async_call(
            TEXT_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: "NewName"},
            blocking=True,
        )

    assert (exc_info.value.translation_key, str(exc_info.value)) == expected
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"


async def test_set_sendname_auth_error(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a rejected token while setting the sender name starts a reauth flow."""
    mock_sendname_post(aioclient_mock, status=HTTPStatus.UNAUTHORIZED)
    await setup_text(hass, mock_config_entry)

    with pytest.raises(HomeAssistantError) as exc_info:
        await hass.services.async_call(
            TEXT_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: "NewName"},
            blocking=True,
        )
    await hass.async_block_till_done()

    assert exc_info.value.translation_key == "invalid_auth"
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH


@pytest.mark.parametrize(
    "value",
    ["bad name!", "Has Space", "TooLongSender", "Bad-Name", "Zürich", ""],
    ids=repr,
)
async def test_set_invalid_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    value: str,
) -> None:
    """Test an invalid sender name raises a translated error without a request."""
    await setup_text(hass, mock_config_entry)

    with pytest.raises(ServiceValidationError) as exc_info:
        await hass.services.async_call(
            TEXT_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: value},
            blocking=True,
        )

    assert exc_info.value.translation_key == "invalid_sendname"
    assert exc_info.value.translation_placeholders == {"sendname": value}
    assert sendname_posts(mock_api) == []
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"
