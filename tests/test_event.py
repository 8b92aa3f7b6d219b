"""Tests for the message event entity of an SMS Service Center account."""

from collections.abc import Generator
from copy import deepcopy
from datetime import timedelta
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp.client_reqrep import ConnectionKey
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_URL,
    EVENT_HOMEASSISTANT_START,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion
import yaml

from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    DEFAULT_OUTBOX_MINUTES,
    DOMAIN,
    OUTBOX_RETRY_MIN,
)

from . import setup_integration
from .conftest import (
    BASE_URL,
    ENTRY_ID,
    RECIPIENT_NUMBER,
    call_send_sms_action,
    mock_endpoints,
)

EVENT_ENTITY_ID = "event.sms_service_center_messages"
OTHER_ENTRY_ID = "01JSMSSERVICECENTER00000002"
OTHER_EVENT_ENTITY_ID = "event.second_account_messages"
MESSAGE_ID = "f89d33b3-da08-40fe-b4be-182a381b8e77"
OTHER_NUMBER = "+31687654321"
README = Path(__file__).parent.parent / "README.md"
CONNECTION_REFUSED = {
    "exc": aiohttp.ClientConnectorError(
        ConnectionKey("www.smsservicecenter.nl", 443, True, True, None, None, None),
        OSError(111, "Connection refused"),
    )
}
PROVIDER_REFUSAL = {"json": {"status": "error", "message": "Blocked"}}


@pytest.fixture
def only_event_platform() -> Generator[None]:
    """Set up only the event platform of an account."""
    with patch("custom_components.smsservicecenter.PLATFORMS", [Platform.EVENT]):
        yield


def readme_automations() -> list[dict[str, Any]]:
    """Return the automations of the README's YAML examples."""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    configs = [yaml.safe_load(block) for block in blocks]
    return [
        automation
        for config in configs
        if isinstance(config, dict)
        for automation in config.get(AUTOMATION_DOMAIN, [])
    ]


README_EVENT_AUTOMATIONS = [
    automation
    for automation in readme_automations()
    if any(
        trigger.get("entity_id") == EVENT_ENTITY_ID
        for trigger in automation["triggers"]
    )
]


@pytest.mark.parametrize("automation", readme_automations(), ids=lambda a: a["alias"])
async def test_readme_automation_is_valid(
    hass: HomeAssistant, automation: dict[str, Any]
) -> None:
    """Each automation of the README passes Home Assistant's checks and is on."""
    await setup_automation(hass, automation)

    (state,) = hass.states.async_all(AUTOMATION_DOMAIN)
    assert state.state == "on"
    assert state.name == automation["alias"]


def test_readme_has_an_event_automation() -> None:
    """The README shows at least one automation on the message events."""
    assert README_EVENT_AUTOMATIONS


