"""Tests for the SMS Service Center config flow, options flow and recipient subentries."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import json
import logging
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock, patch

import aiohttp
from aiohttp.client_reqrep import ConnectionKey
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
    ConfigSubentry,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_URL
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers.selector import NumberSelector
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    load_json_object_fixture,
)

from custom_components.smsservicecenter import async_setup_entry, config_flow
from custom_components.smsservicecenter.api import (
    DEFAULT_BASE_URL,
    SmsServiceCenterError,
)
from custom_components.smsservicecenter.config_flow import form_error
from custom_components.smsservicecenter.const import (
    CONF_ADVANCED,
    CONF_DAILY_CREDIT_LIMIT,
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_OUTBOX_MINUTES,
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DOMAIN,
    SUBENTRY_TYPE_RECIPIENT,
)

from . import setup_integration
from .conftest import (
    BASE_URL,
    CREDITS_URL,
    NO_SENDNAME,
    RECIPIENT_NUMBER,
    RECIPIENT_SUBENTRY_ID,
    TOKEN,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    import probatio
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )

NEW_TOKEN = "new-token-9876543210"
LOCAL_URL = "http://localhost:8080/sms/"

USER_INPUT = {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: BASE_URL}}
NEW_USER_INPUT = {CONF_API_TOKEN: NEW_TOKEN, CONF_ADVANCED: {CONF_URL: BASE_URL}}

HOST_KEY = ConnectionKey("www.smsservicecenter.nl", 443, True, True, None, None, None)
CONNECTION_REFUSED = aiohttp.ClientConnectorError(
    HOST_KEY, OSError(111, "Connect call failed ('127.0.0.1', 8098)")
)
HOST_NOT_FOUND = aiohttp.ClientConnectorDNSError(
    HOST_KEY, OSError(-2, "Name or service not known")
)

# (mock response, expected error): what the API answers and what the form shows.
API_ERRORS = [
    pytest.param({"status": 401}, "invalid_auth", id="http_401"),
    pytest.param({"status": 403}, "invalid_auth", id="http_403"),
    pytest.param({"exc": HOST_NOT_FOUND}, "host_not_found", id="host_not_found"),
    pytest.param({"exc": CONNECTION_REFUSED}, "connection_refused", id="refused"),
    pytest.param({"exc": TimeoutError()}, "timeout", id="timeout"),
    pytest.param(
        {"exc": aiohttp.ConnectionTimeoutError()}, "timeout", id="connect_timeout"
    ),
    pytest.param({"exc": aiohttp.ClientError()}, "cannot_connect", id="client_error"),
    pytest.param({"status": 500}, "server_busy", id="http_500"),
    pytest.param({"status": 503}, "server_busy", id="http_503"),
    pytest.param({"status": 429}, "rate_limited", id="http_429"),
    pytest.param({"status": 404}, "not_api", id="http_404"),
    pytest.param(
        {"text": "<html>Not the API</html>", "headers": {"Content-Type": "text/html"}},
        "not_api",
        id="html_response",
    ),
    pytest.param({"status": 400}, "invalid_response", id="http_400"),
    pytest.param(
        {"json": {"status": "error", "message": "Account blocked"}},
        "api_error",
        id="api_error",
    ),
]


def _mock_account(
    aioclient_mock: AiohttpClientMocker,
    base_url: str = BASE_URL,
    *,
    sendname: dict[str, Any] | None = None,
) -> None:
    """Answer the credits and sendname calls the flow makes, at ``base_url``.

    The sendname call gets ``sendname`` when given, else the account's default sendname.
    """
    aioclient_mock.get(
        f"{base_url}api/v2/credits", json=load_json_object_fixture("credits.json")
    )
    aioclient_mock.get(
        f"{base_url}api/v2/sendname",
        json=load_json_object_fixture("sendname.json")
        if sendname is None
        else sendname,
    )


def _mock_account_without_sendname(aioclient_mock: AiohttpClientMocker) -> None:
    """Answer the credits call, and the sendname call as for an account without one."""
    _mock_account(aioclient_mock, sendname=NO_SENDNAME)


def _mock_failing_account(
    aioclient_mock: AiohttpClientMocker, response: dict[str, Any]
) -> None:
    """Make the first call the flow makes (the credits) fail with ``response``."""
    aioclient_mock.get(CREDITS_URL, **response)


def _recover(aioclient_mock: AiohttpClientMocker) -> None:
    """Replace every mocked answer by a working account."""
    aioclient_mock.clear_requests()
    _mock_account(aioclient_mock)


def _suggested_values(schema: probatio.Schema | None) -> dict[str, Any]:
    """Return the suggested value of each field of a form schema."""
    assert schema is not None
    return {
        str(key): (key.description or {}).get("suggested_value")
        for key in schema.schema
    }


@pytest.fixture
def account_without_recipients() -> MockConfigEntry:
    """Return an account without recipients and without options."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center",
        data={CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL},
    )


