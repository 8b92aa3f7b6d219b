"""Tests for the SMS Service Center notify entities and legacy notify service."""

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
)
from homeassistant.components.notify.legacy import NOTIFY_SERVICES
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_API_TOKEN,
    CONF_NAME,
    CONF_URL,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
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
from custom_components.smsservicecenter.notify import (
    SmsServiceCenterNotificationService,
    async_get_service,
)

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
    setup_integration,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant, ServiceCall
    from homeassistant.helpers import device_registry as dr, entity_registry as er
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


def legacy_services(hass: HomeAssistant) -> list[Any]:
    """Return the legacy notify service objects of the integration."""
    return list(hass.data[NOTIFY_SERVICES].get(DOMAIN, []))


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


@pytest.mark.usefixtures("mock_api")
async def test_notify_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test each recipient is a notify entity."""
    await setup_integration(hass, mock_config_entry, Platform.NOTIFY)

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_recipient_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Test each recipient has a device of its own, linked to the account's device."""
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


@pytest.mark.usefixtures("init_integration")
async def test_send_message(hass: HomeAssistant, mock_api: AiohttpClientMocker) -> None:
    """Test notify.send_message texts the recipient with its sendname."""
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


@pytest.mark.usefixtures("init_integration")
async def test_send_message_with_title(
    hass: HomeAssistant, mock_api: AiohttpClientMocker
) -> None:
    """Test the title is put before the message on its own line."""
    await send_message(hass, **{ATTR_MESSAGE: "Door open", ATTR_TITLE: "Alarm"})

    assert [body["message"] for body in send_requests(mock_api)] == ["Alarm\nDoor open"]


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
@pytest.mark.usefixtures("init_integration")
async def test_send_message_empty(
    hass: HomeAssistant, mock_api: AiohttpClientMocker, message: str
) -> None:
    """Test an empty message is refused even with a title, and nothing is sent."""
    with (
        assert_no_requests(mock_api),
        pytest.raises(ServiceValidationError, match="The message is empty") as exc_info,
    ):
        await send_message(hass, **{ATTR_MESSAGE: message, ATTR_TITLE: "Alarm"})

    assert exc_info.value.translation_key == "empty_message"


@pytest.mark.usefixtures("init_integration")
async def test_send_message_api_error(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Test the provider's error is raised to the caller."""
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
@pytest.mark.usefixtures("init_integration")
async def test_legacy_notify(
    hass: HomeAssistant,
    mock_api: AiohttpClientMocker,
    data: dict[str, Any],
    sendname: dict[str, str],
) -> None:
    """Test the legacy service sends to one number given as target, with its sendname."""
    await notify_legacy(
        hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"} | data
    )

    assert send_requests(mock_api) == [
        {"numbers": RECIPIENT_NUMBER, "message": "Hello"} | sendname
    ]


@pytest.mark.usefixtures("init_integration")
async def test_legacy_notify_target_list(
    hass: HomeAssistant, mock_api: AiohttpClientMocker
) -> None:
    """Test a list of targets is one request, with title and sendname."""
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
@pytest.mark.usefixtures("init_integration")
async def test_legacy_notify_invalid(
    hass: HomeAssistant,
    mock_api: AiohttpClientMocker,
    data: dict[str, Any],
    translation_key: str,
) -> None:
    """Test bad input to the legacy service raises a translated error, sending nothing."""
    with (
        assert_no_requests(mock_api),
        pytest.raises(ServiceValidationError) as exc_info,
    ):
        await notify_legacy(hass, **{ATTR_MESSAGE: "Hello"} | data)

    assert exc_info.value.translation_key == translation_key


async def test_legacy_notify_after_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the legacy service keeps working after the account is reloaded."""
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})

    assert len(send_requests(mock_api)) == 1
    assert len(legacy_services(hass)) == 1


async def test_legacy_notify_unload_and_setup(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the legacy service goes with an unload and comes back with a setup."""
    service = legacy_services(hass)[0]

    await hass.config_entries.async_unload(init_integration.entry_id)
    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    assert legacy_services(hass) == []
    assert service.targets == {}

    with pytest.raises(ServiceValidationError, match="is not loaded") as exc_info:
        await service.async_send_message("Hello", target=["0612345678"])
    assert exc_info.value.translation_key == "entry_not_loaded"

    await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )
    assert len(send_requests(mock_api)) == 2


