"""Tests for the SMS Service Center actions and the shared send path."""

import asyncio
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from homeassistant.components.script import DOMAIN as SCRIPT_DOMAIN
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, CONF_API_TOKEN, CONF_URL
from homeassistant.core import DOMAIN as HOMEASSISTANT_DOMAIN
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    DOMAIN,
)

from . import setup_integration
from .conftest import (
    BASE_URL,
    CREDITS_URL,
    ENTRY_ID,
    HISTORY_URL,
    TOKEN,
    assert_no_requests,
    assert_reauth_started,
    call_send_sms_action,
    credits_json,
    history_details,
    mock_endpoints,
    send_requests,
    send_tokens,
    sendname_requests,
    settle_sends,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import issue_registry as ir
    from syrupy.assertion import SnapshotAssertion

SENDNAME_ENTITY_ID = "text.sms_service_center_sender_name"
MESSAGE_ID = "f89d33b3-da08-40fe-b4be-182a381b8e77"
# 161 GSM-7 characters: one more than fits in one SMS, so two segments.
LONG_MESSAGE = "x" * 161


def send_json(testmode: object) -> dict[str, Any]:
    """Return the send endpoint's answer with this ``testmode``."""
    return {
        "json": {
            "status": "success",
            "details": {"messageid": MESSAGE_ID, "testmode": testmode},
        }
    }


def credits_requests(aioclient_mock: AiohttpClientMocker) -> int:
    """Return how often the balance was fetched."""
    return sum(
        1 for _method, url, *_ in aioclient_mock.mock_calls if url == URL(CREDITS_URL)
    )


def second_account() -> MockConfigEntry:
    """Return another account on the same API."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Second account",
        entry_id="01JSMSSERVICECENTER00000002",
        data={CONF_API_TOKEN: "other-token-0123456789", CONF_URL: BASE_URL},
        options={CONF_LOW_CREDITS_THRESHOLD: 10, CONF_DEFAULT_COUNTRY: "NL"},
    )


async def test_send_sms(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    snapshot: SnapshotAssertion,
) -> None:
    """Test one request sends to all normalised, de-duplicated recipients."""
    await setup_integration(hass, mock_config_entry)

    response = await call_send_sms_action(
        hass,
        recipients=["+31612345678", "0687654321", "06 12 34 56 78"],
        message="The washing machine is done.",
        sendname="HomeAssist",
    )

    assert send_requests(mock_api) == [
        {
            "numbers": "+31612345678,+31687654321",
            "message": "The washing machine is done.",
            "sendname": "HomeAssist",
        }
    ]
    assert response == snapshot


@pytest.mark.parametrize(
    "data",
    [
        {"recipients": "+31612345678"},
        # As the action editor may send it.
        {"recipients": ["+31612345678"], "sendname": ""},
    ],
    ids=["no_sendname", "empty_sendname"],
)
async def test_send_sms_account_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    data: dict[str, Any],
) -> None:
    """Test a send without a sendname, or an empty one, leaves it to the account's default."""
    await setup_integration(hass, mock_config_entry)

    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {ATTR_CONFIG_ENTRY_ID: ENTRY_ID, "message": "Hello"} | data,
        blocking=True,
    )

    assert send_requests(mock_api) == [{"numbers": "+31612345678", "message": "Hello"}]


