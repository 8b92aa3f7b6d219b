"""Notify platform for SMS Service Center: recipient entities and legacy notify services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, override

from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import (
    ATTR_DATA,
    ATTR_TARGET,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    NOTIFY_SERVICE_SCHEMA,
    SERVICE_NOTIFY,
    NotifyEntityFeature,
)
from homeassistant.components.notify.legacy import (
    CONF_FIELDS,
    NOTIFY_SERVICES,
    BaseNotificationService,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_DESCRIPTION, CONF_NAME
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.util import slugify

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
    """Return the legacy notify services of the account that discovered this platform.

    None when the account was unloaded again before the discovery came through: its
    next setup discovers the platform again.
    """
    if discovery_info is None:
        return None
    entry_id: str = discovery_info[ATTR_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return None
    return SmsServiceCenterNotificationService(entry_id)


async def async_unload_legacy_notify_service(
    hass: HomeAssistant, entry_id: str
) -> None:
    """Remove the legacy notify services of an account that is unloaded.

    Setting the account up again (a reload) discovers the platform again, which
    registers new services for the recipients it has then. The other accounts try
    again to register the names they were missing, so one that has the same title
    takes the freed names over.
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
    """The legacy notify services of an account.

    ``notify.<name>`` sends to the phone numbers in ``target``. For each recipient
    there is also ``notify.<name>_<recipient>``, with the target fixed: callers that
    pass no target, such as ``alert``, can use those. ``<name>`` is the account's
    title when the platform was discovered, slugified.

    A name that is already taken (by another account with the same title, by a
    recipient of this account whose name slugifies the same, or by a service of
    another integration) is left to whoever has it, with a warning: this service
    only ever removes the services it registered itself. When an account is
    unloaded, the others try again to register the names they are missing.

    Home Assistant keeps the service object registered until it is unregistered, so
    the account is looked up by its config entry ID at every send, not kept.
    """

    def __init__(self, entry_id: str) -> None:
        """Initialize the service for the account with this config entry ID."""
        self.entry_id = entry_id
        self._owns_service = False
        self._warned: set[str] = set()
        """The taken service names that were already warned about."""

    @property
    @override
    def targets(self) -> dict[str, str]:
        """Return the phone number of each recipient of the account, by its name.

        Of two recipients with the same name, the first one is kept.
        """
        targets: dict[str, str] = {}
        for name, phone_number in self._recipients():
            targets.setdefault(name, phone_number)
        return targets

    def _recipients(self) -> list[tuple[str, str]]:
        """Return the name and phone number of each recipient of the account.

        Read from the account whenever the services are registered, so a reload
        (which follows adding, changing or removing a recipient) brings them up to
        date. Empty while the account is not loaded.
        """
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return []
        return [
            (subentry.title, subentry.data[CONF_PHONE_NUMBER])
            for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_RECIPIENT)
        ]

    @override
    async def async_register_services(self) -> None:
        """Register the account's service and its recipients' services, if free.

        The platform is discovered once the account's setup is done, so by then the
        account is loaded and its recipients are known.
        """
        if not self._owns_service:
            if self.hass.services.has_service(NOTIFY_DOMAIN, self._service_name):
                self._warn_once(
                    self._service_name,
                    "rename the account to get a legacy notify service of its own",
                )
            else:
                self._async_register_service(self._service_name)
                self._owns_service = True

        wanted: dict[str, tuple[str, str]] = {}
        for name, phone_number in self._recipients():
            service_name = slugify(f"{self._target_service_name_prefix}_{name}")
            if service_name in wanted:
                # Recipients named alike ("Alice" and "alice"): the first one has it.
                self._warn_once(
                    service_name,
                    f"rename recipient {name}, whose name gives the same service "
                    "name as another recipient's",
                )
                continue
            wanted[service_name] = (name, phone_number)

        for stale in set(self.registered_targets) - set(wanted):
            del self.registered_targets[stale]
            self.hass.services.async_remove(NOTIFY_DOMAIN, stale)
        for service_name, (name, phone_number) in wanted.items():
            if service_name not in self.registered_targets:
                if self.hass.services.has_service(NOTIFY_DOMAIN, service_name):
                    self._warn_once(
                        service_name,
                        f"rename recipient {name} or the account "
                        "to get a legacy notify service for the recipient",
                    )
                    continue
                self._async_register_service(service_name)
            self.registered_targets[service_name] = phone_number

    @override
    async def async_unregister_services(self) -> None:
        """Remove the services that this account registered, and no others."""
        for service_name in list(self.registered_targets):
            del self.registered_targets[service_name]
            self.hass.services.async_remove(NOTIFY_DOMAIN, service_name)
        if self._owns_service:
            self.hass.services.async_remove(NOTIFY_DOMAIN, self._service_name)
            self._owns_service = False

    def _async_register_service(self, service_name: str) -> None:
        """Register one legacy notify service with the description of notify.notify."""
        self.hass.services.async_register(
            NOTIFY_DOMAIN,
            service_name,
            self._async_notify_message_service,
            schema=NOTIFY_SERVICE_SCHEMA,
        )
        async_set_service_schema(
            self.hass,
            NOTIFY_DOMAIN,
            service_name,
            {
                CONF_NAME: f"Send a notification with {service_name}",
                CONF_DESCRIPTION: (
                    f"Sends a notification message using the {service_name} service."
                ),
                CONF_FIELDS: self.services_dict[SERVICE_NOTIFY][CONF_FIELDS],
            },
        )

    def _warn_once(self, service_name: str, advice: str) -> None:
        """Warn, once per name, that a service name is taken and what to do about it."""
        if service_name in self._warned:
            return
        self._warned.add(service_name)
        LOGGER.warning(
            '%s.%s already exists, so SMS Service Center account "%s" does not '
            "register it; %s",
            NOTIFY_DOMAIN,
            service_name,
            self._target_service_name_prefix,
            advice,
        )

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