@pytest.fixture
def other_account() -> MockConfigEntry:
    """Return a second account, with its own token."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center (Other)",
        data={CONF_API_TOKEN: NEW_TOKEN, CONF_URL: BASE_URL},
    )


async def _start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Start the user flow and return its first form."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )


async def _submit_user_flow(
    hass: HomeAssistant, user_input: dict[str, Any] | None = None
) -> ConfigFlowResult:
    """Start the user flow, submit ``user_input`` (USER_INPUT when not given) on its form."""
    result = await _start_user_flow(hass)
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT if user_input is None else user_input
    )


async def _start_recipient_flow(
    hass: HomeAssistant, entry: MockConfigEntry
) -> SubentryFlowResult:
    """Start adding a recipient to ``entry`` and return the first form."""
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_RECIPIENT), context={"source": SOURCE_USER}
    )


async def _submit_recipient_flow(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> SubentryFlowResult:
    """Start adding a recipient to ``entry``, submit ``user_input`` and return the result."""
    result = await _start_recipient_flow(hass, entry)
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], user_input
    )


async def _submit_recipient_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> SubentryFlowResult:
    """Start changing Alice, the recipient of ``entry``, and submit ``user_input``."""
    result = await entry.start_subentry_reconfigure_flow(hass, RECIPIENT_SUBENTRY_ID)
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], user_input
    )


@dataclass(frozen=True)
class UpdateFlow:
    """A flow that changes the connection of an account: reauth or reconfigure."""

    start: Callable[[MockConfigEntry, HomeAssistant], Awaitable[ConfigFlowResult]]
    step_id: str
    placeholders: dict[str, str]
    """The description placeholders of its forms."""
    form_values: dict[str, str | None]
    """The suggested values of the first form."""
    user_input: dict[str, str]
    """A new token, at the account's API base URL."""
    reason: str
    """The reason the flow aborts with once the new settings are stored."""

    async def submit(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        user_input: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Start the flow for ``entry``, submit ``user_input`` (a new token by default)."""
        result = await self.start(entry, hass)
        return await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input or self.user_input
        )


REAUTH = UpdateFlow(
    start=MockConfigEntry.start_reauth_flow,
    step_id="reauth_confirm",
    # Home Assistant adds the entry's title as "name" to reauth flows.
    placeholders={"account": "SMS Service Center", "name": "SMS Service Center"},
    form_values={CONF_API_TOKEN: None},
    user_input={CONF_API_TOKEN: NEW_TOKEN},
    reason="reauth_successful",
)
RECONFIGURE = UpdateFlow(
    start=MockConfigEntry.start_reconfigure_flow,
    step_id="reconfigure",
    placeholders={"account": "SMS Service Center"},
    form_values={CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL},
    user_input={CONF_API_TOKEN: NEW_TOKEN, CONF_URL: BASE_URL},
    reason="reconfigure_successful",
)
UPDATE_FLOWS = [
    pytest.param(REAUTH, id="reauth"),
    pytest.param(RECONFIGURE, id="reconfigure"),
]


@pytest.mark.usefixtures("mock_api")
async def test_full_user_flow(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """The token is checked and stored in flat entry data, without a unique ID."""
    result = await _start_user_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SMS Service Center"
    assert result["data"] == {CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL}
    assert result["result"].unique_id is None
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_form_has_collapsed_advanced_section(hass: HomeAssistant) -> None:
    """The API base URL sits in a collapsed section, defaulting to the public API."""
    result = await _start_user_flow(hass)

    assert result["data_schema"] is not None
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [CONF_API_TOKEN, CONF_ADVANCED]
    advanced = schema[CONF_ADVANCED]
    assert isinstance(advanced, section)
    assert advanced.options == {"collapsed": True}
    (url_key,) = advanced.schema.schema
    assert str(url_key) == CONF_URL
    assert url_key.default() == DEFAULT_BASE_URL == BASE_URL


@pytest.mark.parametrize(
    ("user_input", "response", "error", "collapsed"),
    [
        pytest.param(
            {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: "not a url"}},
            None,
            {CONF_ADVANCED: "invalid_url"},
            False,
            id="invalid_url",
        ),
        pytest.param(
            USER_INPUT,
            {"exc": CONNECTION_REFUSED},
            {"base": "connection_refused"},
            False,
            id="connection_refused",
        ),
        pytest.param(
            USER_INPUT,
            {"exc": HOST_NOT_FOUND},
            {"base": "host_not_found"},
            False,
            id="host_not_found",
        ),
        pytest.param(
            USER_INPUT,
            {"status": 404},
            {"base": "not_api"},
            False,
            id="not_api",
        ),
        pytest.param(
            USER_INPUT,
            {"status": 503},
            {"base": "server_busy"},
            True,
            id="server_busy",
        ),
        pytest.param(
            USER_INPUT,
            {"status": 401},
            {"base": "invalid_auth"},
            True,
            id="invalid_auth",
        ),
        pytest.param(
            USER_INPUT,
            {"json": {"status": "error", "message": "Account blocked"}},
            {"base": "api_error"},
            True,
            id="api_error",
        ),
    ],
)
async def test_user_form_opens_advanced_section_for_url_errors(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    *,
    user_input: dict[str, Any],
    response: dict[str, Any] | None,
    error: dict[str, str],
    collapsed: bool,
) -> None:
    """An error the API base URL may cause shows the form with its section open."""
    if response is not None:
        _mock_failing_account(aioclient_mock, response)

    result = await _submit_user_flow(hass, user_input)

    assert result["errors"] == error
    assert result["data_schema"] is not None
    advanced = result["data_schema"].schema[CONF_ADVANCED]
    assert isinstance(advanced, section)
    assert advanced.options == {"collapsed": collapsed}


@pytest.mark.usefixtures("mock_api")
async def test_user_flow_strips_token(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """Spaces and line breaks pasted around the token are not stored."""
    result = await _submit_user_flow(
        hass, {CONF_API_TOKEN: f"  {TOKEN}\n", CONF_ADVANCED: {CONF_URL: BASE_URL}}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_TOKEN] == TOKEN


@pytest.mark.parametrize(
    "url", ["http://localhost:8080/sms", "http://localhost:8080/sms/", LOCAL_URL]
)
async def test_user_flow_custom_url(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
    url: str,
) -> None:
    """A URL from the advanced section is used and stored with a trailing slash."""
    _mock_account(aioclient_mock, LOCAL_URL)

    result = await _submit_user_flow(
        hass, {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: url}}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_API_TOKEN: TOKEN, CONF_URL: LOCAL_URL}
    assert [str(call[1]) for call in aioclient_mock.mock_calls] == [
        f"{LOCAL_URL}api/v2/credits",
        f"{LOCAL_URL}api/v2/sendname",
    ]


@pytest.mark.parametrize(("response", "error"), API_ERRORS)
async def test_user_flow_api_error_and_recovery(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
    response: dict[str, Any],
    error: str,
) -> None:
    """A failing check shows an error; the flow finishes once the API works."""
    _mock_failing_account(aioclient_mock, response)

    result = await _submit_user_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert len(mock_setup_entry.mock_calls) == 0

    _recover(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_flow_provider_error_shows_its_message(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A status:error answer is shown with the provider's message, without a traceback."""
    _mock_failing_account(
        aioclient_mock, {"json": {"status": "error", "message": "Account blocked"}}
    )

    result = await _submit_user_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "api_error"}
    assert result["description_placeholders"] == {"message": "Account blocked"}
    assert "Traceback" not in caplog.text
    assert "Unexpected error" not in caplog.text