@pytest.mark.parametrize(
    ("message", "recipients", "expected"),
    [
        ("Hello", ["+31612345678"], ("gsm7", 1, 1)),
        ("Prijs: €5 {ok}", ["+31612345678", "+31687654321"], ("gsm7", 1, 2)),
        (LONG_MESSAGE, ["+31612345678", "+31687654321"], ("gsm7", 2, 4)),
        ("Kom je eten? 🍝", ["+31612345678"], ("ucs2", 1, 1)),
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_send_sms_counts_segments(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    message: str,
    recipients: list[str],
    expected: tuple[str, int, int],
) -> None:
    """Test the response tells the encoding, segments and the credits it costs."""
    await setup_integration(hass, mock_config_entry)

    response = await call_send_sms_action(hass, recipients=recipients, message=message)

    assert response is not None
    assert (
        response["encoding"],
        response["segments"],
        response["credits_estimate"],
    ) == expected


@pytest.mark.usefixtures("mock_api")
async def test_send_sms_refreshes_credits(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the credits sensor shows a send's cost at once, then the balance read after it.

    The provider's balance (245: it charged more, or another client sent too)
    is what the sensor shows once the debounced read after the send has run.
    """
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_=credits_json(245))

    await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")
    await hass.async_block_till_done(wait_background_tasks=True)

    assert credits_requests(aioclient_mock) == 0
    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "249"

    await settle_sends(hass)

    assert credits_requests(aioclient_mock) == 1
    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "245"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
async def test_sends_read_only_the_balance_once_they_settle(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test sends update the sensors at once and read only the balance, once, later.

    The history sensors count an accepted send right away; the full poll keeps
    its interval.
    """
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, credits_=credits_json(240))
    started = dt_util.utcnow().replace(microsecond=0)

    for _ in range(3):
        await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert len(send_requests(aioclient_mock)) == 3
    assert aioclient_mock.call_count == 3
    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "247"
    assert (state := hass.states.get("sensor.sms_service_center_messages_last_30_days"))
    assert state.state == "5"
    assert (state := hass.states.get("sensor.sms_service_center_last_message_sent"))
    assert started <= dt_util.parse_datetime(state.state) <= dt_util.utcnow()

    await settle_sends(hass)

    assert credits_requests(aioclient_mock) == 1
    assert aioclient_mock.call_count == 4
    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "240"


@pytest.mark.parametrize(
    ("data", "translation_key", "error"),
    [
        ({"message": ""}, "empty_message", "The message is empty"),
        ({"message": " \n\t "}, "empty_message", "The message is empty"),
        ({"recipients": []}, "no_recipients", "No recipients were given"),
        (
            {"recipients": ["+31612345678", "12345"]},
            "invalid_phone_number",
            r"Recipient 2 \(•••••\) is not a valid phone number",
        ),
        (
            {"recipients": ["06-CALL-ME"]},
            "invalid_phone_number",
            r"Recipient 1 \(06-C•••-ME\) is not a valid phone number",
        ),
        (
            {"sendname": "Home Assist"},
            "invalid_sendname",
            "Home Assist is not a valid sender name",
        ),
        ({"sendname": "Home!"}, "invalid_sendname", "Home! is not a valid sender name"),
        (
            {"sendname": "HomeAssistan"},
            "invalid_sendname",
            "HomeAssistan is not a valid sender name",
        ),
    ],
)
async def test_send_sms_invalid_input(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    *,
    data: dict[str, Any],
    translation_key: str,
    error: str,
) -> None:
    """Test bad input raises a translated error and sends nothing at all."""
    await setup_integration(hass, mock_config_entry)

    with (
        assert_no_requests(mock_api),
        pytest.raises(ServiceValidationError, match=error) as exc_info,
    ):
        await call_send_sms_action(
            hass, **{"recipients": ["+31612345678"], "message": "Hello"} | data
        )

    assert exc_info.value.translation_key == translation_key


async def test_send_sms_missing_fields(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the schema requires recipients and a message."""
    await setup_integration(hass, mock_config_entry)

    with assert_no_requests(mock_api):
        with pytest.raises(probatio.Invalid):
            await call_send_sms_action(hass, message="Hello")
        with pytest.raises(probatio.Invalid):
            await call_send_sms_action(hass, recipients=["+31612345678"])


async def test_send_sms_uses_default_country(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test national numbers are read in the account's default country."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={CONF_DEFAULT_COUNTRY: "BE"}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await call_send_sms_action(hass, recipients=["0470123456"], message="Hallo")

    assert send_requests(mock_api) == [{"numbers": "+32470123456", "message": "Hallo"}]


async def test_insufficient_credits(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a send the balance cannot pay is refused after checking the balance again."""
    mock_endpoints(aioclient_mock, credits_=credits_json(3))
    await setup_integration(hass, mock_config_entry)
    aioclient_mock.mock_calls.clear()

    with pytest.raises(
        ServiceValidationError,
        match="Not enough credits: sending needs 4 and the account has 3 left",
    ) as exc_info:
        await call_send_sms_action(
            hass, recipients=["+31612345678", "+31687654321"], message=LONG_MESSAGE
        )

    assert exc_info.value.translation_key == "insufficient_credits"
    assert credits_requests(aioclient_mock) == 1
    assert not send_requests(aioclient_mock)
    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "3"


async def test_insufficient_credits_for_one(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the refusal reads well when a single credit is missing."""
    mock_endpoints(aioclient_mock, credits_=credits_json(0))
    await setup_integration(hass, mock_config_entry)

    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert str(exc_info.value).startswith(
        "Not enough credits: sending needs 1 and the account has 0 left. Buy credits"
    )
    assert exc_info.value.translation_placeholders == {
        "credits_estimate": "1",
        "credits": "0",
    }
    assert not send_requests(aioclient_mock)


async def test_test_mode_skips_credit_check(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a send is not refused for credits while the account is in test mode.

    Test mode sends cost nothing: once a send was answered in test mode, the balance
    is not checked; once one is answered live again, it is.
    """
    mock_endpoints(aioclient_mock, credits_=credits_json(1), send=send_json(True))
    await setup_integration(hass, mock_config_entry)

    # Until a send says so, the account is not known to be in test mode.
    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(
            hass, recipients=["+31612345678"], message=LONG_MESSAGE
        )
    assert exc_info.value.translation_key == "insufficient_credits"

    await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")
    await hass.async_block_till_done(wait_background_tasks=True)
    mock_endpoints(aioclient_mock, credits_=credits_json(1), send=send_json(False))

    response = await call_send_sms_action(
        hass, recipients=["+31612345678", "+31687654321"], message=LONG_MESSAGE
    )

    assert response is not None
    assert response["credits_estimate"] == 4
    assert credits_requests(aioclient_mock) == 0
    assert len(send_requests(aioclient_mock)) == 1

    # That send was answered live: the next one is checked against the balance again.
    await hass.async_block_till_done(wait_background_tasks=True)
    aioclient_mock.mock_calls.clear()
    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(
            hass, recipients=["+31612345678"], message=LONG_MESSAGE
        )
    assert exc_info.value.translation_key == "insufficient_credits"
    assert not send_requests(aioclient_mock)


async def test_credits_topped_up_since_last_poll(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a balance that looks too low is fetched again, and enough lets the send go."""
    mock_endpoints(aioclient_mock, credits_=credits_json(1))
    await setup_integration(hass, mock_config_entry)
    mock_endpoints(aioclient_mock, credits_=credits_json(100))

    await call_send_sms_action(
        hass, recipients=["+31612345678", "+31687654321"], message=LONG_MESSAGE
    )

    assert len(send_requests(aioclient_mock)) == 1


async def test_credits_check_fails(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test nothing is sent when the balance cannot be checked again."""
    mock_endpoints(aioclient_mock, credits_=credits_json(1))
    await setup_integration(hass, mock_config_entry)
    mock_endpoints(aioclient_mock, credits_={"status": HTTPStatus.BAD_GATEWAY})

    with pytest.raises(HomeAssistantError, match="busy or in maintenance") as exc_info:
        await call_send_sms_action(
            hass, recipients=["+31612345678"], message=LONG_MESSAGE
        )

    assert exc_info.value.translation_key == "server_busy"
    assert not send_requests(aioclient_mock)


@pytest.mark.parametrize(
    ("send", "error", "translation_key"),
    [
        # The provider's error message is shown.
        pytest.param(
            {"json": {"status": "error", "message": "Number is blocked"}},
            "SMS Service Center refused the request: Number is blocked",
            "api_error",
            id="api_error",
        ),
        # A send the server did not accept (3xx/4xx) is not reported as maybe sent.
        pytest.param(
            {"status": HTTPStatus.UNPROCESSABLE_ENTITY, "json": {"message": "Invalid"}},
            "could not be read",
            "invalid_response",
            id="unprocessable",
        ),
        pytest.param(
            {"status": HTTPStatus.FOUND, "text": ""},
            "could not be read",
            "invalid_response",
            id="redirect",
        ),
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_send_sms_not_accepted(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    *,
    send: dict[str, Any],
    error: str,
    translation_key: str,
) -> None:
    """Test a send the provider did not accept raises a translated error saying why."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send=send)

    with pytest.raises(HomeAssistantError, match=error) as exc_info:
        await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert exc_info.value.translation_key == translation_key
    assert len(send_requests(aioclient_mock)) == 1


@pytest.mark.parametrize("status", [HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN])
@pytest.mark.usefixtures("mock_api")
async def test_send_sms_auth_failed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
) -> None:
    """Test a rejected token raises and starts reauthentication."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send={"status": status})

    with pytest.raises(
        HomeAssistantError, match="did not accept the API token"
    ) as exc_info:
        await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert exc_info.value.translation_key == "invalid_auth"
    assert_reauth_started(hass)


@pytest.mark.parametrize(
    "send",
    [
        {"exc": TimeoutError()},
        {"text": "<!DOCTYPE html><html><body>Sent!</body></html>"},
        {"status": HTTPStatus.ACCEPTED, "text": "<html>Queued</html>"},
        {"json": {"status": "success"}},
        {"json": {"status": "success", "details": {"testmode": False}}},
        {"json": {"status": "success", "details": {"messageid": "", "testmode": 0}}},
    ],
    ids=[
        "timeout",
        "html",
        "accepted_html",
        "no_details",
        "messageid_missing",
        "messageid_empty",
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_send_sms_outcome_unknown(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    send: dict[str, Any],
) -> None:
    """Test a send that may have gone out says it MAY have been sent, and is not retried.

    That is a timeout, or an accepted send whose answer cannot be read: saying it
    could not be read would invite a resend, and a duplicate SMS costs money. The
    account is polled again, so the sensors help the user check.
    """
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send=send, credits_=credits_json(249))

    with pytest.raises(HomeAssistantError, match="may have been sent") as exc_info:
        await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert exc_info.value.translation_key == "send_outcome_unknown"
    assert len(send_requests(aioclient_mock)) == 1
    await settle_sends(hass)
    assert credits_requests(aioclient_mock) == 1
    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "249"


@pytest.mark.parametrize(
    ("testmode", "test_mode"),
    [
        (True, True),
        (1, True),
        (0, False),
        ("true", True),
        ("false", False),
        (2, False),
        (None, False),
    ],
    ids=[
        "true",
        "integer_1",
        "integer_0",
        "string_true",
        "string_false",
        "unreadable_is_live",
        "null_is_live",
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_send_sms_test_mode(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
    *,
    testmode: object,
    test_mode: bool,
) -> None:
    """Test a send answered in test mode says so and raises the test mode notice.

    A flag sent as 0 or 1 or as a string is read too; an unreadable one is live.
    """
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send=send_json(testmode))

    response = await call_send_sms_action(
        hass, recipients=["+31612345678"], message="Hello"
    )

    assert response is not None
    assert response["test_mode"] is test_mode
    assert (
        issue_registry.async_get_issue(DOMAIN, f"test_mode_{ENTRY_ID}") is not None
    ) is test_mode


@pytest.mark.usefixtures("mock_api")
async def test_send_answered_in_test_mode_costs_no_credits(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a send answered in test mode takes nothing off the credits.

    The account was not known to be in test mode, so the send reserved its cost
    first; the answer says it cost nothing.
    """
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send=send_json(True))

    await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert (state := hass.states.get("sensor.sms_service_center_credits"))
    assert state.state == "250"


async def test_concurrent_sends(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test two sends at the same time both arrive, each exactly once."""
    await setup_integration(hass, mock_config_entry)

    await asyncio.gather(
        call_send_sms_action(hass, recipients=["+31612345678"], message="First"),
        call_send_sms_action(hass, recipients=["+31687654321"], message="Second"),
    )

    assert sorted(send_requests(mock_api), key=lambda body: body["message"]) == [
        {"numbers": "+31612345678", "message": "First"},
        {"numbers": "+31687654321", "message": "Second"},
    ]


async def test_concurrent_sends_share_the_balance(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test two sends at the same time cannot both spend the last credits."""

    async def balance(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        """Answer 2 credits until a message is sent, then none."""
        left = 0 if send_requests(aioclient_mock) else 2
        return AiohttpClientMockResponse(
            method, url, json={"status": "success", "details": left}
        )

    mock_endpoints(aioclient_mock, credits_={"side_effect": balance})
    await setup_integration(hass, mock_config_entry)

    results = await asyncio.gather(
        call_send_sms_action(hass, recipients=["+31612345678"], message=LONG_MESSAGE),
        call_send_sms_action(hass, recipients=["+31687654321"], message=LONG_MESSAGE),
        return_exceptions=True,
    )

    assert len(send_requests(aioclient_mock)) == 1
    errors = [result for result in results if isinstance(result, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], ServiceValidationError)
    assert errors[0].translation_key == "insufficient_credits"


async def test_send_sms_with_several_accounts(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test config_entry_id picks the account that sends."""
    await setup_integration(hass, mock_config_entry)
    other = second_account()
    await setup_integration(hass, other)

    await call_send_sms_action(
        hass, config_entry_id=other.entry_id, recipients=["+31612345678"], message="Hi"
    )
    await call_send_sms_action(hass, recipients=["+31612345678"], message="Hello")

    assert send_tokens(mock_api) == [
        "Bearer other-token-0123456789",
        f"Bearer {TOKEN}",
    ]


ACTION_CALLS: dict[str, dict[str, Any]] = {
    "send_sms": {"recipients": ["+31612345678"], "message": "Hello"},
    "set_sendname": {"sendname": "NewName"},
    "get_history": {},
}


@pytest.mark.parametrize(("action", "data"), ACTION_CALLS.items())
async def test_action_requires_config_entry_id(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    action: str,
    data: dict[str, Any],
) -> None:
    """Test an action without an account is a schema error, even with one account."""
    await setup_integration(hass, mock_config_entry)

    with (
        assert_no_requests(mock_api),
        pytest.raises(probatio.MultipleInvalid, match="config_entry_id"),
    ):
        await hass.services.async_call(
            DOMAIN,
            action,
            data,
            blocking=True,
            return_response=action != "set_sendname",
        )


@pytest.mark.parametrize(("action", "data"), ACTION_CALLS.items())
async def test_action_unknown_account(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    action: str,
    data: dict[str, Any],
) -> None:
    """Test an unknown config_entry_id gives Home Assistant's translated error."""
    await setup_integration(hass, mock_config_entry)

    with (
        assert_no_requests(mock_api),
        pytest.raises(
            ServiceValidationError, match="with ID unknown was not found"
        ) as exc_info,
    ):
        await hass.services.async_call(
            DOMAIN,
            action,
            {ATTR_CONFIG_ENTRY_ID: "unknown"} | data,
            blocking=True,
            return_response=action != "set_sendname",
        )

    assert exc_info.value.translation_domain == HOMEASSISTANT_DOMAIN
    assert exc_info.value.translation_key == "service_config_entry_not_found"


@pytest.mark.parametrize(("action", "data"), ACTION_CALLS.items())
async def test_action_account_not_loaded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    action: str,
    data: dict[str, Any],
) -> None:
    """Test an account that is not loaded gives Home Assistant's translated error.

    The other account is loaded: an action never falls back to it.
    """
    await setup_integration(hass, mock_config_entry)
    other = second_account()
    other.add_to_hass(hass)

    with (
        assert_no_requests(mock_api),
        pytest.raises(ServiceValidationError, match="Second account") as exc_info,
    ):
        await hass.services.async_call(
            DOMAIN,
            action,
            {ATTR_CONFIG_ENTRY_ID: other.entry_id} | data,
            blocking=True,
            return_response=action != "set_sendname",
        )

    assert exc_info.value.translation_domain == HOMEASSISTANT_DOMAIN
    assert exc_info.value.translation_key == "service_config_entry_not_loaded"


@pytest.mark.usefixtures("mock_api")
async def test_send_sms_other_domain_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test the config entry of another integration is not an account."""
    await setup_integration(hass, mock_config_entry)

    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)

    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(
            hass,
            config_entry_id=other.entry_id,
            recipients=["+31612345678"],
            message="Hello",
        )

    assert exc_info.value.translation_domain == HOMEASSISTANT_DOMAIN
    assert exc_info.value.translation_key == "service_config_entry_wrong_domain"


async def test_set_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the action changes the sendname on the account and in the entity."""
    await setup_integration(hass, mock_config_entry)

    await hass.services.async_call(
        DOMAIN,
        "set_sendname",
        {ATTR_CONFIG_ENTRY_ID: ENTRY_ID, "sendname": "NewName"},
        blocking=True,
    )

    assert sendname_requests(mock_api) == [{"sendname": "NewName"}]
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "NewName"


@pytest.mark.parametrize(
    "sendname", ["", "Home Assist", "Home-Assist", "HomeAssistan", "Thüis"]
)
async def test_set_sendname_invalid(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    sendname: str,
) -> None:
    """Test an invalid sendname is refused before anything is sent."""
    await setup_integration(hass, mock_config_entry)

    with (
        assert_no_requests(mock_api),
        pytest.raises(
            ServiceValidationError, match="is not a valid sender name"
        ) as exc_info,
    ):
        await hass.services.async_call(
            DOMAIN,
            "set_sendname",
            {ATTR_CONFIG_ENTRY_ID: ENTRY_ID, "sendname": sendname},
            blocking=True,
        )

    assert exc_info.value.translation_key == "invalid_sendname"
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"


@pytest.mark.usefixtures("mock_api")
async def test_set_sendname_api_error(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a sendname the provider refuses raises its message."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(
        aioclient_mock,
        sendname_post={
            "json": {"status": "error", "message": "Sender name not allowed"}
        },
    )

    with pytest.raises(HomeAssistantError, match="Sender name not allowed") as exc_info:
        await hass.services.async_call(
            DOMAIN,
            "set_sendname",
            {ATTR_CONFIG_ENTRY_ID: ENTRY_ID, "sendname": "NewName"},
            blocking=True,
        )

    assert exc_info.value.translation_key == "api_error"
    assert (state := hass.states.get(SENDNAME_ENTITY_ID))
    assert state.state == "HomeAssist"


async def test_get_history(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the action returns the first page of the history."""
    await setup_integration(hass, mock_config_entry)

    requests_before = mock_api.call_count

    response = await hass.services.async_call(
        DOMAIN,
        "get_history",
        {ATTR_CONFIG_ENTRY_ID: ENTRY_ID},
        blocking=True,
        return_response=True,
    )

    assert [str(url) for _method, url, *_ in mock_api.mock_calls[requests_before:]] == [
        f"{HISTORY_URL}?page=1"
    ]
    assert response == snapshot


@pytest.mark.usefixtures("mock_api")
async def test_get_history_page(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the action returns the page asked for."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, history_pages={2: history_details(2, 2)})

    response = await hass.services.async_call(
        DOMAIN,
        "get_history",
        {ATTR_CONFIG_ENTRY_ID: ENTRY_ID, "page": 2},
        blocking=True,
        return_response=True,
    )

    assert [str(url) for _method, url, *_ in aioclient_mock.mock_calls] == [
        f"{HISTORY_URL}?page=2"
    ]
    assert response == {"messages": [], "current_page": 2, "total_pages": 2}


@pytest.mark.usefixtures("mock_api")
async def test_get_history_unreadable_fields(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test fields the API left out or mistyped are null; entries without a time are left out."""
    await setup_integration(hass, mock_config_entry)

    details = history_details(1, 1)
    details["messages"] = [
        {"datetime": "2026-11-24T08:30:00.000000Z", "sendname": None, "count": "1"},
        {"id": "no-time", "sendname": "HomeAssist", "message": "Hello", "count": 1},
    ]
    mock_endpoints(aioclient_mock, history_pages={1: details})

    response = await hass.services.async_call(
        DOMAIN,
        "get_history",
        {ATTR_CONFIG_ENTRY_ID: ENTRY_ID},
        blocking=True,
        return_response=True,
    )

    assert response == {
        "messages": [
            {
                "id": None,
                "datetime": "2026-11-24T08:30:00+00:00",
                "sendname": None,
                "message": None,
                "count": None,
            }
        ],
        "current_page": 1,
        "total_pages": 1,
    }


async def test_get_history_invalid_page(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test pages start at 1."""
    await setup_integration(hass, mock_config_entry)

    with assert_no_requests(mock_api), pytest.raises(probatio.Invalid):
        await hass.services.async_call(
            DOMAIN,
            "get_history",
            {ATTR_CONFIG_ENTRY_ID: ENTRY_ID, "page": 0},
            blocking=True,
            return_response=True,
        )


@pytest.mark.usefixtures("mock_api")
async def test_get_history_error(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a history that cannot be read raises a translated error."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, history={"text": "<html>Maintenance</html>"})

    with pytest.raises(HomeAssistantError, match="not as the SMS Service") as exc_info:
        await hass.services.async_call(
            DOMAIN,
            "get_history",
            {ATTR_CONFIG_ENTRY_ID: ENTRY_ID},
            blocking=True,
            return_response=True,
        )

    assert exc_info.value.translation_key == "not_api"


@pytest.mark.parametrize(
    ("send", "recipients", "masked"),
    [
        pytest.param(
            None,
            ["0612000401,0612000402"],
            "0612••••••••••••••402",
            id="invalid_number",
        ),
        pytest.param(
            {
                "json": {
                    "status": "error",
                    "message": "Number +31612999001 is on the blacklist",
                }
            },
            ["+31612999001"],
            "+316•••••001",
            id="provider_text",
        ),
    ],
)
@pytest.mark.usefixtures("mock_api")
async def test_script_errors_log_no_full_number(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    send: dict[str, Any] | None,
    recipients: list[str],
    masked: str,
) -> None:
    """A script whose send fails logs the error with the numbers masked, never in full."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send=send)
    assert await async_setup_component(
        hass,
        SCRIPT_DOMAIN,
        {
            SCRIPT_DOMAIN: {
                "alarm_sms": {
                    "sequence": [
                        {
                            "action": f"{DOMAIN}.send_sms",
                            "data": {
                                ATTR_CONFIG_ENTRY_ID: mock_config_entry.entry_id,
                                "recipients": recipients,
                                "message": "Alarm",
                            },
                        }
                    ]
                }
            }
        },
    )

    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(SCRIPT_DOMAIN, "alarm_sms", blocking=True)
    await hass.async_block_till_done()

    logged = caplog.text
    assert "alarm_sms" in logged
    assert masked in logged
    for number in ("612000401", "612000402", "612999001"):
        assert number not in logged
