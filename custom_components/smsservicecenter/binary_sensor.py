"""Binary sensor that tells when an SMS Service Center account runs low on credits."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsServiceCenterConfigEntry
from .entity import SmsServiceCenterEntity

PARALLEL_UPDATES = 0

LOW_CREDITS = BinarySensorEntityDescription(
    key="low_credits",
    translation_key="low_credits",
    device_class=BinarySensorDeviceClass.PROBLEM,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the low credits binary sensor of an account."""
    async_add_entities(
        [SmsServiceCenterLowCreditsEntity(entry.runtime_data.coordinator, LOW_CREDITS)]
    )


class SmsServiceCenterLowCreditsEntity(SmsServiceCenterEntity, BinarySensorEntity):
    """On while the balance is under the low credits threshold from the options."""

    @property
    def is_on(self) -> bool:
        """Return whether the account is low on credits."""
        return self.coordinator.data.credits < self.coordinator.low_credits_threshold