async def reload_account(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Reload the account, as changing its options or recipients does."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def restart_account(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the account up as after a restart in which it loaded after Home Assistant started.

    Automations listen from the start on; the entity registry has then written
    the entity as unavailable, and the entity restores its last event.
    """
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.states.async_remove(EVENT_ENTITY_ID)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
    await hass.async_block_till_done()
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.state == STATE_UNAVAILABLE
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("only_event_platform", "mock_api")
async def test_event_entity(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the message event entity of an account, before any message."""
    await setup_integration(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("only_event_platform", "mock_api")
async def test_entity_id_ends_in_the_key(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The entity is named "Message events" but its entity ID ends in _messages.

    Regenerating the entity ID (the frontend's "recreate entity IDs") keeps it.
    """
    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.name == "SMS Service Center Message events"
    entry = entity_registry.async_get(EVENT_ENTITY_ID)
    assert entry is not None
    assert entity_registry.async_regenerate_entity_id(entry) == EVENT_ENTITY_ID


@pytest.mark.usefixtures("only_event_platform", "mock_api")
async def test_entity_id_in_a_dutch_home_assistant(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """In Dutch the entity IDs follow the Dutch names, but this one stays _messages.

    The README's automations on it work in every language.
    """
    hass.config.language = "nl"

    await setup_integration(hass, mock_config_entry)

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.name == "SMS Service Center Berichtgebeurtenissen"


@pytest.mark.usefixtures("only_event_platform", "mock_api")
async def test_existing_entity_keeps_its_entity_id(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An entity registered under its old name "Messages" keeps its entity ID and unique ID."""
    mock_config_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        "event",
        DOMAIN,
        f"{ENTRY_ID}_messages",
        config_entry=mock_config_entry,
        suggested_object_id="sms_service_center_messages",
        object_id_base="Messages",
        original_name="Messages",
        has_entity_name=True,
        translation_key="messages",
    )

    await setup_integration(hass, mock_config_entry)

    entry = entity_registry.async_get(EVENT_ENTITY_ID)
    assert entry is not None
    assert entry.original_name == "Message events"
    assert [
        registered.entity_id
        for registered in er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    ] == [EVENT_ENTITY_ID]
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.name == "SMS Service Center Message events"


@pytest.mark.usefixtures("mock_api")
async def test_sent_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test an accepted send fires `sent`, describing the message without its numbers."""
    await setup_integration(hass, mock_config_entry)

    await call_send_sms_action(
        hass, recipients=[RECIPIENT_NUMBER, OTHER_NUMBER], message="Hello " * 30
    )

    state = hass.states.get(EVENT_ENTITY_ID)
    assert state is not None
    assert state.state != STATE_UNKNOWN
    attributes = dict(state.attributes)
    assert {
        key: attributes[key]
        for key in (
            "event_type",
            "message_id",
            "test_mode",
            "recipients",
            "segments",
            "credits_estimate",
            "queued",
        )
    } == {
        "event_type": "sent",
        "message_id": "f89d33b3-da08-40fe-b4be-182a381b8e77",
        "test_mode": False,
        "recipients": 2,
        "segments": 2,
        "credits_estimate": 4,
        "queued": False,
    }
    assert "612345678" not in str(attributes)
    assert "687654321" not in str(attributes)


@pytest.mark.usefixtures("mock_api")
async def test_refused_send_fires_no_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test a send that does not go out fires nothing."""
    await setup_integration(hass, mock_config_entry)

    with pytest.raises(ServiceValidationError):
        await call_send_sms_action(hass, recipients=["not a number"], message="Hello")

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.state == STATE_UNKNOWN


@pytest.mark.parametrize(
    ("retry_answer", "wait", "event_type", "message_id"),
    [
        pytest.param(CONNECTION_REFUSED, timedelta(0), "queued", None, id="queued"),
        pytest.param(None, OUTBOX_RETRY_MIN, "sent", MESSAGE_ID, id="sent"),
        pytest.param(PROVIDER_REFUSAL, OUTBOX_RETRY_MIN, "failed", None, id="failed"),
        pytest.param(
            CONNECTION_REFUSED,
            timedelta(minutes=DEFAULT_OUTBOX_MINUTES),
            "expired",
            None,
            id="expired",
        ),
    ],
)
async def test_outbox_events(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    *,
    retry_answer: dict[str, Any] | None,
    wait: timedelta,
    event_type: str,
    message_id: str | None,
) -> None:
    """Test a message queued in the outbox fires `queued`, then what became of it.

    The send cannot reach the API; the outbox tries again after ``wait``, when the
    send is answered with ``retry_answer``: sent, refused, or still unreachable
    until the message expires.
    """
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, mock_config_entry)
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)
    response = await call_send_sms_action(
        hass, recipients=[RECIPIENT_NUMBER], message="Hello"
    )
    assert response["queued"] is True

    mock_endpoints(aioclient_mock, send=retry_answer)
    freezer.tick(wait)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert {
        key: state.attributes[key]
        for key in (
            "event_type",
            "message_id",
            "test_mode",
            "recipients",
            "segments",
            "credits_estimate",
            "queued",
        )
    } == {
        "event_type": event_type,
        "message_id": message_id,
        "test_mode": False,
        "recipients": 1,
        "segments": 1,
        "credits_estimate": 1,
        "queued": True,
    }


@pytest.mark.usefixtures("mock_api")
async def test_other_accounts_events_are_not_fired(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test the entity fires for its own account's messages only."""
    await setup_integration(hass, mock_config_entry)
    await setup_integration(
        hass,
        MockConfigEntry(
            domain=DOMAIN,
            title="Second account",
            entry_id=OTHER_ENTRY_ID,
            data={CONF_API_TOKEN: "other-token-0123456789", CONF_URL: BASE_URL},
            options={CONF_DEFAULT_COUNTRY: "NL"},
        ),
    )

    await call_send_sms_action(
        hass, OTHER_ENTRY_ID, recipients=[RECIPIENT_NUMBER], message="Hello"
    )

    assert (state := hass.states.get(OTHER_EVENT_ENTITY_ID))
    assert state.attributes["event_type"] == "sent"
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.state == STATE_UNKNOWN


async def setup_automation(hass: HomeAssistant, automation: dict[str, Any]) -> None:
    """Set up an automation as configuration.yaml would."""
    assert await async_setup_component(
        hass, AUTOMATION_DOMAIN, {AUTOMATION_DOMAIN: [automation]}
    )
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    "automation", README_EVENT_AUTOMATIONS, ids=lambda a: a["alias"]
)
async def test_readme_automation_runs_for_new_events_only(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    automation: dict[str, Any],
) -> None:
    """A README automation on the message events runs for a failed send, not a reload or restart.

    Its actions notify a phone: that service counts the runs.
    """
    runs = async_mock_service(hass, "notify", "mobile_app_my_phone")
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, mock_config_entry)
    await setup_automation(hass, automation)
    await reload_account(hass, mock_config_entry)
    assert not runs

    # A message queued while the API cannot be reached, refused when it is tried again.
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    mock_endpoints(aioclient_mock, send=PROVIDER_REFUSAL)
    freezer.tick(OUTBOX_RETRY_MIN)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.attributes["event_type"] == "failed"
    assert len(runs) == 1

    await reload_account(hass, mock_config_entry)
    await restart_account(hass, mock_config_entry)
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.attributes["event_type"] == "failed"
    assert len(runs) == 1


@pytest.mark.parametrize(
    "automation", README_EVENT_AUTOMATIONS, ids=lambda a: a["alias"]
)
@pytest.mark.usefixtures("mock_api")
async def test_readme_trigger_fires_for_every_new_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, automation: dict[str, Any]
) -> None:
    """The README's trigger fires for each new event, the first one after setup too.

    Its own conditions and actions are replaced by one that counts the runs.
    """
    runs: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    await setup_integration(hass, mock_config_entry)
    await setup_automation(
        hass,
        {
            **deepcopy(automation),
            "conditions": [],
            "actions": [{"action": "test.automation"}],
        },
    )
    assert (state := hass.states.get(EVENT_ENTITY_ID))
    assert state.state == STATE_UNKNOWN

    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="First")
    assert len(runs) == 1

    await reload_account(hass, mock_config_entry)
    await restart_account(hass, mock_config_entry)
    assert len(runs) == 1

    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Second")
    assert len(runs) == 2