async def test_legacy_notify_removed_with_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the legacy service is removed with the account."""
    service = legacy_services(hass)[0]

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)
    assert legacy_services(hass) == []
    assert service.targets == {}
    with pytest.raises(ServiceValidationError) as exc_info:
        await service.async_send_message("Hello", target=["0612345678"])
    assert exc_info.value.translation_key == "entry_not_found"
    assert send_requests(mock_api) == []


async def test_legacy_notify_same_title(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test a second account with the same title waits for the service names.

    That goes for the account's service and for a recipient with the same name.
    Reloading the waiting account leaves the services with the first; unloading the
    first hands them over.
    """
    other = MockConfigEntry(
        domain=DOMAIN,
        title=init_integration.title,
        entry_id=OTHER_ENTRY_ID,
        data={CONF_API_TOKEN: OTHER_TOKEN, CONF_URL: BASE_URL},
        options={CONF_DEFAULT_COUNTRY: "NL"},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_NAME: "Alice", CONF_PHONE_NUMBER: BOB_NUMBER},
                subentry_type=SUBENTRY_TYPE_RECIPIENT,
                title="Alice",
                unique_id=BOB_NUMBER,
            )
        ],
    )
    await setup_integration(hass, other)
    assert (
        "notify.sms_service_center already exists, so SMS Service Center account "
        '"SMS Service Center" does not register it; rename the account'
    ) in caplog.text
    assert (
        "notify.sms_service_center_alice already exists, so SMS Service Center "
        'account "SMS Service Center" does not register it; rename recipient Alice '
        "or the account"
    ) in caplog.text

    await hass.config_entries.async_reload(other.entry_id)
    await hass.async_block_till_done()
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )
    assert send_tokens(mock_api) == [f"Bearer {TOKEN}"] * 2
    assert [body["numbers"] for body in send_requests(mock_api)] == [
        RECIPIENT_NUMBER
    ] * 2

    await hass.config_entries.async_unload(init_integration.entry_id)
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )
    assert send_tokens(mock_api)[2:] == [f"Bearer {OTHER_TOKEN}"] * 2
    assert [body["numbers"] for body in send_requests(mock_api)][2:] == [
        RECIPIENT_NUMBER,
        BOB_NUMBER,
    ]

    await hass.config_entries.async_unload(other.entry_id)
    assert not has_notify_service(hass, LEGACY_SERVICE)
    assert not has_notify_service(hass, ALICE_SERVICE)


async def test_legacy_notify_name_of_other_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test service names another integration has are left to it, with one warning.

    Unloading the account does not remove them.
    """
    calls: list[ServiceCall] = []

    async def other_service(call: ServiceCall) -> None:
        calls.append(call)

    for service in (LEGACY_SERVICE, ALICE_SERVICE):
        hass.services.async_register(NOTIFY_DOMAIN, service, other_service)

    await setup_integration(hass, mock_config_entry)

    assert (
        "notify.sms_service_center already exists, so SMS Service Center account "
        '"SMS Service Center" does not register it; rename the account to get a '
        "legacy notify service of its own"
    ) in caplog.text
    assert (
        "notify.sms_service_center_alice already exists, so SMS Service Center "
        'account "SMS Service Center" does not register it; rename recipient Alice '
        "or the account to get a legacy notify service for the recipient"
    ) in caplog.text
    assert "Another SMS Service Center account" not in caplog.text
    for service in (LEGACY_SERVICE, ALICE_SERVICE):
        await hass.services.async_call(
            NOTIFY_DOMAIN, service, {ATTR_MESSAGE: "Hello"}, blocking=True
        )
    assert len(calls) == 2
    assert send_requests(mock_api) == []

    # Trying again, as after another account is unloaded, warns no more.
    caplog.clear()
    await legacy_services(hass)[0].async_register_services()
    assert "already exists" not in caplog.text

    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert has_notify_service(hass, LEGACY_SERVICE)
    assert has_notify_service(hass, ALICE_SERVICE)


@pytest.mark.usefixtures("init_integration")
async def test_legacy_notify_recipient_service(
    hass: HomeAssistant, mock_api: AiohttpClientMocker
) -> None:
    """Test each recipient has a legacy service with its number as the target.

    Callers that give no target, such as alert, can send with it; a target given
    is ignored.
    """
    service = legacy_services(hass)[0]
    assert service.targets == {"Alice": RECIPIENT_NUMBER}

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


@pytest.mark.usefixtures("init_integration")
async def test_legacy_notify_alert(
    hass: HomeAssistant, mock_api: AiohttpClientMocker
) -> None:
    """Test an alert sends through a recipient's legacy service."""
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


