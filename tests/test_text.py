"""Tests for the SMS Service Center sender name text entity."""

from collections.abc import Generator
from http import HTTPStatus
import logging
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.components.text import (
    ATTR_VALUE,
    DOMAIN as TEXT_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    load_json_object_fixture,
    snapshot_platform,
)

from custom_components.smsservicecenter.const import DOMAIN

from . import setup_integration
from .conftest import (
    NO_SENDNAME,
    assert_reauth_started,
    mock_endpoints,
    next_poll,
    sendname_requests,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from pytest_homeassistant_custom_component.typing import WebSocketGenerator
    from syrupy.assertion import SnapshotAssertion


SENDNAME_ENTITY_ID = "text.sms_service_center_sender_name"


@pytest.fixture(autouse=True)
def platforms() -> Generator[None]:
    """Set up only the text platform of an account."""
    with patch("custom_components.smsservicecenter.PLATFORMS", [Platform.TEXT]):
        yield


async def set_sendname(hass: HomeAssistant, value: str) -> None:
    """Set the value of the sendname text entity."""
    await hass.services.async_call(
        TEXT_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: value},
        blocking=True,
    )


@pytest.mark.usefixtures("mock_api")
async def test_text(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the text entities of an account."""
    await setup_integration(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


def sendname_json(sendname: str) -> dict[str, Any]:
    """Return the sendname endpoint's answer for a default sendname."""
    return {"json": {"status": "success", "details": sendname}}


@pytest.mark.parametrize(
    "sendname",
    ["My Home", "Zürich", "Home-Alarm!", "TwelveChars1", "a" * 255, "HomeAssist\n"],
)
async def test_provider_sendname_outside_the_rules(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    sendname: str,
) -> None:
    """A sendname set on smsservicecenter.nl that this integration would refuse is shown."""
    mock_endpoints(aioclient_mock, sendname=sendname_json(sendname))

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == sendname


async def test_provider_sendname_too_long_for_a_state(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sendname longer than a state may be is unknown, not an error; a valid one shows again."""
    mock_endpoints(aioclient_mock, sendname=sendname_json("a" * 256))

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == STATE_UNKNOWN
    assert "Error" not in caplog.text

    mock_endpoints(aioclient_mock, sendname=sendname_json("HomeAssist"))
    await next_poll(hass, freezer)
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"


@pytest.mark.parametrize(
    "response",
    [{"json": NO_SENDNAME}, {"json": {"status": "success", "details": ""}}],
    ids=["api_error", "empty"],
)
async def test_no_default_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
) -> None:
    """An account without a default sendname loads, with the sendname unknown."""
    mock_endpoints(aioclient_mock, sendname=response)

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == STATE_UNKNOWN


@pytest.mark.parametrize(
    "sendname",
    [
        {"json": load_json_object_fixture("sendname.json")},
        # A sendname can be set on an account that has none yet.
        {"json": NO_SENDNAME},
    ],
    ids=["default_sendname", "no_default_sendname"],
)
async def test_set_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    sendname: dict[str, Any],
) -> None:
    """Test setting the sender name changes it on the account and in the state."""
    mock_endpoints(aioclient_mock, sendname=sendname)
    await setup_integration(hass, mock_config_entry)

    await set_sendname(hass, "NewName")

    assert sendname_requests(aioclient_mock) == [{"sendname": "NewName"}]
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
                "server_busy",
                "SMS Service Center is busy or in maintenance. Try again in a few minutes",
            ),
        ),
        (
            {"text": "<html></html>"},
            (
                "not_api",
                (
                    "The account's API base URL answers, but not as the SMS Service "
                    "Center API. Correct it with Reconfigure on the integration page"
                ),
            ),
        ),
    ],
    ids=["api_error", "server_busy", "not_api"],
)
async def test_set_sendname_error(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    response: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    """Test a failed change raises a translated error and writes the old name again."""
    mock_endpoints(aioclient_mock, sendname_post=response)
    await setup_integration(hass, mock_config_entry)
    state = hass.states.get(SENDNAME_ENTITY_ID)
    assert state is not None
    reported = state.last_reported
    freezer.tick(1)

    with pytest.raises(HomeAssistantError) as exc_info:
        await set_sendname(hass, "NewName")

    assert (exc_info.value.translation_key, str(exc_info.value)) == expected
    state = hass.states.get(SENDNAME_ENTITY_ID)
    assert state is not None
    assert state.state == "HomeAssist"
    assert state.last_reported > reported


async def test_set_sendname_auth_error(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a rejected token while setting the sender name starts a reauth flow."""
    mock_endpoints(aioclient_mock, sendname_post={"status": HTTPStatus.UNAUTHORIZED})
    await setup_integration(hass, mock_config_entry)

    with pytest.raises(HomeAssistantError) as exc_info:
        await set_sendname(hass, "NewName")
    await hass.async_block_till_done()

    assert exc_info.value.translation_key == "invalid_auth"
    assert_reauth_started(hass)


@pytest.mark.parametrize(
    ("value", "translation_key", "message"),
    [
        (
            "Home Alarm",
            "invalid_sendname",
            (
                "Home Alarm is not a valid sender name. Use 1 to 11 letters (a-z, "
                "without accents) and digits, without spaces or symbols"
            ),
        ),
        (
            "TwelveChars1",
            "invalid_sendname",
            (
                "TwelveChars1 is not a valid sender name. Use 1 to 11 letters (a-z, "
                "without accents) and digits, without spaces or symbols"
            ),
        ),
        (
            "",
            "sendname_required",
            (
                "Enter a sender name: 1 to 11 letters (a-z, without accents) and "
                "digits, without spaces or symbols"
            ),
        ),
    ],
    ids=["space", "12_characters", "empty"],
)
async def test_set_sendname_outside_the_rules_from_the_frontend(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
    value: str,
    translation_key: str,
    message: str,
) -> None:
    """The frontend gets the translated error, nothing is sent or cut off, no traceback is logged.

    The frontend sets the value over the websocket API and shows the error it
    answers, translated from its key and placeholders.
    """
    await setup_integration(hass, mock_config_entry)
    client = await hass_ws_client(hass)

    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": TEXT_DOMAIN,
            "service": SERVICE_SET_VALUE,
            "service_data": {ATTR_ENTITY_ID: SENDNAME_ENTITY_ID, ATTR_VALUE: value},
        }
    )
    answer = await client.receive_json()

    assert not answer["success"]
    error = answer["error"]
    assert error["code"] == "service_validation_error"
    assert error["translation_domain"] == DOMAIN
    assert error["translation_key"] == translation_key
    assert error["message"] == f"Validation error: {message}"
    assert not sendname_requests(mock_api)
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"
    assert state.attributes["max"] == 255
    assert state.attributes["pattern"] is None
    # Home Assistant logs the error's text; its traceback only at debug level.
    assert not [
        record.getMessage()
        for record in caplog.records
        if record.levelno > logging.DEBUG
        and (record.exc_info or "Unexpected" in record.getMessage())
    ]


