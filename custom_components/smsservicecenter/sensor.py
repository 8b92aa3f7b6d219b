"""Sensors of an SMS Service Center account: credits and sent-message history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmsServiceCenterConfigEntry
from .coordinator import AccountStatus
from .entity import SmsServiceCenterEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmsServiceCenterSensorEntityDescription(SensorEntityDescription):
    """Describes an SMS Service Center sensor."""

    value_fn: Callable[[AccountStatus], int | datetime | None]


SENSORS: tuple[SmsServiceCenterSensorEntityDescription, ...] = (
    SmsServiceCenterSensorEntityDescription(
        key="credits",
        translation_key="credits",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda status: status.credits,
    ),
    SmsServiceCenterSensorEntityDescription(
        key="messages_last_30_days",
        translation_key="messages_last_30_days",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda status: status.messages_last_30_days,
    ),
    SmsServiceCenterSensorEntityDescription(
        key="last_message_sent",
        translation_key="last_message_sent",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
        value_fn=lambda status: status.last_message_sent,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of an account."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        SmsServiceCenterSensorEntity(coordinator, description)
        for description in SENSORS
    )


class SmsServiceCenterSensorEntity(SmsServiceCenterEntity, SensorEntity):
    """A sensor showing one value of the account status."""

    entity_description: SmsServiceCenterSensorEntityDescription

    @property
    def native_value(self) -> int | datetime | None:
        """Return the current value."""
        return self.entity_description.value_fn(self.coordinator.data)
