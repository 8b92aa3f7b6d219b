"""Sensors of an SMS Service Center account: credits, daily usage and sent-message history."""

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
from homeassistant.util import dt as dt_util

from .const import HISTORY_SENSOR_KEYS
from .coordinator import AccountStatus, SmsServiceCenterConfigEntry
from .entity import SmsServiceCenterEntity, account_device_info
from .outbox import Outbox

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmsServiceCenterSensorEntityDescription(SensorEntityDescription):
    """Describes an SMS Service Center sensor."""

    value_fn: Callable[[AccountStatus], int | datetime | None]
    available_fn: Callable[[AccountStatus], bool] = lambda _status: True


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
        value_fn=lambda status: (
            status.history.messages_last_30_days if status.history else None
        ),
        available_fn=lambda status: status.history is not None,
    ),
    SmsServiceCenterSensorEntityDescription(
        key="last_message_sent",
        translation_key="last_message_sent",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
        value_fn=lambda status: (
            status.history.last_message_sent if status.history else None
        ),
        available_fn=lambda status: status.history is not None,
    ),
)

CREDITS_USED_TODAY = SensorEntityDescription(
    key="credits_used_today",
    translation_key="credits_used_today",
    state_class=SensorStateClass.TOTAL,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of an account."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            *(
                SmsServiceCenterSensorEntity(coordinator, description)
                for description in SENSORS
            ),
            SmsServiceCenterCreditsUsedTodaySensor(coordinator, CREDITS_USED_TODAY),
        ]
    )
    async_add_entities([SmsServiceCenterQueuedMessagesSensor(entry)])


class SmsServiceCenterSensorEntity(SmsServiceCenterEntity, SensorEntity):
    """A sensor showing one value of the account status."""

    entity_description: SmsServiceCenterSensorEntityDescription

    async def async_added_to_hass(self) -> None:
        """Have the account read the history while this sensor, if it shows it, is added."""
        await super().async_added_to_hass()
        if self.entity_description.key in HISTORY_SENSOR_KEYS:
            self.async_on_remove(self.coordinator.async_add_history_sensor())

    @property
    def available(self) -> bool:
        """Return whether the account and the value this sensor shows are known."""
        return super().available and self.entity_description.available_fn(
            self.coordinator.data
        )

    @property
    def native_value(self) -> int | datetime | None:
        """Return the current value."""
        return self.entity_description.value_fn(self.coordinator.data)


class SmsServiceCenterCreditsUsedTodaySensor(SmsServiceCenterEntity, SensorEntity):
    """The credits live sends used today, which the daily credit limit counts."""

    # Counted by the integration itself: known while the provider cannot be reached.
    # It starts again at 0 at midnight, in Home Assistant's time zone, when the
    # account starts the new day.

    @property
    def available(self) -> bool:
        """Return True: the count does not come from the provider."""
        return True

    @property
    def native_value(self) -> int:
        """Return the credits used today."""
        return self.coordinator.account.budget.daily.used

    @property
    def last_reset(self) -> datetime:
        """Return the start of the day the count is for: local midnight."""
        usage = self.coordinator.account.budget.daily
        return dt_util.start_of_local_day(usage.day)


QUEUED_MESSAGES = SensorEntityDescription(
    key="queued_messages",
    translation_key="queued_messages",
    state_class=SensorStateClass.MEASUREMENT,
)


class SmsServiceCenterQueuedMessagesSensor(SensorEntity):
    """The number of messages waiting in the account's outbox."""

    # Known without the API, so it stays available while the account cannot be
    # reached: that is when messages wait.

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description = QUEUED_MESSAGES

    def __init__(self, entry: SmsServiceCenterConfigEntry) -> None:
        """Initialize the sensor of an account's outbox."""
        self._outbox: Outbox = entry.runtime_data.account.outbox
        self._attr_unique_id = f"{entry.entry_id}_{QUEUED_MESSAGES.key}"
        self._attr_device_info = account_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the outbox."""
        await super().async_added_to_hass()
        self.async_on_remove(self._outbox.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> int:
        """Return how many messages wait."""
        return len(self._outbox.messages)
