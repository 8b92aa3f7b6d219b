"""End-to-end tests: Home Assistant against the local SMS Service Center simulator.

The simulator runs on 127.0.0.1 and the integration talks to it over real HTTP with
Home Assistant's own aiohttp client session: ``aioclient_mock`` is never requested,
so nothing in between is mocked. Every entry is created by the real config flow and
unloaded at the end of its test, so no coordinator timer or connection lingers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
from http import HTTPStatus

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.components.notify import (
    ATTR_MESSAGE,
    ATTR_TARGET,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTITY_ID,
    CONF_API_TOKEN,
    CONF_NAME,
    CONF_URL,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smsservicecenter.const import (
    CONF_ADVANCED,
    CONF_DAILY_CREDIT_LIMIT,
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DOMAIN,
    ISSUE_LOW_CREDITS,
    ISSUE_TEST_MODE,
    OUTBOX_RETRY_MIN,
    SUBENTRY_TYPE_RECIPIENT,
)
from simulator.app import SIMULATOR_STATE, SimulatorState, create_app

from .conftest import call_send_sms_action, settle_sends

type AiohttpServer = Callable[..., Awaitable[TestServer]]

TOKEN = "e2e-token-0123456789"
SIMULATOR_SENDNAME = "Simulator"
LEGACY_SERVICE = "sms_service_center"
BOB_SERVICE = "sms_service_center_bob"
SEND_REQUEST = "POST /api/v2/send"
CREDITS_REQUEST = "GET /api/v2/credits"


@pytest.fixture
def simulator_credits() -> int:
    """Return the balance the simulated account starts with."""
    return 100


@pytest.fixture
def simulator_test_mode() -> bool:
    """Return whether the simulated account answers sends in test mode."""
    return False


@pytest.fixture
def simulator_latency() -> float:
    """Return the seconds the simulator waits before it answers a request."""
    return 0.0


@pytest.fixture
async def simulator(
    socket_enabled: None,
    aiohttp_server: AiohttpServer,
    simulator_credits: int,
    simulator_test_mode: bool,
    simulator_latency: float,
) -> TestServer:
    """Return the simulator, listening on 127.0.0.1."""
    app: web.Application = create_app(
        token=TOKEN,
        credits=simulator_credits,
        sendname=SIMULATOR_SENDNAME,
        test_mode=simulator_test_mode,
        latency=simulator_latency,
    )
    return await aiohttp_server(app, host="127.0.0.1")


@pytest.fixture
def state(simulator: TestServer) -> SimulatorState:
    """Return the simulator's state: sent messages, credits, requests."""
    return simulator.app[SIMULATOR_STATE]


@pytest.fixture
async def entry(
    hass: HomeAssistant, simulator: TestServer
) -> AsyncGenerator[ConfigEntry]:
    """Add the simulated account through the config flow; unload it afterwards."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_API_TOKEN: TOKEN,
            CONF_ADVANCED: {CONF_URL: str(simulator.make_url("/"))},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Let the discovery of the legacy notify platform finish.
    await hass.async_block_till_done()
    config_entry: ConfigEntry = result["result"]

    yield config_entry

    # Unload while the simulator still runs, so nothing is left polling it.
    if (
        hass.config_entries.async_get_entry(config_entry.entry_id) is not None
        and config_entry.state is ConfigEntryState.LOADED
    ):
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


def _entity_id(hass: HomeAssistant, platform: Platform, unique_id: str) -> str:
    """Return the entity ID of one of the integration's entities."""
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, f"no {platform} entity with unique ID {unique_id}"
    return entity_id


def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity, which must exist."""
    entity_state = hass.states.get(entity_id)
    assert entity_state is not None, f"{entity_id} has no state"
    return entity_state.state


async def _add_recipient(
    hass: HomeAssistant, entry: ConfigEntry, name: str, phone_number: str
) -> None:
    """Add a recipient through the subentry flow and let the account reload."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_RECIPIENT), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_PHONE_NUMBER: phone_number}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def _credits_entity_id(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Return the entity ID of the credits sensor of an account."""
    return _entity_id(hass, Platform.SENSOR, f"{entry.entry_id}_credits")


