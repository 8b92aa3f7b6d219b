"""Notify platform for SMS Service Center: recipient entities and legacy notify services."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.notify import (
    ATTR_DATA,
    ATTR_TARGET,
    ATTR_TITLE,
    BaseNotificationService,
    NotifyEntity,
    NotifyEntityFeature,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.service import async_get_config_entry

from .const import (
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DOMAIN,
    MANUFACTURER,
    SUBENTRY_TYPE_RECIPIENT,
)
from .coordinator import SmsServiceCenterConfigEntry
from .entity import account_device_info
from .send import async_send_sms, format_message

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType


ATTR_ENTRY_ID = "entry_id"

# Sends go out concurrently: the send path's credit ledger and daily limit keep them
# within the account's credits, for the actions and the legacy service too. A
# platform-wide limit would only make recipients wait for each other.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up one notify entity per recipient of an account, following its recipients."""
    # The recipients' devices are linked to the account's device, which the other
    # platforms may not have registered yet: make sure it exists.
    account_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **account_device_info(entry)
    )
    recipients = RecipientEntities(account_device.id, async_add_entities)
    await recipients.async_update(hass, entry)
    entry.async_on_unload(entry.add_update_listener(recipients.async_update))


class RecipientEntities:
    """The notify entities of an account's recipients, kept in step with its subentries."""

    # A recipient added gets its entity, one changed gets a new one, without a
    # reload of the account. Home Assistant itself removes the entity and device
    # of a recipient that is removed.

    def __init__(
        self,
        account_device_id: str,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Start with no entities."""
        self._account_device_id = account_device_id
        self._async_add_entities = async_add_entities
        self._entities: dict[str, SmsServiceCenterNotifyEntity] = {}

    async def async_update(
        self, hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
    ) -> None:
        """Add an entity for each new or changed recipient; drop the removed ones."""
        entities: dict[str, SmsServiceCenterNotifyEntity] = {}
        replaced: list[SmsServiceCenterNotifyEntity] = []
        added: list[SmsServiceCenterNotifyEntity] = []
        for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_RECIPIENT):
            entity = self._entities.get(subentry.subentry_id)
            if entity is None or not entity.is_for(subentry):
                if entity is not None:
                    replaced.append(entity)
                entity = SmsServiceCenterNotifyEntity(
                    entry, subentry, self._account_device_id
                )
                added.append(entity)
            entities[subentry.subentry_id] = entity
        self._entities = entities
        for entity in replaced:
            await entity.async_remove()
        for entity in added:
            self._async_add_entities([entity], config_subentry_id=entity.subentry_id)


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
        self.subentry_id = subentry.subentry_id
        self._title = subentry.title
        self._data = subentry.data
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

    def is_for(self, subentry: ConfigSubentry) -> bool:
        """Return whether this entity is for the recipient as it is now."""
        return subentry.title == self._title and subentry.data == self._data

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
    # Its notify services are removed when the account has unloaded (Home Assistant
    # runs the on-unload callbacks only after a successful unload); a reload sets the
    # account up again, which discovers the platform again. Meanwhile the recipients'
    # services follow the account's recipients. None for YAML, as the service comes
    # with an account, and when the account was unloaded before the discovery came
    # through: its next setup discovers the platform again.
    if discovery_info is None:
        return None
    entry: SmsServiceCenterConfigEntry | None = hass.config_entries.async_get_entry(
        discovery_info[ATTR_ENTRY_ID]
    )
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return None
    service = SmsServiceCenterNotificationService(entry)
    entry.async_on_unload(service.async_remove_services)
    entry.async_on_unload(entry.add_update_listener(service.async_update_recipients))
    return service


class SmsServiceCenterNotificationService(BaseNotificationService):
    """The legacy notify services of an account."""

    # ``notify.<name>`` sends to the phone numbers in ``target``. Each recipient also
    # gets ``notify.<name>_<recipient>``, with the target fixed, for callers that pass
    # no target, such as ``alert``. ``<name>`` is the account's title, slugified.
    # Home Assistant keeps the service object after the account is unloaded, so the
    # account is looked up by its config entry ID at every send, not kept.

    def __init__(self, entry: SmsServiceCenterConfigEntry) -> None:
        """Initialize the service with the account's recipients as they are now."""
        self.entry_id = entry.entry_id
        self._recipients = _recipient_numbers(entry)
        self._set_up = asyncio.Event()

    @property
    @override
    def targets(self) -> dict[str, str]:
        """Return the phone number of each recipient, by the recipient's name."""
        return self._recipients

    @override
    async def async_setup(
        self,
        hass: HomeAssistant,
        service_name: str,
        target_service_name_prefix: str,
    ) -> None:
        """Set the service up; notify registers its services right after this."""
        try:
            await super().async_setup(hass, service_name, target_service_name_prefix)
        finally:
            # Also when it failed, so that removing the services never waits for ever.
            self._set_up.set()

    async def async_update_recipients(
        self, hass: HomeAssistant, entry: SmsServiceCenterConfigEntry
    ) -> None:
        """Add, change and remove the recipients' services as the account's recipients changed."""
        self._recipients = _recipient_numbers(entry)
        # Notify registers the services once it has set the service up.
        await self._set_up.wait()
        await self.async_register_services()

    async def async_remove_services(self) -> None:
        """Remove the notify services of the account, which has unloaded."""
        # The account can unload while notify is still setting this service up (it
        # reads the service descriptions in the executor first), so wait until it is
        # set up: by the time this resumes, notify has registered the services.
        await self._set_up.wait()
        await self.async_unregister_services()

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
        entry: SmsServiceCenterConfigEntry = async_get_config_entry(
            self.hass, DOMAIN, self.entry_id
        )
        await async_send_sms(
            self.hass,
            entry,
            targets,
            format_message(message, kwargs.get(ATTR_TITLE)),
            None if sendname in (None, "") else str(sendname),
        )


def _recipient_numbers(entry: SmsServiceCenterConfigEntry) -> dict[str, str]:
    """Return the phone number of each recipient of an account, by the recipient's name."""
    return {
        subentry.title: subentry.data[CONF_PHONE_NUMBER]
        for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_RECIPIENT)
    }