@pytest.mark.parametrize(
    "value", ["bad name!", "Has Space", "TooLongSender", "Bad-Name", "Zürich"], ids=repr
)
async def test_set_sendname_outside_the_rules(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    value: str,
) -> None:
    """A value outside the rules raises the translated error naming it, from automations too."""
    await setup_integration(hass, mock_config_entry)

    with pytest.raises(ServiceValidationError) as exc_info:
        await set_sendname(hass, value)

    assert exc_info.value.translation_key == "invalid_sendname"
    assert exc_info.value.translation_placeholders == {"sendname": value}
    assert not sendname_requests(mock_api)
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"


async def test_set_invalid_sendname_writes_the_state_again(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A refused value writes the state again, so it shows the account's sendname."""
    await setup_integration(hass, mock_config_entry)
    state = hass.states.get(SENDNAME_ENTITY_ID)
    assert state is not None
    reported = state.last_reported
    freezer.tick(1)

    with pytest.raises(ServiceValidationError) as exc_info:
        await set_sendname(hass, "NewName\n")

    assert exc_info.value.translation_key == "invalid_sendname"
    assert exc_info.value.translation_placeholders == {"sendname": "NewName\n"}
    assert not sendname_requests(mock_api)
    state = hass.states.get(SENDNAME_ENTITY_ID)
    assert state is not None
    assert state.state == "HomeAssist"
    assert state.last_reported > reported