@pytest.mark.parametrize(("response", "error"), API_ERRORS)
async def test_user_flow_error_detail_goes_to_the_debug_log(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    response: dict[str, Any],
    error: str,
) -> None:
    """The form shows a translated sentence only; the client's text goes to the debug log.

    Only the provider's own reason for refusing is shown (api_error).
    """
    caplog.set_level(logging.DEBUG, logger="custom_components.smsservicecenter")
    _mock_failing_account(aioclient_mock, response)

    result = await _submit_user_flow(hass)

    assert result["errors"] == {"base": error}
    assert result["description_placeholders"] == (
        {"message": "Account blocked"} if error == "api_error" else {}
    )
    (record,) = [
        record
        for record in caplog.records
        if record.name == "custom_components.smsservicecenter.config_flow"
    ]
    assert record.levelno == logging.DEBUG
    assert record.getMessage().startswith(f"Checking the account at {BASE_URL} failed")
    assert TOKEN not in caplog.text


async def test_user_flow_account_without_sendname(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
) -> None:
    """An account without a default sendname (a status:error answer) can be set up."""
    _mock_account_without_sendname(aioclient_mock)

    result = await _submit_user_flow(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SMS Service Center"
    assert result["data"] == {CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL}
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_flow_sendname_error(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """An error answer of the sendname endpoint other than "no sendname" is shown."""
    _mock_account(
        aioclient_mock, sendname={"status": "error", "message": "Unknown account"}
    )

    result = await _submit_user_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "api_error"}
    assert result["description_placeholders"] == {"message": "Unknown account"}


@pytest.mark.usefixtures("mock_api")
async def test_user_flow_unexpected_error_and_recovery(
    hass: HomeAssistant,
    mock_setup_entry: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected exception is logged and shown as unknown; a retry can succeed."""
    result = await _start_user_flow(hass)

    with patch(
        "custom_components.smsservicecenter.config_flow.SmsServiceCenterClient.get_credits",
        side_effect=ValueError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], USER_INPUT
        )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error while checking the API token" in caplog.text

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(mock_setup_entry.mock_calls) == 1


def test_form_error_of_an_unknown_client_error() -> None:
    """A client error of no known kind is shown as unknown."""
    assert form_error(SmsServiceCenterError("new kind")).errors("url") == {
        "base": "unknown"
    }


async def test_user_flow_keeps_input_after_error(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The form shown again after an error is filled with what was entered."""
    _mock_failing_account(aioclient_mock, {"status": 401})

    result = await _submit_user_flow(hass)

    schema = result["data_schema"]
    assert schema is not None
    assert _suggested_values(schema)[CONF_API_TOKEN] == TOKEN
    assert _suggested_values(schema.schema[CONF_ADVANCED].schema) == {
        CONF_URL: BASE_URL
    }


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "ftp://www.smsservicecenter.nl/",
        "https://",
        "/api/",
        "https://user:pass@www.smsservicecenter.nl/",
    ],
)
async def test_user_flow_invalid_url_and_recovery(
    hass: HomeAssistant,
    mock_api: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
    url: str,
) -> None:
    """A URL that is not http(s) with a host is refused before anything is sent."""
    result = await _submit_user_flow(
        hass, {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: url}}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ADVANCED: "invalid_url"}
    assert mock_api.call_count == 0

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("url", [BASE_URL, "https://www.smsservicecenter.nl"])
async def test_user_flow_already_configured(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    url: str,
) -> None:
    """The same token at the same API aborts, without calling the API."""
    mock_config_entry.add_to_hass(hass)

    result = await _submit_user_flow(
        hass, {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: url}}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_api.call_count == 0


