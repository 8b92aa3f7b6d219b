"""Tests for the SMS Service Center notify entities and legacy notify service."""

from typing import TYPE_CHECKING, Any

from homeassistant.components.notify import (
    ATTR_DATA,
    ATTR_MESSAGE,
    ATTR_TARGET,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
)
from homeassistant.components.notify.legacy import NOTIFY_SERVICES
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
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)

from custom_components.smsservicecenter.const import (
    CONF_DEFAULT_COUNTRY,
    CONF_PHONE_NUMBER,
    DOMAIN,
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
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import device_registry as dr, entity_registry as er
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from syrupy.assertion import SnapshotAssertion

ENTITY_ID = "notify.alice"
LEGACY_SERVICE = "sms_service_center"
OTHER_TOKEN = "other-token-0123456789"


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
    assert not hass.services.has_service(NOTIFY_DOMAIN, LEGACY_SERVICE)
    assert legacy_services(hass) == []

    with pytest.raises(ServiceValidationError, match="is not loaded") as exc_info:
        await service.async_send_message("Hello", target=["0612345678"])
    assert exc_info.value.translation_key == "entry_not_loaded"

    await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})
    assert len(send_requests(mock_api)) == 1


async def test_legacy_notify_removed_with_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test the legacy service is removed with the account."""
    service = legacy_services(hass)[0]

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert not hass.services.has_service(NOTIFY_DOMAIN, LEGACY_SERVICE)
    assert legacy_services(hass) == []
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
    """Test a second account with the same title waits for the service name.

    Reloading the waiting account leaves the service with the first; unloading the
    first hands the service over.
    """
    other = MockConfigEntry(
        domain=DOMAIN,
        title=init_integration.title,
        entry_id="01JSMSSERVICECENTER00000002",
        data={CONF_API_TOKEN: OTHER_TOKEN, CONF_URL: BASE_URL},
        options={CONF_DEFAULT_COUNTRY: "NL"},
    )
    other.add_to_hass(hass)
    await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    assert "already provides notify.sms_service_center" in caplog.text

    await hass.config_entries.async_reload(other.entry_id)
    await hass.async_block_till_done()
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})
    assert send_tokens(mock_api) == [f"Bearer {TOKEN}"]

    await hass.config_entries.async_unload(init_integration.entry_id)
    await notify_legacy(hass, **{ATTR_MESSAGE: "Hello", ATTR_TARGET: "0612345678"})
    assert send_tokens(mock_api) == [f"Bearer {TOKEN}", f"Bearer {OTHER_TOKEN}"]

    await hass.config_entries.async_unload(other.entry_id)
    assert not hass.services.has_service(NOTIFY_DOMAIN, LEGACY_SERVICE)


async def test_legacy_notify_needs_discovery(hass: HomeAssistant) -> None:
    """Test the platform offers no legacy service from YAML, only from the account."""
    assert await async_get_service(hass, {}) is None
    assert isinstance(
        await async_get_service(hass, {}, {CONF_NAME: "x", "entry_id": ENTRY_ID}),
        SmsServiceCenterNotificationService,
    )
