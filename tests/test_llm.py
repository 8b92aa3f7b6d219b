"""Tests for the LLM tools of SMS Service Center, through Home Assistant's LLM API."""

from http import HTTPStatus
import json
from typing import Any

from homeassistant.components import llm as llm_component
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_URL, STATE_UNKNOWN
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er, llm
from homeassistant.setup import async_setup_component
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.smsservicecenter.const import (
    CONF_DAILY_CREDIT_LIMIT,
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DOMAIN,
    SUBENTRY_TYPE_RECIPIENT,
)

from . import setup_integration
from .conftest import (
    BASE_URL,
    ENTRY_ID,
    RECIPIENT_NUMBER,
    RECIPIENT_SUBENTRY_ID,
    TOKEN,
    assert_no_requests,
    credits_json,
    mock_endpoints,
    send_requests,
    send_tokens,
)

SEND_TOOL = "smsservicecenter__send_message"
CREDITS_TOOL = "smsservicecenter__get_credits"
ALICE = "notify.alice"
BOB = "notify.bob"
BOB_NUMBER = "+31687654321"
WORK_ENTRY_ID = "01JSMSSERVICECENTER00000002"
WORK_TOKEN = "work-token-0123456789"
WORK_ALICE_NUMBER = "+31611112222"
MESSAGE_ID = "f89d33b3-da08-40fe-b4be-182a381b8e77"


def recipient(
    name: str, number: str, subentry_id: str, sendname: str | None = None
) -> ConfigSubentryData:
    """Return the subentry of a recipient, with a sendname unless it is None."""
    data: dict[str, Any] = {CONF_NAME: name, CONF_PHONE_NUMBER: number}
    if sendname is not None:
        data[CONF_SENDNAME] = sendname
    return ConfigSubentryData(
        data=data,
        subentry_id=subentry_id,
        subentry_type=SUBENTRY_TYPE_RECIPIENT,
        title=name,
        unique_id=number,
    )


def account(
    entry_id: str,
    title: str,
    token: str,
    *recipients: ConfigSubentryData,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Return an account with these recipients."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=entry_id,
        data={CONF_API_TOKEN: token, CONF_URL: BASE_URL},
        options=options or {},
        subentries_data=list(recipients),
    )