def _low_credits_entity_id(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Return the entity ID of the low credits binary sensor of an account."""
    return _entity_id(hass, Platform.BINARY_SENSOR, f"{entry.entry_id}_low_credits")


async def test_config_flow_creates_loaded_entry(
    entry: ConfigEntry,
    simulator: TestServer,
    state: SimulatorState,
) -> None:
    """The config flow checks the token against the simulator and sets the entry up."""
    assert entry.state is ConfigEntryState.LOADED
    assert entry.title == "SMS Service Center"
    assert entry.data == {
        CONF_API_TOKEN: TOKEN,
        CONF_URL: str(simulator.make_url("/")),
    }
    # The flow checked the token over real HTTP; the setup took its answers.
    assert state.requests == [CREDITS_REQUEST, "GET /api/v2/sendname"]


async def test_entities_show_simulator_values(
    hass: HomeAssistant, entry: ConfigEntry
) -> None:
    """The credits, sendname and low credits entities show the simulated account."""
    assert _state(hass, _credits_entity_id(hass, entry)) == "100"
    assert (
        _state(hass, _entity_id(hass, Platform.TEXT, f"{entry.entry_id}_sendname"))
        == SIMULATOR_SENDNAME
    )
    assert _state(hass, _low_credits_entity_id(hass, entry)) == STATE_OFF


@pytest.mark.parametrize("simulator_credits", [5])
async def test_low_credits_from_simulator(
    hass: HomeAssistant, entry: ConfigEntry, simulator: TestServer
) -> None:
    """A balance under the threshold turns low credits on and links a simulated packet."""
    assert _state(hass, _credits_entity_id(hass, entry)) == "5"
    assert _state(hass, _low_credits_entity_id(hass, entry)) == STATE_ON
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ISSUE_LOW_CREDITS}_{entry.entry_id}"
    )
    assert issue is not None
    # The smallest packet that restores the balance, from the simulator's packet list.
    assert issue.learn_more_url == str(simulator.make_url("/order/checkout/nano"))


async def test_send_sms_one_request_normalised_numbers(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """send_sms sends one request to the normalised, de-duplicated numbers and refreshes."""
    response = await call_send_sms_action(
        hass,
        config_entry_id=entry.entry_id,
        recipients=["0612345678", "+31 6 87654321", "+31612345678"],
        message="Hello from Home Assistant",
    )

    assert state.requests.count(SEND_REQUEST) == 1
    assert len(state.messages) == 1
    sent = state.messages[0]
    # The simulator splits the request's comma-joined `numbers` field.
    assert sent.numbers == ("+31612345678", "+31687654321")
    assert sent.message == "Hello from Home Assistant"
    assert sent.sendname == SIMULATOR_SENDNAME
    assert response == {
        "message_id": sent.id,
        "test_mode": False,
        "recipients": ["+31612345678", "+31687654321"],
        "encoding": "gsm7",
        "segments": 1,
        "credits_estimate": 2,
        "queued": False,
    }
    assert state.credits == 98
    # The balance is read again once the sends have settled, in the background.
    await settle_sends(hass)
    assert CREDITS_REQUEST in state.requests[state.requests.index(SEND_REQUEST) :]
    assert _state(hass, _credits_entity_id(hass, entry)) == "98"


async def test_recipient_subentry_notify_entity(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """A recipient added by the subentry flow gets a notify entity that sends to it."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_RECIPIENT), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Bob", CONF_PHONE_NUMBER: "06 1111 2222", CONF_SENDNAME: "BobHome"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The update listener reloads the account with the new recipient.
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    (subentry,) = entry.get_subentries_of_type(SUBENTRY_TYPE_RECIPIENT)
    assert subentry.data[CONF_PHONE_NUMBER] == "+31611112222"
    notify_entity_id = _entity_id(
        hass, Platform.NOTIFY, f"{entry.entry_id}_{subentry.subentry_id}"
    )

    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {
            ATTR_ENTITY_ID: notify_entity_id,
            ATTR_MESSAGE: "The front door is open",
            ATTR_TITLE: "Alarm",
        },
        blocking=True,
    )

    assert state.requests.count(SEND_REQUEST) == 1
    (sent,) = state.messages
    assert sent.numbers == ("+31611112222",)
    assert sent.sendname == "BobHome"
    assert sent.message == "Alarm\nThe front door is open"


async def test_legacy_notify_target_list(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """The legacy notify service sends to all numbers in `target` in one request."""
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        LEGACY_SERVICE,
        {
            ATTR_MESSAGE: "Washing machine done",
            ATTR_TARGET: ["0612345678", "+31687654321"],
            "data": {CONF_SENDNAME: "Laundry"},
        },
        blocking=True,
    )

    assert state.requests.count(SEND_REQUEST) == 1
    (sent,) = state.messages
    assert sent.numbers == ("+31612345678", "+31687654321")
    assert sent.message == "Washing machine done"
    assert sent.sendname == "Laundry"


async def test_legacy_notify_title_and_one_number(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """The legacy notify service sends to one number, with the title on its own line."""
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        LEGACY_SERVICE,
        {ATTR_MESSAGE: "Door open", ATTR_TITLE: "Alarm", ATTR_TARGET: "0612345678"},
        blocking=True,
    )

    (sent,) = state.messages
    assert sent.numbers == ("+31612345678",)
    assert sent.message == "Alarm\nDoor open"
    assert sent.sendname == SIMULATOR_SENDNAME


