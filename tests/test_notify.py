"""Tests for the SMS Service Center notify entities and legacy notify service."""

from collections.abc import Generator
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock, patch

from homeassistant.components.notify import (
    ATTR_DATA,
    ATTR_MESSAGE,
    ATTR_TARGET,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
    BaseNotificationService,
)
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryData,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_API_TOKEN,
    CONF_NAME,
    CONF_URL,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceNotFound,
    ServiceValidationError,
)
from homeassistant.helpers.device_registry import DeviceEntryType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    CONF_PHONE_NUMBER,
    DOMAIN,
    SUBENTRY_TYPE_RECIPIENT,
)
from custom_components.smsservicecenter.notify import async_get_service

from . import setup_integration
from .conftest import (
    BASE_URL,
    ENTRY_ID,
    RECIPIENT_NUMBER,
    RECIPIENT_SUBENTRY_ID,
    TOKEN,
    assert_no_requests,
    mock_endpoints,
    send_requests,
    send_tokens,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant, ServiceCall
    from homeassistant.helpers import device_registry as dr, entity_registry as er
    from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion

ENTITY_ID = "notify.alice"
LEGACY_SERVICE = "sms_service_center"
ALICE_SERVICE = "sms_service_center_alice"
BOB_SERVICE = "sms_service_center_bob"
BOB_NUMBER = "+31687654321"
OTHER_TOKEN = "other-token-0123456789"
OTHER_ENTRY_ID = "01JSMSSERVICECENTER00000002"
GET_SERVICE = "custom_components.smsservicecenter.notify.async_get_service"
OTHER_SERVICE = "other_sms"
OTHER_BOB_SERVICE = "other_sms_bob"


@pytest.fixture
def only_notify_platform() -> Generator[None]:
    """Set up only the notify platform of an account."""
    with patch("custom_components.smsservicecenter.PLATFORMS", [Platform.NOTIFY]):
        yield


def recipient(name: str, phone_number: str) -> ConfigSubentry:
    """Return a recipient subentry without a sendname."""
    return ConfigSubentry(
        data=MappingProxyType({CONF_NAME: name, CONF_PHONE_NUMBER: phone_number}),
        subentry_type=SUBENTRY_TYPE_RECIPIENT,
        title=name,
        unique_id=phone_number,
    )


def has_notify_service(hass: HomeAssistant, service: str) -> bool:
    """Return whether notify.<service> exists."""
    return hass.services.has_service(NOTIFY_DOMAIN, service)


def other_account(
    title: str = "Other SMS", recipient_name: str = "Bob"
) -> MockConfigEntry:
    """Return a second account, with one recipient who has Bob's number."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=OTHER_ENTRY_ID,
        data={CONF_API_TOKEN: OTHER_TOKEN, CONF_URL: BASE_URL},
        options={CONF_DEFAULT_COUNTRY: "NL"},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_NAME: recipient_name, CONF_PHONE_NUMBER: BOB_NUMBER},
                subentry_type=SUBENTRY_TYPE_RECIPIENT,
                title=recipient_name,
                unique_id=BOB_NUMBER,
            )
        ],
    )


async def notify_legacy(hass: HomeAssistant, **data: Any) -> None:
    """Call the legacy notify service of the account."""
    await hass.services.async_call(NOTIFY_DOMAIN, LEGACY_SERVICE, data, blocking=True)


async def send_message(hass: HomeAssistant, **data: Any) -> None:
    """Send a message to Alice's notify entity."""
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: ENTITY_ID} | data,
        blocking=True,
    )


@pytest.mark.usefixtures("only_notify_platform", "mock_api")
async def test_notify_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test each recipient is a notify entity."""
    await setup_integration(hass, mock_config_entry)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("mock_api")
async def test_recipient_device(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Test each recipient has a device of its own, linked to the account's device."""
    await setup_integration(hass, mock_config_entry)

    account = device_registry.async_get_device_by_identifier(
        (DOMAIN, ENTRY_ID), ENTRY_ID
    )
    recipient = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ENTRY_ID}_{RECIPIENT_SUBENTRY_ID}"), ENTRY_ID
    )
    assert account
    assert account.name == "SMS Service Center"
    assert recipient
    assert recipient.name == "Alice"
    assert recipient.entry_type is DeviceEntryType.SERVICE
    assert recipient.via_device_id == account.id
    assert recipient.config_subentry_id == RECIPIENT_SUBENTRY_ID
    assert (entry := entity_registry.async_get(ENTITY_ID))
    assert entry.device_id == recipient.id
    assert entry.config_subentry_id == RECIPIENT_SUBENTRY_ID