def home_account(
    *recipients: ConfigSubentryData, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """Return the account of the default fixture, with Alice and these recipients."""
    return account(
        ENTRY_ID,
        "SMS Service Center",
        TOKEN,
        recipient(
            "Alice", RECIPIENT_NUMBER, "01JSMSRECIPIENT000000000001", "AliceHome"
        ),
        *recipients,
        options=options,
    )


def work_account(*recipients: ConfigSubentryData) -> MockConfigEntry:
    """Return a second account, titled Work."""
    return account(WORK_ENTRY_ID, "Work", WORK_TOKEN, *recipients)


@pytest.fixture(autouse=True)
async def setup_llm(hass: HomeAssistant) -> None:
    """Set up what the Assist API needs: exposed entities and the llm integration."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "llm", {})


async def assist_api(hass: HomeAssistant) -> llm.APIInstance:
    """Return the Assist API as a conversation agent gets it."""
    return await llm.async_get_api(
        hass,
        llm.LLM_API_ASSIST,
        llm.LLMContext(
            platform="test",
            context=Context(),
            language="en",
            assistant="conversation",
            device_id=None,
        ),
    )


async def our_tools(hass: HomeAssistant) -> dict[str, llm.Tool]:
    """Return the tools of this integration in the Assist API, by name."""
    api = await assist_api(hass)
    return {tool.name: tool for tool in api.tools if tool.integration == DOMAIN}


def recipient_names(tool: llm.Tool) -> list[str]:
    """Return the recipient names the send tool offers."""
    names: list[str] = tool.parameters.schema["recipient"].container
    return names


async def call(hass: HomeAssistant, name: str, **args: Any) -> llm.ToolResult:
    """Call one tool of the Assist API."""
    api = await assist_api(hass)
    return await api.async_call_tool(llm.ToolInput(tool_name=name, tool_args=args))


def expose(hass: HomeAssistant, *entity_ids: str, exposed: bool = True) -> None:
    """Expose the entities to Assist, or not."""
    for entity_id in entity_ids:
        async_expose_entity(hass, "conversation", entity_id, exposed)


@pytest.mark.usefixtures("mock_api")
async def test_tools(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    """Test both tools, as the Assist API describes them to a model."""
    await setup_integration(hass, mock_config_entry)

    expose(hass, ALICE)

    api = await assist_api(hass)

    assert [
        {
            "name": tool.name,
            "title": tool.title,
            "description": tool.description,
            "annotations": tool.annotations,
            "parameters": probatio.to_openapi(
                tool.parameters, custom_serializer=api.custom_serializer
            ),
        }
        for tool in api.tools
        if tool.integration == DOMAIN
    ] == snapshot


@pytest.mark.usefixtures("mock_api")
async def test_send_tool_needs_an_exposed_recipient(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test the send tool is offered only while a recipient is exposed."""
    await setup_integration(hass, mock_config_entry)

    assert list(await our_tools(hass)) == [CREDITS_TOOL]

    expose(hass, ALICE)
    assert list(await our_tools(hass)) == [SEND_TOOL, CREDITS_TOOL]

    expose(hass, ALICE, exposed=False)
    assert list(await our_tools(hass)) == [CREDITS_TOOL]


@pytest.mark.usefixtures("mock_api")
async def test_only_enabled_notify_entities_are_recipients(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Test a disabled notify entity, or another entity of a recipient, is no recipient."""
    await setup_integration(hass, mock_config_entry)

    other = entity_registry.async_get_or_create(
        "sensor",
        "test",
        "alice_sensor",
        config_entry=mock_config_entry,
        config_subentry_id=RECIPIENT_SUBENTRY_ID,
        suggested_object_id="alice_sensor",
    )
    entity_registry.async_update_entity(other.entity_id, aliases=["Alice's sensor"])
    expose(hass, ALICE, other.entity_id)
    assert recipient_names((await our_tools(hass))[SEND_TOOL]) == ["Alice"]

    entity_registry.async_update_entity(
        ALICE, disabled_by=er.RegistryEntryDisabler.USER
    )
    assert list(await our_tools(hass)) == [CREDITS_TOOL]


@pytest.mark.usefixtures("mock_api")
async def test_no_tools_without_a_loaded_account(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test nothing is offered before an account loads, and after it unloads."""
    assert not await our_tools(hass)

    await setup_integration(hass, mock_config_entry)
    expose(hass, ALICE)
    assert list(await our_tools(hass)) == [SEND_TOOL, CREDITS_TOOL]

    await hass.config_entries.async_unload(ENTRY_ID)
    assert not await our_tools(hass)


@pytest.mark.usefixtures("mock_api")
async def test_other_apis_get_no_tools(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test the tools are for the Assist API only."""
    await setup_integration(hass, mock_config_entry)

    expose(hass, ALICE)
    llm_context = llm.LLMContext(
        platform="test",
        context=None,
        language="en",
        assistant="conversation",
        device_id=None,
    )

    tools = await llm_component.async_get_tools(hass, llm_context, "other")

    assert not [tool.name for tool in tools.tools if tool.integration == DOMAIN]


async def test_send_message(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test a send to an exposed recipient: one request, no number in the result."""
    await setup_integration(hass, mock_config_entry)

    expose(hass, ALICE)

    result = await call(hass, SEND_TOOL, recipient="Alice", message="Dinner is ready")

    assert result == llm.ToolResult(
        data={
            "message_id": MESSAGE_ID,
            "segments": 1,
            "credits_estimate": 1,
            "queued": False,
            "test_mode": False,
        }
    )
    assert send_requests(mock_api) == [
        {
            "numbers": RECIPIENT_NUMBER,
            "message": "Dinner is ready",
            "sendname": "AliceHome",
        }
    ]
    assert "612345678" not in json.dumps(result.data)
    assert (state := hass.states.get("event.sms_service_center_messages"))
    assert state.attributes["event_type"] == "sent"
    assert state.attributes["message_id"] == MESSAGE_ID


async def test_send_to_an_alias(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    entity_registry: er.EntityRegistry,
) -> None:
    """Test the recipient's entity aliases are offered and reach the recipient."""
    await setup_integration(hass, mock_config_entry)

    entity_registry.async_update_entity(
        ALICE, aliases=[er.COMPUTED_NAME, "My daughter"]
    )
    expose(hass, ALICE)

    assert recipient_names((await our_tools(hass))[SEND_TOOL]) == [
        "Alice",
        "My daughter",
    ]
    result = await call(hass, SEND_TOOL, recipient="My daughter", message="Hi")

    assert not result.error
    assert [body["numbers"] for body in send_requests(mock_api)] == [RECIPIENT_NUMBER]


@pytest.mark.parametrize(
    "recipient_name",
    [RECIPIENT_NUMBER, "0612345678", BOB_NUMBER, "Bob", "alice"],
    ids=["alice_number", "national_number", "other_number", "unexposed", "case"],
)
@pytest.mark.usefixtures("mock_api")
async def test_send_refuses_what_is_not_offered(
    hass: HomeAssistant,
    mock_api: AiohttpClientMocker,
    recipient_name: str,
) -> None:
    """Test a phone number or an unexposed recipient is refused, and nothing sent."""
    await setup_integration(
        hass, home_account(recipient("Bob", BOB_NUMBER, "01JSMSRECIPIENT000000000002"))
    )
    expose(hass, ALICE)
    expose(hass, BOB, exposed=False)

    with assert_no_requests(mock_api), pytest.raises(probatio.Invalid):
        await call(hass, SEND_TOOL, recipient=recipient_name, message="Hi")

    assert not send_requests(mock_api)


@pytest.mark.parametrize(
    ("options", "balance", "message", "error"),
    [
        (
            {CONF_DAILY_CREDIT_LIMIT: 1},
            250,
            "Dinner " * 30,
            (
                "Not sent: this message would go over the daily credit limit. Credits "
                "it needs: 2; left today: 1 of 1. Sending resumes at midnight, or raise "
                "the limit in the options of the account"
            ),
        ),
        (
            {},
            0,
            "Dinner is ready",
            (
                "Not enough credits: sending needs 1 and the account has 0 left. Buy "
                "credits at smsservicecenter.nl and try again"
            ),
        ),
        ({}, 250, "  ", "The message is empty. Write some text to send"),
    ],
    ids=["daily_limit", "credits", "empty"],
)
async def test_refused_send(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    *,
    options: dict[str, Any],
    balance: int,
    message: str,
    error: str,
) -> None:
    """Test a refused send is an error result with the translated message."""
    mock_endpoints(aioclient_mock, credits_=credits_json(balance))
    await setup_integration(hass, home_account(options=options))
    expose(hass, ALICE)

    result = await call(hass, SEND_TOOL, recipient="Alice", message=message)

    assert result == llm.ToolResult(data={"error": error}, error=True)
    assert not send_requests(aioclient_mock)
    assert (state := hass.states.get("event.sms_service_center_messages"))
    assert state.state == STATE_UNKNOWN


async def test_queued_send(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Test a send that could not go out now says it waits in the outbox."""
    mock_endpoints(aioclient_mock, send={"status": HTTPStatus.TOO_MANY_REQUESTS})
    await setup_integration(hass, home_account())
    expose(hass, ALICE)

    result = await call(hass, SEND_TOOL, recipient="Alice", message="Dinner is ready")

    assert result == llm.ToolResult(
        data={
            "message_id": None,
            "segments": 1,
            "credits_estimate": 1,
            "queued": True,
            "test_mode": False,
        }
    )
    assert (state := hass.states.get("sensor.sms_service_center_queued_messages"))
    assert state.state == "1"


async def test_send_after_the_account_unloaded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test a tool offered before its account unloaded refuses to send."""
    await setup_integration(hass, mock_config_entry)

    expose(hass, ALICE)
    api = await assist_api(hass)
    await hass.config_entries.async_unload(ENTRY_ID)

    result = await api.async_call_tool(
        llm.ToolInput(SEND_TOOL, {"recipient": "Alice", "message": "Hi"})
    )

    assert result == llm.ToolResult(
        data={
            "error": "Config entry SMS Service Center for integration "
            "smsservicecenter is not loaded"
        },
        error=True,
    )
    assert not send_requests(mock_api)


async def test_two_accounts(
    hass: HomeAssistant,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test a name two accounts share is offered per account, with its title.

    Bob's blank sender name means the account's default, as for his notify entity.
    """
    await setup_integration(
        hass,
        home_account(recipient("Bob", BOB_NUMBER, "01JSMSRECIPIENT000000000002", "")),
    )
    await setup_integration(
        hass,
        work_account(
            recipient("Alice", WORK_ALICE_NUMBER, "01JSMSRECIPIENT000000000003", "Work")
        ),
    )
    expose(hass, ALICE, BOB, "notify.alice_2")

    assert recipient_names((await our_tools(hass))[SEND_TOOL]) == [
        "Alice (SMS Service Center)",
        "Alice (Work)",
        "Bob",
    ]
    for name in ("Alice (Work)", "Bob"):
        result = await call(hass, SEND_TOOL, recipient=name, message="Hi")
        assert not result.error

    assert [
        (body["numbers"], body.get("sendname"), token)
        for body, token in zip(
            send_requests(mock_api), send_tokens(mock_api), strict=True
        )
    ] == [
        (WORK_ALICE_NUMBER, "Work", f"Bearer {WORK_TOKEN}"),
        (BOB_NUMBER, None, f"Bearer {TOKEN}"),
    ]


@pytest.mark.usefixtures("mock_api")
async def test_a_name_that_stays_ambiguous_is_left_out(hass: HomeAssistant) -> None:
    """Test two recipients of one account with the same name are not offered by it."""
    await setup_integration(
        hass,
        home_account(
            recipient("Alice", BOB_NUMBER, "01JSMSRECIPIENT000000000002"),
            recipient("Bob", "+31633334444", "01JSMSRECIPIENT000000000003"),
        ),
    )
    expose(hass, ALICE, "notify.alice_2", BOB)

    assert recipient_names((await our_tools(hass))[SEND_TOOL]) == ["Bob"]


@pytest.mark.usefixtures("mock_api")
async def test_get_credits(hass: HomeAssistant) -> None:
    """Test the credits tool reads every loaded account."""
    await setup_integration(hass, home_account(options={CONF_DAILY_CREDIT_LIMIT: 20}))
    await setup_integration(hass, work_account())
    expose(hass, ALICE)
    await call(hass, SEND_TOOL, recipient="Alice", message="Dinner " * 30)

    result = await call(hass, CREDITS_TOOL)

    assert result == llm.ToolResult(
        data={
            "accounts": [
                {
                    "account": "SMS Service Center",
                    "credits": 248,
                    "credits_used_today": 2,
                    "daily_credit_limit": 20,
                    "queued_messages": 0,
                },
                {
                    "account": "Work",
                    "credits": 250,
                    "credits_used_today": 0,
                    "daily_credit_limit": None,
                    "queued_messages": 0,
                },
            ]
        }
    )