async def test_legacy_notify_without_target(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """The legacy notify service without a target says so, and sends nothing."""
    with pytest.raises(ServiceValidationError, match="No target was given") as exc_info:
        await hass.services.async_call(
            NOTIFY_DOMAIN, LEGACY_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
        )

    assert exc_info.value.translation_key == "no_target"
    assert SEND_REQUEST not in state.requests


async def test_legacy_notify_after_reload(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """The legacy notify services are renewed by a reload and send as before."""
    await _add_recipient(hass, entry, "Bob", "0611112222")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    await hass.services.async_call(
        NOTIFY_DOMAIN,
        LEGACY_SERVICE,
        {ATTR_MESSAGE: "After reload", ATTR_TARGET: ["0612345678"]},
        blocking=True,
    )
    await hass.services.async_call(
        NOTIFY_DOMAIN, BOB_SERVICE, {ATTR_MESSAGE: "Hi Bob"}, blocking=True
    )

    assert state.requests.count(SEND_REQUEST) == 2
    assert [(sent.numbers, sent.message) for sent in state.messages] == [
        (("+31612345678",), "After reload"),
        (("+31611112222",), "Hi Bob"),
    ]


async def test_legacy_notify_recipient_service(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """A recipient added by the subentry flow gets a legacy service for alert: and groups.

    It sends to the recipient with data.sendname, or else the account's default.
    """
    assert not hass.services.has_service(NOTIFY_DOMAIN, BOB_SERVICE)
    await _add_recipient(hass, entry, "Bob", "0611112222")

    await hass.services.async_call(
        NOTIFY_DOMAIN, BOB_SERVICE, {ATTR_MESSAGE: "Hi Bob"}, blocking=True
    )
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        BOB_SERVICE,
        {ATTR_MESSAGE: "Bye Bob", "data": {CONF_SENDNAME: "Laundry"}},
        blocking=True,
    )

    assert [(sent.numbers, sent.sendname) for sent in state.messages] == [
        (("+31611112222",), SIMULATOR_SENDNAME),
        (("+31611112222",), "Laundry"),
    ]


async def test_legacy_notify_removed_with_entry(
    hass: HomeAssistant, entry: ConfigEntry
) -> None:
    """Removing the account removes its legacy notify services."""
    await _add_recipient(hass, entry, "Bob", "0611112222")
    assert hass.services.has_service(NOTIFY_DOMAIN, LEGACY_SERVICE)
    assert hass.services.has_service(NOTIFY_DOMAIN, BOB_SERVICE)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert not hass.services.has_service(NOTIFY_DOMAIN, LEGACY_SERVICE)
    assert not hass.services.has_service(NOTIFY_DOMAIN, BOB_SERVICE)


@pytest.mark.parametrize(
    "status", [503, 200], ids=["server_error", "accepted_but_unreadable"]
)
async def test_send_may_have_been_sent(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState, status: int
) -> None:
    """A 5xx answer, or a 200 one that is not JSON, says the message may have been sent.

    The send is not retried, and the account is polled again.
    """
    state.fail_next = status

    with pytest.raises(HomeAssistantError, match="may have been sent") as exc_info:
        await call_send_sms_action(
            hass,
            config_entry_id=entry.entry_id,
            recipients=["0612345678"],
            message="Are you there?",
        )
    await settle_sends(hass)

    assert exc_info.value.translation_domain == DOMAIN
    assert exc_info.value.translation_key == "send_outcome_unknown"
    assert state.requests.count(SEND_REQUEST) == 1
    assert not state.messages
    # The account was polled again, so the sensors help to check what happened.
    assert CREDITS_REQUEST in state.requests[state.requests.index(SEND_REQUEST) :]


async def test_outbox_sends_once_the_simulator_is_back(
    hass: HomeAssistant,
    aiohttp_server: AiohttpServer,
    simulator: TestServer,
    entry: ConfigEntry,
) -> None:
    """A send while the simulator is down waits, and arrives once when it is back."""
    port = simulator.port
    await simulator.close()
    # Let Home Assistant's session see its kept-alive connections closed.
    await hass.async_block_till_done()

    response = await call_send_sms_action(
        hass,
        config_entry_id=entry.entry_id,
        recipients=["0612345678"],
        message="Sent when you are back",
    )
    assert response is not None
    assert response["queued"] is True
    assert response["message_id"] is None
    assert _state(hass, "sensor.sms_service_center_queued_messages") == "1"

    restarted = await aiohttp_server(
        create_app(
            token=TOKEN, credits=100, sendname=SIMULATOR_SENDNAME, test_mode=False
        ),
        host="127.0.0.1",
        port=port,
    )
    async_fire_time_changed(hass, dt_util.utcnow() + OUTBOX_RETRY_MIN)
    await hass.async_block_till_done(wait_background_tasks=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
    await hass.async_block_till_done(wait_background_tasks=True)

    state: SimulatorState = restarted.app[SIMULATOR_STATE]
    assert state.requests.count(SEND_REQUEST) == 1
    [sent] = state.messages
    assert sent.numbers == ("+31612345678",)
    assert sent.message == "Sent when you are back"
    assert _state(hass, "sensor.sms_service_center_queued_messages") == "0"
    event = hass.states.get("event.sms_service_center_messages")
    assert event is not None
    assert event.attributes["event_type"] == "sent"
    assert event.attributes["queued"] is True
    assert event.attributes["message_id"] == sent.id


@pytest.mark.parametrize("simulator_test_mode", [True])
async def test_send_in_test_mode(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """A send answered in test mode says so and raises the test mode repair issue."""
    issue_registry = ir.async_get(hass)
    issue_id = f"{ISSUE_TEST_MODE}_{entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    response = await call_send_sms_action(
        hass,
        config_entry_id=entry.entry_id,
        recipients=["0612345678"],
        message="Just testing",
    )

    assert response is not None
    assert response["test_mode"] is True
    assert len(state.messages) == 1
    # Test mode sends cost nothing.
    assert state.credits == 100
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == ISSUE_TEST_MODE


@pytest.mark.parametrize(("simulator_credits", "simulator_test_mode"), [(1, True)])
async def test_test_mode_sends_more_than_the_balance(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """Once a send was answered in test mode, sends the balance cannot pay still go out."""
    for recipients, message in (
        (["0612345678"], "Just testing"),
        (["0612345678", "0687654321"], "x" * 161),
    ):
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {
                ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                "recipients": recipients,
                "message": message,
            },
            blocking=True,
        )

    assert [sent.numbers for sent in state.messages] == [
        ("+31612345678",),
        ("+31612345678", "+31687654321"),
    ]
    assert state.credits == 1


@pytest.mark.parametrize(("simulator_credits", "simulator_latency"), [(10, 0.05)])
async def test_concurrent_sends_over_rest_never_overdraw(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: ConfigEntry,
    state: SimulatorState,
) -> None:
    """20 one-credit sends at once on 10 credits: 10 go out, we refuse 10 with HTTP 400.

    None reaches the provider only to be refused there for credits.
    """
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()

    async def post(number: int) -> tuple[HTTPStatus, dict[str, object]]:
        response = await client.post(
            f"/api/services/{DOMAIN}/send_sms?return_response",
            json={
                ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                "recipients": ["0612345678"],
                "message": f"Alarm {number}",
            },
        )
        return HTTPStatus(response.status), await response.json()

    answers = await asyncio.gather(*(post(number) for number in range(20)))

    statuses = [status for status, _ in answers]
    assert statuses.count(HTTPStatus.OK) == 10
    assert statuses.count(HTTPStatus.BAD_REQUEST) == 10
    for status, body in answers:
        if status is HTTPStatus.BAD_REQUEST:
            assert "Not enough credits" in str(body["message"])
    assert state.requests.count(SEND_REQUEST) == 10
    assert len(state.messages) == 10
    assert state.credits == 0


async def test_daily_credit_limit(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """A limit of 3 set in the options lets 3 one-part sends through, not the 4th."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry.options, CONF_DAILY_CREDIT_LIMIT: 3}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    for number in range(3):
        await call_send_sms_action(
            hass,
            config_entry_id=entry.entry_id,
            recipients=["0612345678"],
            message=f"Alarm {number}",
        )
    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(
            hass,
            config_entry_id=entry.entry_id,
            recipients=["0612345678"],
            message="Alarm 3",
        )

    assert exc_info.value.translation_key == "daily_limit_reached"
    assert state.requests.count(SEND_REQUEST) == 3
    assert len(state.messages) == 3
    used_today = _entity_id(
        hass, Platform.SENSOR, f"{entry.entry_id}_credits_used_today"
    )
    assert _state(hass, used_today) == "3"
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"daily_limit_reached_{entry.entry_id}"
    )


async def test_messages_event_after_a_send(
    hass: HomeAssistant, entry: ConfigEntry, state: SimulatorState
) -> None:
    """The account's messages event entity shows `sent` with the message's ID."""
    event_entity = _entity_id(hass, Platform.EVENT, f"{entry.entry_id}_messages")

    await call_send_sms_action(
        hass,
        config_entry_id=entry.entry_id,
        recipients=["0612345678"],
        message="Hello",
    )

    event_state = hass.states.get(event_entity)
    assert event_state is not None
    assert event_state.attributes["event_type"] == "sent"
    assert event_state.attributes["message_id"] == state.messages[0].id
    assert event_state.attributes["recipients"] == 1
