"""Base entity for the SMS Service Center integration."""

from __future__ import annotations

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONFIGURATION_URL, DOMAIN, MANUFACTURER
from .coordinator import SmsServiceCenterConfigEntry, SmsServiceCenterCoordinator


def account_device_info(entry: SmsServiceCenterConfigEntry) -> DeviceInfo:
    """Return the service device of an account, which its entities and recipients hang off."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=MANUFACTURER,
        name=entry.title,
        configuration_url=CONFIGURATION_URL,
    )


class SmsServiceCenterEntity(CoordinatorEntity[SmsServiceCenterCoordinator]):
    """An entity on the service device of one SMS Service Center account."""

    # It writes its state only when what it shows changed: the coordinator tells
    # every entity of each send, which changes only a few of them.

    _attr_has_entity_name = True
    _shown: tuple[object, ...] | None = None

    def __init__(
        self,
        coordinator: SmsServiceCenterCoordinator,
        description: EntityDescription,
    ) -> None:
        """Initialize the entity from its description."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = account_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Remember what the entity shows as it is added (Home Assistant writes that)."""
        await super().async_added_to_hass()
        self._shown = self._async_shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state when what the entity shows changed."""
        shown = self._async_shown()
        if shown != self._shown:
            self._shown = shown
            super()._handle_coordinator_update()

    @callback
    def _async_shown(self) -> tuple[object, ...]:
        """Return what the entity shows: whether it is available, its state and attributes."""
        return self.available, self.state, self.state_attributes