async def test_legacy_notify_recipient_services_follow_recipients(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test adding or removing a recipient adds or removes its legacy service."""
    hass.config_entries.async_add_subentry(
        init_integration, recipient("Bob", BOB_NUMBER)
    )
    await hass.async_block_till_done()

    assert has_notify_service(hass, ALICE_SERVICE)
    assert has_notify_service(hass, BOB_SERVICE)
    await hass.services.async_call(
        NOTIFY_DOMAIN, BOB_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )
    assert send_requests(mock_api) == [{"numbers": BOB_NUMBER, "message": "Hello"}]

    hass.config_entries.async_remove_subentry(init_integration, RECIPIENT_SUBENTRY_ID)
    await hass.async_block_till_done()

    assert not has_notify_service(hass, ALICE_SERVICE)
    assert has_notify_service(hass, BOB_SERVICE)
    assert has_notify_service(hass, LEGACY_SERVICE)
    assert legacy_services(hass)[0].targets == {"Bob": BOB_NUMBER}


async def test_legacy_notify_registering_again_follows_recipients(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Test registering the services again removes those of removed recipients.

    A change of recipients reloads the account, which sets the services up anew;
    registering them again without a reload brings them up to date too.
    """
    service = legacy_services(hass)[0]
    with patch.object(hass.config_entries, "async_reload", AsyncMock()):
        hass.config_entries.async_remove_subentry(
            init_integration, RECIPIENT_SUBENTRY_ID
        )
        await hass.async_block_till_done()
    assert has_notify_service(hass, ALICE_SERVICE)

    await service.async_register_services()

    assert not has_notify_service(hass, ALICE_SERVICE)
    assert has_notify_service(hass, LEGACY_SERVICE)


async def test_legacy_notify_recipients_named_alike(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Test of recipients whose names give one service name, the first gets it."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_add_subentry(
        mock_config_entry, recipient("Alice", BOB_NUMBER)
    )
    hass.config_entries.async_add_subentry(
        mock_config_entry, recipient("alice!", "+31611111111")
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert legacy_services(hass)[0].targets == {
        "Alice": RECIPIENT_NUMBER,
        "alice!": "+31611111111",
    }
    assert (
        'account "SMS Service Center" does not register it; rename recipient Alice, '
        "whose name gives the same service name as another recipient's"
    ) in caplog.text
    await hass.services.async_call(
        NOTIFY_DOMAIN, ALICE_SERVICE, {ATTR_MESSAGE: "Hello"}, blocking=True
    )
    assert [body["numbers"] for body in send_requests(mock_api)] == [RECIPIENT_NUMBER]


async def test_legacy_notify_needs_discovery(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Test the platform offers no legacy service from YAML, only from the account.

    An account that is unloaded again before its discovery comes through gets none.
    """
    discovery_info = {CONF_NAME: "x", "entry_id": ENTRY_ID}
    assert await async_get_service(hass, {}) is None
    assert isinstance(
        await async_get_service(hass, {}, discovery_info),
        SmsServiceCenterNotificationService,
    )

    await hass.config_entries.async_unload(init_integration.entry_id)

    assert await async_get_service(hass, {}, discovery_info) is None
