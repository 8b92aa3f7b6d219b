"""Text entity for the default sender name of an SMS Service Center account."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmsServiceCenterConfigEntry
from .api import SmsServiceCenterError
from .entity import SmsServiceCenterEntity
from .errors import api_error_to_home_assistant_error
from .send import validate_sendname

PARALLEL_UPDATES = 1

# No native_min, native_max or pattern: Home Assistant refuses to write a state
# that breaks them, and the provider's current sendname may (it can contain
# spaces, accents or be longer than 11 characters). New values are checked in
# async_set_value instead, with a translated error.
SENDNAME = TextEntityDescription(
    key="sendname",
    translation_key="sendname",
    entity_category=EntityCategory.CONFIG,
    mode=TextMode.TEXT,
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
    def native_value(self) -> str | None:
        """Return the current default sendname; None (unknown) when there is none."""
        return self.coordinator.data.sendname or None

    async def async_set_value(self, value: str) -> None:
        """Change the account's default sendname after checking it."""
        validate_sendname(value)
        try:
            await self.coordinator.async_set_sendname(value)
        except SmsServiceCenterError as err:
            raise api_error_to_home_assistant_error(
                self.hass, self.coordinator.config_entry, err
            ) from err
