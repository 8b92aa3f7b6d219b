"""Notify platform for SMS Service Center: recipient entities and a legacy notify service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, override

from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import (
    ATTR_DATA,
    ATTR_TARGET,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    NotifyEntityFeature,
)
from homeassistant.components.notify.legacy import (
    NOTIFY_SERVICES,
    BaseNotificationService,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import (
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    SUBENTRY_TYPE_RECIPIENT,
)
from .entity import account_device_info
from .send import async_get_loaded_entry, async_send_sms, format_message

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

    from . import SmsServiceCenterConfigEntry

ATTR_ENTRY_ID = "entry_id"

# Sends are serialised per account by the send path (the account's send lock), which
# also covers the actions and the legacy service; a platform-wide limit would only make
# the recipients of one account wait for those of another.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up one notify entity per recipient of an account."""
    # The recipients' devices are linked to the account's device, which the other
    # platforms may not have registered yet: make sure it exists.
    account_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device_info(entry)
    )
    for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_RECIPIENT):
        async_add_entities(
            [SmsServiceCenterNotifyEntity(entry, subentry, account_device.id)],
            config_subentry_id=subentry.subentry_id,
        )


class SmsServiceCenterNotifyEntity(NotifyEntity):
    """Sends text messages to one recipient of an account."""

    _attr_has_entity_name = True
    _attr_name = None
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(
        self,
        entry: SmsServiceCenterConfigEntry,
        subentry: ConfigSubentry,
        account_device_id: str,
    ) -> None:
        """Initialize the entity of a recipient subentry."""
        self._entry = entry
        self._phone_number: str = subentry.data[CONF_PHONE_NUMBER]
        self._sendname: str | None = subentry.data.get(CONF_SENDNAME) or None
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, self._attr_unique_id)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer=MANUFACTURER,
            name=subentry.title,
            via_device_id=account_device_id,
        )

    @override
    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message, with the title on its own line before it, to the recipient."""
        await async_send_sms(
            self.hass,
            self._entry,
            [self._phone_number],
            format_message(message, title),
            self._sendname,
        )


async def async_get_service(
    hass: HomeAssistant,
    config: ConfigType,
    discovery_info: DiscoveryInfoType | None = None,
) -> SmsServiceCenterNotificationService | None:
    """Return the legacy notify service of the account that discovered this platform."""
    if discovery_info is None:
        return None
    return SmsServiceCenterNotificationService(discovery_info[ATTR_ENTRY_ID])


async def async_unload_legacy_notify_service(
    hass: HomeAssistant, entry_id: str
) -> None:
    """Remove the legacy notify service of an account that is unloaded.

    Setting the account up again (a reload) discovers the platform again, which
    registers a new service. When another account with the same title was waiting for
    the service name, it takes the name over.
    """
    services = hass.data.get(NOTIFY_SERVICES, {}).get(DOMAIN, [])
    for unloaded in [
        service
        for service in services
        if isinstance(service, SmsServiceCenterNotificationService)
        and service.entry_id == entry_id
    ]:
        services.remove(unloaded)
        await unloaded.async_unregister_services()
    for remaining in services:
        await remaining.async_register_services()


class SmsServiceCenterNotificationService(BaseNotificationService):
    """The legacy notify service of an account: `target` holds the phone numbers.

    Home Assistant keeps the service object registered until it is unregistered, so
    the account is looked up by its config entry ID at every send, not kept.
    """

    def __init__(self, entry_id: str) -> None:
        """Initialize the service for the account with this config entry ID."""
        self.entry_id = entry_id
        self._owns_service = False

    @override
    async def async_setup(
        self,
        hass: HomeAssistant,
        service_name: str,
        target_service_name_prefix: str,
    ) -> None:
        """Store the service name; warn when another account already uses it."""
        await super().async_setup(hass, service_name, target_service_name_prefix)
        if hass.services.has_service(NOTIFY_DOMAIN, service_name):
            LOGGER.warning(
                "Another SMS Service Center account already provides %s.%s; rename "
                "this account to get a notify service of its own",
                NOTIFY_DOMAIN,
                service_name,
            )

    @override
    async def async_register_services(self) -> None:
        """Register the service, unless another account already uses its name."""
        if self._owns_service or self.hass.services.has_service(
            NOTIFY_DOMAIN, self._service_name
        ):
            return
        await super().async_register_services()
        self._owns_service = True

    @override
    async def async_unregister_services(self) -> None:
        """Unregister the service, if it was this account that registered it."""
        if not self._owns_service:
            return
        await super().async_unregister_services()
        self._owns_service = False

    @override
    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send the message to the numbers in `target`."""
        targets: list[str] | None = kwargs.get(ATTR_TARGET)
        if not targets:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_target"
            )
        data: dict[str, Any] = kwargs.get(ATTR_DATA) or {}
        sendname = data.get(CONF_SENDNAME)
        entry = async_get_loaded_entry(self.hass, self.entry_id)
        await async_send_sms(
            self.hass,
            entry,
            targets,
            format_message(message, kwargs.get(ATTR_TITLE)),
            None if sendname in (None, "") else str(sendname),
        )
