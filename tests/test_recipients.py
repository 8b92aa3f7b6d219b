"""Tests for recipients added, changed and removed without a reload of the account."""

import asyncio
from collections.abc import Generator
from unittest.mock import AsyncMock, patch

from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_NAME, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smsservicecenter.const import (
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_PHONE_NUMBER,
    DOMAIN,
    SUBENTRY_TYPE_RECIPIENT,
)

from . import setup_integration
from .conftest import (
    ENTRY_ID,
    RECIPIENT_NUMBER,
    RECIPIENT_SUBENTRY_ID,
    call_send_sms_action,
    mock_endpoints,
    send_requests,
)
from .test_send_concurrency import held_answer, sent_json, spin_until

BOB_NUMBER = "+31687654321"


@pytest.fixture
def reload() -> Generator[AsyncMock]:
    """Watch for reloads of a config entry."""
    with patch(
        "homeassistant.config_entries.ConfigEntries.async_reload", autospec=True
    ) as reload:
        yield reload


async def send_message(hass: HomeAssistant, entity_id: str, message: str) -> None:
    """Send a message with notify.send_message to a notify entity."""
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "send_message",
        {ATTR_ENTITY_ID: entity_id, "message": message},
        blocking=True,
    )


async def add_recipient(
    hass: HomeAssistant, entry: MockConfigEntry, name: str, phone_number: str
) -> None:
    """Add a recipient through its subentry flow."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_RECIPIENT), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_PHONE_NUMBER: phone_number}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_api")
async def test_recipient_added_while_a_send_is_in_flight(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    reload: AsyncMock,
) -> None:
    """Test a new recipient gets its entity at once, with no request and no reload.

    The send that was in flight meanwhile is answered as usual.
    """
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator
    release = asyncio.Event()
    send_answer, sends = held_answer(release, sent_json)
    mock_endpoints(aioclient_mock, send={"side_effect": send_answer})
    sending = asyncio.create_task(
        call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="In flight")
    )
    await spin_until(lambda: len(sends) == 1)

    await add_recipient(hass, mock_config_entry, "Bob", "0687654321")
    await hass.async_block_till_done()

    assert (state := hass.states.get("notify.bob"))
    assert state.state == STATE_UNKNOWN
    assert aioclient_mock.call_count == 1
    assert not sending.done()
    release.set()
    assert (await sending)["message_id"] == "message-0"
    reload.assert_not_called()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data.coordinator is coordinator

    mock_endpoints(aioclient_mock)
    await send_message(hass, "notify.bob", "Hello Bob")
    await hass.services.async_call(
        NOTIFY_DOMAIN, "sms_service_center_bob", {"message": "Hi"}, blocking=True
    )

    assert send_requests(aioclient_mock) == [
        {"numbers": BOB_NUMBER, "message": "Hello Bob"},
        {"numbers": BOB_NUMBER, "message": "Hi"},
    ]


@pytest.mark.usefixtures("mock_api")
async def test_recipient_removed_without_reload(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    reload: AsyncMock,
    *,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Test a removed recipient loses its entity, device and service; nothing else happens."""
    await setup_integration(hass, mock_config_entry)

    aioclient_mock.clear_requests()

    hass.config_entries.async_remove_subentry(mock_config_entry, RECIPIENT_SUBENTRY_ID)
    await hass.async_block_till_done()

    assert hass.states.get("notify.alice") is None
    assert entity_registry.async_get("notify.alice") is None
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{ENTRY_ID}_{RECIPIENT_SUBENTRY_ID}"), ENTRY_ID
        )
        is None
    )
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_service_center_alice")
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_service_center")
    assert aioclient_mock.call_count == 0
    reload.assert_not_called()
    assert mock_config_entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("mock_api")
async def test_recipient_changed_without_reload(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    reload: AsyncMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Test a changed recipient's entity, device and service send to it as it is now."""
    await setup_integration(hass, mock_config_entry)

    aioclient_mock.clear_requests()

    hass.config_entries.async_update_subentry(
        mock_config_entry,
        mock_config_entry.subentries[RECIPIENT_SUBENTRY_ID],
        title="Alicia",
        data={CONF_NAME: "Alicia", CONF_PHONE_NUMBER: BOB_NUMBER},
        unique_id=BOB_NUMBER,
    )
    await hass.async_block_till_done()

    assert aioclient_mock.call_count == 0
    reload.assert_not_called()
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ENTRY_ID}_{RECIPIENT_SUBENTRY_ID}"), ENTRY_ID
    )
    assert device
    assert device.name == "Alicia"
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_service_center_alice")
    mock_endpoints(aioclient_mock)
    await send_message(hass, "notify.alice", "Hello")
    await hass.services.async_call(
        NOTIFY_DOMAIN, "sms_service_center_alicia", {"message": "Hi"}, blocking=True
    )

    assert send_requests(aioclient_mock) == [
        {"numbers": BOB_NUMBER, "message": "Hello"},
        {"numbers": BOB_NUMBER, "message": "Hi"},
    ]


@pytest.mark.usefixtures("mock_api")
async def test_other_recipients_keep_their_entities(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, reload: AsyncMock
) -> None:
    """Test adding a recipient leaves the entities of the others as they were."""
    await setup_integration(hass, mock_config_entry)

    alice = hass.states.get("notify.alice")
    assert alice

    await add_recipient(hass, mock_config_entry, "Bob", "0687654321")
    await hass.async_block_till_done()

    assert hass.states.get("notify.bob")
    assert hass.states.get("notify.alice") is alice
    reload.assert_not_called()


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Home SMS"},
        {"options": {CONF_LOW_CREDITS_THRESHOLD: 500}},
    ],
    ids=["title", "options"],
)
@pytest.mark.usefixtures("mock_api")
async def test_settings_changed_reload_the_account(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, change: dict[str, object]
) -> None:
    """Test a change of the account's own settings reloads it."""
    await setup_integration(hass, mock_config_entry)

    coordinator = mock_config_entry.runtime_data.coordinator

    hass.config_entries.async_update_entry(mock_config_entry, **change)  # type: ignore[arg-type]
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data.coordinator is not coordinator
