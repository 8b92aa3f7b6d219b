"""Text entity for the default sender name of an SMS Service Center account."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmsServiceCenterConfigEntry
from .api import MAX_SENDNAME_LENGTH, SENDNAME_PATTERN, SmsServiceCenterError
from .entity import SmsServiceCenterEntity
from .errors import api_error_to_home_assistant_error

PARALLEL_UPDATES = 1

SENDNAME = TextEntityDescription(
    key="sendname",
    translation_key="sendname",
    entity_category=EntityCategory.CONFIG,
    mode=TextMode.TEXT,
    native_min=1,
    native_max=MAX_SENDNAME_LENGTH,
    pattern=SENDNAME_PATTERN.pattern,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sendname text entity of an account."""
    async_add_entities(
        [SmsServiceCenterSendnameEntity(entry.runtime_data.coordinator, SENDNAME)]
    )


class SmsServiceCenterSendnameEntity(SmsServiceCenterEntity, TextEntity):
    """The sender name used when a send names none; editing it changes the account."""

    @property
    def native_value(self) -> str:
        """Return the current default sendname."""
        return self.coordinator.data.sendname

    async def async_set_value(self, value: str) -> None:
        """Change the account's default sendname."""
        try:
            await self.coordinator.async_set_sendname(value)
        except SmsServiceCenterError as err:
            raise api_error_to_home_assistant_error(
                self.hass, self.coordinator.config_entry, err
            ) from err