async def test_send_message(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test notify.send_message texts the recipient with its sendname."""
    await setup_integration(hass, mock_config_entry)

    await send_message(hass, **{ATTR_MESSAGE: "The washing machine is done."})

    assert send_requests(mock_api) == [
        {
            "numbers": RECIPIENT_NUMBER,
            "message": "The washing machine is done.",
            "sendname": "AliceHome",
        }
    ]
    assert (state := hass.states.get(ENTITY_ID))
    assert state.state != STATE_UNKNOWN


@pytest.mark.parametrize(
    ("title", "sent"),
    [
        ("Alarm", "Alarm\nDoor open"),
        (" Alarm \n", "Alarm\nDoor open"),
        ("", "Door open"),
        ("  \n ", "Door open"),
    ],
    ids=["title", "title_with_spaces", "empty_title", "blank_title"],
)
async def test_send_message_with_title(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    title: str,
    sent: str,
) -> None:
    """Test a title is put before the message on its own line; a blank one adds nothing."""
    await setup_integration(hass, mock_config_entry)

    await send_message(hass, **{ATTR_MESSAGE: "Door open", ATTR_TITLE: title})

    assert [body["message"] for body in send_requests(mock_api)] == [sent]


async def test_send_message_account_sendname(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test a recipient without a sendname gets the account's default sender."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_subentry(
        mock_config_entry,
        mock_config_entry.subentries[RECIPIENT_SUBENTRY_ID],
        data={CONF_NAME: "Alice", CONF_PHONE_NUMBER: RECIPIENT_NUMBER},
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await send_message(hass, **{ATTR_MESSAGE: "Hello"})

    assert send_requests(mock_api) == [
        {"numbers": RECIPIENT_NUMBER, "message": "Hello"}
    ]


@pytest.mark.parametrize("message", ["", "  \n "])
async def test_send_message_empty(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    message: str,
) -> None:
    """Test an empty message is refused even with a title, and nothing is sent."""
    await setup_integration(hass, mock_config_entry)

    with (
        assert_no_requests(mock_api),
        pytest.raises(ServiceValidationError, match="The message is empty") as exc_info,
    ):
        await send_message(hass, **{ATTR_MESSAGE: message, ATTR_TITLE: "Alarm"})

    assert exc_info.value.translation_key == "empty_message"


@pytest.mark.usefixtures("mock_api")
async def test_send_message_api_error(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the provider's error is raised to the caller."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(
        aioclient_mock,
        send={"json": {"status": "error", "message": "Number is blocked"}},
    )

    with pytest.raises(HomeAssistantError, match="Number is blocked"):
        await send_message(hass, **{ATTR_MESSAGE: "Hello"})

    assert len(send_requests(aioclient_mock)) == 1


@pytest.mark.parametrize(
    ("data", "sendname"),
    [
        ({}, {}),
        # An empty sendname means the account's default sender.
        ({ATTR_DATA: {"sendname": ""}}, {}),
        # A sendname of digits only, which YAML reads as a number, is sent as text.
        ({ATTR_DATA: {"sendname": 1234}}, {"sendname": "1234"}),
    ],
    ids=["no_sendname", "empty_sendname", "numeric_sendname"],
)
async def test_legacy_notify(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    data: dict[str, Any],
    sendname: dict[str, str],
) -> None:
    """Test the legacy service sends to one number given as target, with its sendname."""
    await setup_integration(hass, mock_config_entry)

    await notify_legacy(
        hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"} | data
    )

    assert send_requests(mock_api) == [
        {"numbers": RECIPIENT_NUMBER, "message": "Hello"} | sendname
    ]


async def test_legacy_notify_target_list(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test a list of targets is one request, with title and sendname."""
    await setup_integration(hass, mock_config_entry)

    await notify_legacy(
        hass,
        **{
            ATTR_MESSAGE: "Door open",
            ATTR_TITLE: "Alarm",
            ATTR_TARGET: ["+31612345678", "0687654321", "0612345678"],
            ATTR_DATA: {"sendname": "HomeAlarm", "priority": "high"},
        },
    )

    assert send_requests(mock_api) == [
        {
            "numbers": "+31612345678,+31687654321",
            "message": "Alarm\nDoor open",
            "sendname": "HomeAlarm",
        }
    ]


@pytest.mark.parametrize(
    ("data", "translation_key"),
    [
        ({}, "no_target"),
        ({ATTR_TARGET: []}, "no_target"),
        ({ATTR_TARGET: "12345"}, "invalid_phone_number"),
        (
            {ATTR_TARGET: "0612345678", ATTR_DATA: {"sendname": "Home Alarm"}},
            "invalid_sendname",
        ),
        ({ATTR_TARGET: "0612345678", ATTR_MESSAGE: " "}, "empty_message"),
    ],
)
async def test_legacy_notify_invalid(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    data: dict[str, Any],
    translation_key: str,
) -> None:
    """Test bad input to the legacy service raises a translated error, sending nothing."""
    await setup_integration(hass, mock_config_entry)

    with (
        assert_no_requests(mock_api),
        pytest.raises(ServiceValidationError) as exc_info,
    ):
        await notify_legacy(hass, **{ATTR_MESSAGE: "Hello"} | data)

    assert exc_info.value.translation_key == translation_key


async def test_legacy_notify_recipient_service(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test each recipient has a legacy service with its number as the target.

    Callers that give no target, such as alert, can send with it; a target given
    is ignored.
    """
    await setup_integration(hass, mock_config_entry)

    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Door open"}, blocking=True
    )
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        ALICE_SERVICE,
        {
            ATTR_MESSAGE: "Door open",
            ATTR_TITLE: "Alarm",
            ATTR_TARGET: BOB_NUMBER,
            ATTR_DATA: {"sendname": "HomeAlarm"},
        },
        blocking=True,
    )

    assert send_requests(mock_api) == [
        {"numbers": RECIPIENT_NUMBER, "message": "Door open"},
        {
            "numbers": RECIPIENT_NUMBER,
            "message": "Alarm\nDoor open",
            "sendname": "HomeAlarm",
        },
    ]


async def test_legacy_notify_alert(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test an alert sends through a recipient's legacy service."""
    await setup_integration(hass, mock_config_entry)

    assert await async_setup_component(
        hass,
        "alert",
        {
            "alert": {
                "door": {
                    "name": "Door open",
                    "entity_id": "input_boolean.door",
                    "state": "on",
                    "repeat": 30,
                    "notifiers": [ALICE_SERVICE],
                }
            }
        },
    )
    await hass.async_block_till_done()

    hass.states.async_set("input_boolean.door", "on")
    await hass.async_block_till_done()

    assert send_requests(mock_api) == [
        {"numbers": RECIPIENT_NUMBER, "message": "Door open"}
    ]

    # Stop alerting, so the alert no longer repeats.
    hass.states.async_set("input_boolean.door", "off")
    await hass.async_block_till_done()


async def test_legacy_notify_group(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test a notify group sends through a recipient's service and the account's."""
    assert await async_setup_component(
        hass,
        NOTIFY_DOMAIN,
        {
            NOTIFY_DOMAIN: [
                {
                    "platform": "group",
                    "name": "family_sms",
                    "services": [
                        {"action": ALICE_SERVICE},
                        {"action": LEGACY_SERVICE, "data": {ATTR_TARGET: BOB_NUMBER}},
                    ],
                }
            ]
        },
    )
    await setup_integration(hass, mock_config_entry)

    await hass.services.async_call(
        NOTIFY_DOMAIN, "family_sms", {ATTR_MESSAGE: "Dinner is ready"}, blocking=True
    )
    await hass.async_block_till_done()

    assert sorted(body["numbers"] for body in send_requests(mock_api)) == [
        RECIPIENT_NUMBER,
        BOB_NUMBER,
    ]


async def test_legacy_notify_renewed_after_reload(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the account's and the recipient's services send once each after a reload."""
    await setup_integration(hass, mock_config_entry)

    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
    )

    assert send_requests(mock_api) == [
        {"numbers": BOB_NUMBER, "message": "Hello"},
        {"numbers": RECIPIENT_NUMBER, "message": "Hi"},
    ]


async def test_legacy_notify_follows_recipients(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test adding or removing a recipient adds or removes its legacy service."""
    await setup_integration(hass, mock_config_entry)

    hass.config_entries.async_add_subentry(
        mock_config_entry, recipient("Bob", BOB_NUMBER)
    )
    await hass.async_block_till_done()

    assert has_notify_service(hass, ALICE_SERVICE)
    await hass.services.async_call(
        NOTIFY_DOMAIN, BOB_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )
    assert send_requests(mock_api) == [{"numbers": BOB_NUMBER, "message": "Hello"}]

    hass.config_entries.async_remove_subentry(mock_config_entry, RECIPIENT_SUBENTRY_ID)
    await hass.async_block_till_done()

    assert not has_notify_service(hass, ALICE_SERVICE)
    assert has_notify_service(hass, BOB_SERVICE)
    assert has_notify_service(hass, LEGACY_SERVICE)


async def test_legacy_notify_renamed_account(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test renaming the account renames its legacy services."""
    await setup_integration(hass, mock_config_entry)

    hass.config_entries.async_update_entry(mock_config_entry, title="Home SMS")
    await hass.async_block_till_done()

    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "home_sms",
        {ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER},
        blocking=True,
    )
    await hass.services.async_call(
        NOTIFY_DOMAIN, "home_sms_alice", {ATTR_MESSAGE: "Hi"}, blocking=True
    )
    assert [body["numbers"] for body in send_requests(mock_api)] == [
        BOB_NUMBER,
        RECIPIENT_NUMBER,
    ]


async def test_legacy_notify_unload_and_setup(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the legacy services go with an unload and come back with a setup."""
    await setup_integration(hass, mock_config_entry)

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    with pytest.raises(ServiceNotFound):
        await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER})

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
    )
    assert [body["numbers"] for body in send_requests(mock_api)] == [
        BOB_NUMBER,
        RECIPIENT_NUMBER,
    ]


async def test_legacy_notify_removed_with_entry(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the legacy services are removed with the account."""
    await setup_integration(hass, mock_config_entry)

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    with pytest.raises(ServiceNotFound):
        await hass.services.async_call(
            NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
        )
    assert not send_requests(mock_api)


@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.usefixtures("mock_api")
async def test_legacy_notify_kept_when_unload_fails(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test the legacy services stay when the account's entities fail to unload."""
    await setup_integration(hass, mock_config_entry)

    with patch.object(
        hass.config_entries, "async_unload_platforms", AsyncMock(return_value=False)
    ):
        assert not await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert mock_config_entry.state is ConfigEntryState.FAILED_UNLOAD
    assert has_notify_service(hass, LEGACY_SERVICE)
    assert has_notify_service(hass, ALICE_SERVICE)
    # They say why they cannot send rather than sending through a half-unloaded account.
    with pytest.raises(ServiceValidationError) as exc_info:
        await hass.services.async_call(
            NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
        )
    assert exc_info.value.translation_key == "service_config_entry_not_loaded"


async def test_legacy_notify_two_accounts(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test each account has its own legacy services, which go only with that account.

    The services of an account that is unloaded stay gone while the other account
    is reloaded or unloaded, and come back with the account.
    """
    await setup_integration(hass, mock_config_entry)

    other = other_account()
    await setup_integration(hass, other)

    await hass.services.async_call(
        NOTIFY_DOMAIN, OTHER_BOB_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
    )
    assert send_tokens(mock_api) == [f"Bearer {OTHER_TOKEN}"]

    assert await hass.config_entries.async_unload(other.entry_id)
    assert not has_notify_service(hass, OTHER_SERVICE)
    assert not has_notify_service(hass, OTHER_BOB_SERVICE)
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
    )
    assert send_tokens(mock_api)[1:] == [f"Bearer {TOKEN}"] * 2

    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert has_notify_service(hass, LEGACY_SERVICE)
    assert has_notify_service(hass, ALICE_SERVICE)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    assert not has_notify_service(hass, OTHER_SERVICE)
    assert not has_notify_service(hass, OTHER_BOB_SERVICE)

    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        OTHER_SERVICE,
        {ATTR_MESSAGE: "Hello", ATTR_TARGET: RECIPIENT_NUMBER},
        blocking=True,
    )
    await hass.services.async_call(
        NOTIFY_DOMAIN, OTHER_BOB_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
    )
    assert send_tokens(mock_api)[3:] == [f"Bearer {OTHER_TOKEN}"] * 2
    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)


async def test_legacy_notify_same_title(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test two accounts whose titles give the same service name share the names.

    The account set up first keeps ``notify.<name>``; a recipient service of the same
    name sends for the account set up last; unloading either account removes the
    names they share.
    """
    await setup_integration(hass, mock_config_entry)

    other = other_account(title="SMS service center!", recipient_name="Alice")
    await setup_integration(hass, other)

    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hi"}, blocking=True
    )
    assert send_tokens(mock_api) == [f"Bearer {TOKEN}", f"Bearer {OTHER_TOKEN}"]
    assert [body["numbers"] for body in send_requests(mock_api)] == [BOB_NUMBER] * 2

    assert await hass.config_entries.async_unload(other.entry_id)

    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_legacy_notify_name_of_other_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test service names another integration also uses are removed with the account.

    The other integration keeps the account's name; a recipient's name is the
    account's until the account unloads.
    """
    calls: list[ServiceCall] = []

    async def other_service(call: ServiceCall) -> None:
        calls.append(call)

    for service in (LEGACY_SERVICE, ALICE_SERVICE):
        hass.services.async_register(NOTIFY_DOMAIN, service, other_service)
    await setup_integration(hass, mock_config_entry)

    for service in (LEGACY_SERVICE, ALICE_SERVICE):
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            service,
            {ATTR_MESSAGE: "Hello", ATTR_TARGET: BOB_NUMBER},
            blocking=True,
        )
    assert [call.service for call in calls] == [LEGACY_SERVICE]
    assert [body["numbers"] for body in send_requests(mock_api)] == [RECIPIENT_NUMBER]

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)


async def test_legacy_notify_recipients_named_alike(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test of recipients whose names give one service name, the last one added has it."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_add_subentry(
        mock_config_entry, recipient("alice!", BOB_NUMBER)
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )

    assert [body["numbers"] for body in send_requests(mock_api)] == [BOB_NUMBER]


@pytest.mark.usefixtures("mock_api")
async def test_legacy_notify_account_unloaded_before_discovery(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test an account unloaded before its discovery comes through gets no services.

    Its next setup discovers the platform again.
    """

    async def get_service_after_unload(
        hass: HomeAssistant,
        config: ConfigType,
        discovery_info: DiscoveryInfoType | None = None,
    ) -> BaseNotificationService | None:
        assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
        return await async_get_service(hass, config, discovery_info)

    with patch(GET_SERVICE, get_service_after_unload):
        await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)


@pytest.mark.usefixtures("mock_api")
async def test_legacy_notify_account_unloaded_while_service_is_set_up(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Test an account unloaded while notify sets its service up loses the services.

    Notify registers them after that: they are removed once it did.
    """

    async def unload_after_get_service(
        hass: HomeAssistant,
        config: ConfigType,
        discovery_info: DiscoveryInfoType | None = None,
    ) -> BaseNotificationService | None:
        service = await async_get_service(hass, config, discovery_info)
        assert service is not None
        hass.async_create_task(
            hass.config_entries.async_unload(mock_config_entry.entry_id)
        )
        return service

    with patch(GET_SERVICE, unload_after_get_service):
        await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)


async def test_legacy_notify_not_from_yaml(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Test the platform offers no legacy service from YAML, only with an account."""
    assert await async_setup_component(
        hass, NOTIFY_DOMAIN, {NOTIFY_DOMAIN: [{"platform": DOMAIN, "name": "sms"}]}
    )
    await hass.async_block_till_done()

    assert not has_notify_service(hass, "sms")
    assert "Failed to initialize notification service smsservicecenter" in caplog.text