async def test_user_flow_same_token_other_api(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
) -> None:
    """The same token at another API base URL is another account."""
    mock_config_entry.add_to_hass(hass)
    _mock_account(aioclient_mock, LOCAL_URL)

    result = await _submit_user_flow(
        hass, {CONF_API_TOKEN: TOKEN, CONF_ADVANCED: {CONF_URL: LOCAL_URL}}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_API_TOKEN: TOKEN, CONF_URL: LOCAL_URL}


@pytest.mark.usefixtures("mock_api")
async def test_user_flow_second_account_title(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    """A second account's title names its sendname, so accounts can be told apart."""
    mock_config_entry.add_to_hass(hass)

    result = await _submit_user_flow(hass, NEW_USER_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SMS Service Center (HomeAssist)"
    assert result["data"] == {CONF_API_TOKEN: NEW_TOKEN, CONF_URL: BASE_URL}


@pytest.mark.parametrize(
    ("existing", "title"),
    [(1, "SMS Service Center 2"), (2, "SMS Service Center 2")],
)
async def test_user_flow_further_account_without_sendname_title(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
    existing: int,
    title: str,
) -> None:
    """A further account without a default sendname is numbered, not "(None)"."""
    for index in range(existing):
        MockConfigEntry(
            domain=DOMAIN,
            title=f"Account {index}",
            data={CONF_API_TOKEN: f"other-token-{index}", CONF_URL: BASE_URL},
        ).add_to_hass(hass)
    _mock_account_without_sendname(aioclient_mock)

    result = await _submit_user_flow(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title


@pytest.mark.parametrize(
    ("existing", "has_sendname", "title"),
    [
        # The account numbered 2 was deleted: 2 is free again, 3 is not.
        pytest.param(
            ["SMS Service Center", "SMS Service Center 3"],
            False,
            "SMS Service Center 2",
            id="number_freed",
        ),
        pytest.param(
            ["SMS Service Center 2", "SMS Service Center 3"],
            False,
            "SMS Service Center 4",
            id="numbers_taken",
        ),
        # Another account has the same default sendname.
        pytest.param(
            ["SMS Service Center", "SMS Service Center (HomeAssist)"],
            True,
            "SMS Service Center 2",
            id="same_sendname",
        ),
        pytest.param(
            ["SMS Service Center (HomeAssist)", "SMS Service Center 2"],
            True,
            "SMS Service Center 3",
            id="same_sendname_number_taken",
        ),
        # Titles that give the same legacy notify service name count as taken.
        pytest.param(
            ["SMS Service Center", "sms service center (homeassist)"],
            True,
            "SMS Service Center 2",
            id="same_sendname_other_case",
        ),
        pytest.param(
            ["SMS Service Center", "SMS Service Center (2)"],
            False,
            "SMS Service Center 3",
            id="same_service_name",
        ),
    ],
)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow_title_not_taken(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    *,
    existing: list[str],
    has_sendname: bool,
    title: str,
) -> None:
    """A new account gets the first title that no other account has."""
    for index, existing_title in enumerate(existing):
        MockConfigEntry(
            domain=DOMAIN,
            title=existing_title,
            data={CONF_API_TOKEN: f"other-token-{index}", CONF_URL: BASE_URL},
        ).add_to_hass(hass)
    if has_sendname:
        _mock_account(aioclient_mock)
    else:
        _mock_account_without_sendname(aioclient_mock)

    result = await _submit_user_flow(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title


@pytest.mark.parametrize(
    ("flow", "user_input"),
    [
        # Spaces and line breaks pasted around the new token are not stored.
        pytest.param(REAUTH, {CONF_API_TOKEN: f" {NEW_TOKEN} "}, id="reauth"),
        pytest.param(RECONFIGURE, RECONFIGURE.user_input, id="reconfigure"),
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_update_flow(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
    flow: UpdateFlow,
    user_input: dict[str, str],
) -> None:
    """The form names the account; a new token is checked, stored and the entry reloads.

    The reconfigure form shows the current settings; the reauth form asks for a
    token, checked against the account's URL.
    """
    mock_config_entry.add_to_hass(hass)
    result = await flow.start(mock_config_entry, hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == flow.step_id
    assert result["description_placeholders"] == flow.placeholders
    assert _suggested_values(result["data_schema"]) == flow.form_values

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == flow.reason
    assert dict(mock_config_entry.data) == {
        CONF_API_TOKEN: NEW_TOKEN,
        CONF_URL: BASE_URL,
    }
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize(("response", "error"), API_ERRORS)
@pytest.mark.parametrize("flow", UPDATE_FLOWS)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_update_flow_error_and_recovery(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    *,
    flow: UpdateFlow,
    response: dict[str, Any],
    error: str,
) -> None:
    """Settings that fail the check are not stored but kept in the form; working ones are."""
    mock_config_entry.add_to_hass(hass)
    _mock_failing_account(aioclient_mock, response)

    result = await flow.submit(hass, mock_config_entry)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert _suggested_values(result["data_schema"]) == flow.user_input
    assert mock_config_entry.data[CONF_API_TOKEN] == TOKEN

    _recover(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], flow.user_input
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == flow.reason
    assert mock_config_entry.data[CONF_API_TOKEN] == NEW_TOKEN
    assert mock_config_entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("flow", UPDATE_FLOWS)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_update_flow_provider_error_keeps_account_placeholder(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    flow: UpdateFlow,
) -> None:
    """The provider's message is added to the placeholders the description uses."""
    mock_config_entry.add_to_hass(hass)
    _mock_failing_account(
        aioclient_mock, {"json": {"status": "error", "message": "Account blocked"}}
    )

    result = await flow.submit(hass, mock_config_entry)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "api_error"}
    assert result["description_placeholders"] == flow.placeholders | {
        "message": "Account blocked"
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth_flow_account_without_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A new token of an account without a default sendname is accepted."""
    mock_config_entry.add_to_hass(hass)
    _mock_account_without_sendname(aioclient_mock)

    result = await REAUTH.submit(hass, mock_config_entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_API_TOKEN] == NEW_TOKEN


@pytest.mark.parametrize("flow", UPDATE_FLOWS)
async def test_update_flow_settings_of_other_account(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    other_account: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    flow: UpdateFlow,
) -> None:
    """The token and URL of another configured account abort instead of making a duplicate."""
    mock_config_entry.add_to_hass(hass)
    other_account.add_to_hass(hass)

    result = await flow.submit(hass, mock_config_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_API_TOKEN] == TOKEN
    assert mock_api.call_count == 0


async def test_reauth_flow_checks_the_accounts_own_url(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The new token is checked at the account's API base URL, not the default one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center",
        data={CONF_API_TOKEN: TOKEN, CONF_URL: LOCAL_URL},
    )
    entry.add_to_hass(hass)
    _mock_account(aioclient_mock, LOCAL_URL)

    result = await REAUTH.submit(hass, entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == {CONF_API_TOKEN: NEW_TOKEN, CONF_URL: LOCAL_URL}
    assert {
        str(url.with_query(None)) for _, url, _, _ in aioclient_mock.mock_calls
    } <= {
        f"{LOCAL_URL}api/v2/credits",
        f"{LOCAL_URL}api/v2/sendname",
    }


@pytest.mark.parametrize("token", [NEW_TOKEN, TOKEN], ids=["new_token", "same_token"])
@pytest.mark.usefixtures("mock_api")
async def test_reauth_flow_reloads_loaded_entry_once(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, token: str
) -> None:
    """A loaded account reloads exactly once, whether or not the token changed."""
    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    result = await mock_config_entry.start_reauth_flow(hass)

    with patch(
        "custom_components.smsservicecenter.async_setup_entry",
        wraps=async_setup_entry,
    ) as setup_entry:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_TOKEN: token}
        )
        await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_API_TOKEN] == token
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert len(setup_entry.mock_calls) == 1


async def test_reconfigure_flow_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
) -> None:
    """A new API base URL is checked and stored with a trailing slash."""
    mock_config_entry.add_to_hass(hass)
    _mock_account(aioclient_mock, LOCAL_URL)

    result = await RECONFIGURE.submit(
        hass,
        mock_config_entry,
        {CONF_API_TOKEN: TOKEN, CONF_URL: "http://localhost:8080/sms"},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(mock_config_entry.data) == {CONF_API_TOKEN: TOKEN, CONF_URL: LOCAL_URL}
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reconfigure_flow_invalid_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """An invalid API base URL is shown on the URL field and nothing is sent."""
    mock_config_entry.add_to_hass(hass)

    result = await RECONFIGURE.submit(
        hass, mock_config_entry, {CONF_API_TOKEN: TOKEN, CONF_URL: "www.example.com"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url"}
    assert mock_config_entry.data[CONF_URL] == BASE_URL
    assert mock_api.call_count == 0


@pytest.mark.usefixtures("mock_setup_entry")
async def test_options_flow(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The numbers are stored as whole numbers and the country as its ISO code."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert _suggested_values(result["data_schema"]) == {
        CONF_LOW_CREDITS_THRESHOLD: 10,
        CONF_DEFAULT_COUNTRY: "NL",
        CONF_DAILY_CREDIT_LIMIT: None,
        CONF_OUTBOX_MINUTES: None,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_LOW_CREDITS_THRESHOLD: 25.0,
            CONF_DEFAULT_COUNTRY: "BE",
            CONF_DAILY_CREDIT_LIMIT: 40.0,
            CONF_OUTBOX_MINUTES: 0.0,
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(mock_config_entry.options) == {
        CONF_LOW_CREDITS_THRESHOLD: 25,
        CONF_DEFAULT_COUNTRY: "BE",
        CONF_DAILY_CREDIT_LIMIT: 40,
        CONF_OUTBOX_MINUTES: 0,
    }
    assert isinstance(mock_config_entry.options[CONF_LOW_CREDITS_THRESHOLD], int)
    assert isinstance(mock_config_entry.options[CONF_DAILY_CREDIT_LIMIT], int)
    assert isinstance(mock_config_entry.options[CONF_OUTBOX_MINUTES], int)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_options_flow_units(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The threshold and the limit show a translated unit, the waiting time minutes."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    strings = json.loads(
        (Path(config_flow.__file__).parent / "strings.json").read_text(encoding="utf-8")
    )

    units = {
        str(key): (
            value.config["unit_of_measurement"],
            value.config.get("translation_key"),
        )
        for key, value in result["data_schema"].schema.items()
        if isinstance(value, NumberSelector)
    }

    assert units == {
        CONF_LOW_CREDITS_THRESHOLD: ("credits", "credits"),
        CONF_DAILY_CREDIT_LIMIT: ("credits", "credits"),
        CONF_OUTBOX_MINUTES: ("min", None),
    }
    assert strings["selector"]["credits"]["unit_of_measurement"] == {
        "credits": "credits"
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_options_flow_defaults(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry
) -> None:
    """Submitting the untouched form of a new account stores the defaults."""
    account_without_recipients.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(
        account_without_recipients.entry_id
    )

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(account_without_recipients.options) == {
        CONF_LOW_CREDITS_THRESHOLD: 10,
        CONF_DEFAULT_COUNTRY: "NL",
        CONF_DAILY_CREDIT_LIMIT: 0,
        CONF_OUTBOX_MINUTES: 60,
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry
) -> None:
    """A national number is stored in international format and is the unique ID."""
    account_without_recipients.add_to_hass(hass)
    result = await _start_recipient_flow(hass, account_without_recipients)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "0612345678"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = account_without_recipients.subentries.values()
    assert subentry.subentry_type == SUBENTRY_TYPE_RECIPIENT
    assert subentry.title == "Bob"
    assert subentry.unique_id == "+31612345678"
    assert dict(subentry.data) == {
        CONF_NAME: "Bob",
        CONF_PHONE_NUMBER: "+31612345678",
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_with_sendname(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry
) -> None:
    """A sendname given for the recipient is stored with it."""
    account_without_recipients.add_to_hass(hass)

    result = await _submit_recipient_flow(
        hass,
        account_without_recipients,
        {
            CONF_NAME: " Bob ",
            CONF_PHONE_NUMBER: "+31 6 12345678",
            CONF_SENDNAME: " BobsHome ",
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = account_without_recipients.subentries.values()
    assert dict(subentry.data) == {
        CONF_NAME: "Bob",
        CONF_PHONE_NUMBER: "+31612345678",
        CONF_SENDNAME: "BobsHome",
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_uses_default_country(hass: HomeAssistant) -> None:
    """National numbers are read in the default country from the options."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL},
        options={CONF_DEFAULT_COUNTRY: "BE"},
    )
    entry.add_to_hass(hass)

    result = await _submit_recipient_flow(
        hass, entry, {CONF_NAME: "Anke", CONF_PHONE_NUMBER: "0470 12 34 56"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = entry.subentries.values()
    assert subentry.data[CONF_PHONE_NUMBER] == "+32470123456"


@pytest.mark.parametrize("name", ["", "  ", "\t\n"], ids=repr)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_blank_name_and_recovery(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry, name: str
) -> None:
    """A blank name is refused on its field instead of naming the recipient after its number."""
    account_without_recipients.add_to_hass(hass)

    result = await _submit_recipient_flow(
        hass,
        account_without_recipients,
        {CONF_NAME: name, CONF_PHONE_NUMBER: "0612345678"},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NAME: "name_required"}
    assert not account_without_recipients.subentries

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "0612345678"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = account_without_recipients.subentries.values()
    assert subentry.title == "Bob"


@pytest.mark.parametrize("number", [RECIPIENT_NUMBER, "0612345678", "06-1234 5678"])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_duplicate(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, number: str
) -> None:
    """A number that an existing recipient has, in any notation, aborts."""
    mock_config_entry.add_to_hass(hass)

    result = await _submit_recipient_flow(
        hass, mock_config_entry, {CONF_NAME: "Alice again", CONF_PHONE_NUMBER: number}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert list(mock_config_entry.subentries) == [RECIPIENT_SUBENTRY_ID]


@pytest.mark.parametrize("number", ["12345", "+31 6 1234", "0612345678 ext. 12", "abc"])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_invalid_phone_number_and_recovery(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry, number: str
) -> None:
    """An invalid number is shown on its field, with the input kept; a valid one works."""
    account_without_recipients.add_to_hass(hass)
    result = await _start_recipient_flow(hass, account_without_recipients)
    user_input = {CONF_NAME: "Bob", CONF_PHONE_NUMBER: number}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], user_input
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PHONE_NUMBER: "invalid_phone_number"}
    assert _suggested_values(result["data_schema"]) == {
        CONF_NAME: "Bob",
        CONF_PHONE_NUMBER: number,
        CONF_SENDNAME: None,
    }

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "0612345678"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("sendname", ["TwelveChars1", "My Home", "Home!", "Thuis€"])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_invalid_sendname_and_recovery(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry, sendname: str
) -> None:
    """A sendname that is not 1 to 11 letters and digits is refused."""
    account_without_recipients.add_to_hass(hass)

    result = await _submit_recipient_flow(
        hass,
        account_without_recipients,
        {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "0612345678", CONF_SENDNAME: sendname},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SENDNAME: "invalid_sendname"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "0612345678", CONF_SENDNAME: "Home"},
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_recipient_reports_every_invalid_field(
    hass: HomeAssistant, account_without_recipients: MockConfigEntry
) -> None:
    """An invalid number and an invalid sendname are both reported at once."""
    account_without_recipients.add_to_hass(hass)

    result = await _submit_recipient_flow(
        hass,
        account_without_recipients,
        {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "12345", CONF_SENDNAME: "My Home"},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        CONF_PHONE_NUMBER: "invalid_phone_number",
        CONF_SENDNAME: "invalid_sendname",
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_recipient(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The form shows the recipient; the change replaces its data, title and unique ID."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_subentry_reconfigure_flow(
        hass, RECIPIENT_SUBENTRY_ID
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert _suggested_values(result["data_schema"]) == {
        CONF_NAME: "Alice",
        CONF_PHONE_NUMBER: RECIPIENT_NUMBER,
        CONF_SENDNAME: "AliceHome",
    }

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Alice work", CONF_PHONE_NUMBER: "0687654321"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = mock_config_entry.subentries[RECIPIENT_SUBENTRY_ID]
    assert subentry.title == "Alice work"
    assert subentry.unique_id == "+31687654321"
    assert dict(subentry.data) == {
        CONF_NAME: "Alice work",
        CONF_PHONE_NUMBER: "+31687654321",
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_recipient_keeps_own_number(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Keeping the recipient's own number is not a duplicate."""
    mock_config_entry.add_to_hass(hass)

    result = await _submit_recipient_reconfigure(
        hass,
        mock_config_entry,
        {CONF_NAME: "Alice", CONF_PHONE_NUMBER: "0612345678", CONF_SENDNAME: "Alice"},
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = mock_config_entry.subentries[RECIPIENT_SUBENTRY_ID]
    assert subentry.data[CONF_SENDNAME] == "Alice"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_recipient_duplicate(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Changing a recipient to the number of another recipient aborts."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_add_subentry(
        mock_config_entry,
        ConfigSubentry(
            data=MappingProxyType(
                {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "+31687654321"}
            ),
            subentry_type=SUBENTRY_TYPE_RECIPIENT,
            title="Bob",
            unique_id="+31687654321",
        ),
    )

    result = await _submit_recipient_reconfigure(
        hass, mock_config_entry, {CONF_NAME: "Alice", CONF_PHONE_NUMBER: "0687654321"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    subentry = mock_config_entry.subentries[RECIPIENT_SUBENTRY_ID]
    assert subentry.data[CONF_PHONE_NUMBER] == RECIPIENT_NUMBER


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_recipient_blank_name(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A recipient's name cannot be blanked out; the recipient keeps its name."""
    mock_config_entry.add_to_hass(hass)

    result = await _submit_recipient_reconfigure(
        hass, mock_config_entry, {CONF_NAME: " ", CONF_PHONE_NUMBER: RECIPIENT_NUMBER}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NAME: "name_required"}
    subentry = mock_config_entry.subentries[RECIPIENT_SUBENTRY_ID]
    assert subentry.title == "Alice"
    assert subentry.data[CONF_NAME] == "Alice"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_recipient_invalid_phone_number_and_recovery(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An invalid number is refused on its field; a valid one is stored."""
    mock_config_entry.add_to_hass(hass)

    result = await _submit_recipient_reconfigure(
        hass, mock_config_entry, {CONF_NAME: "Alice", CONF_PHONE_NUMBER: "12345"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PHONE_NUMBER: "invalid_phone_number"}
    assert _suggested_values(result["data_schema"])[CONF_PHONE_NUMBER] == "12345"

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Alice", CONF_PHONE_NUMBER: "0687654321"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
