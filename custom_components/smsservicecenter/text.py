"""Text entity for the default sender name of an SMS Service Center account."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SENDNAME_PATTERN, SmsServiceCenterError
from .const import LOGGER
from .coordinator import SmsServiceCenterConfigEntry, SmsServiceCenterCoordinator
from .entity import SmsServiceCenterEntity
from .errors import async_start_reauth_if_refused, translate_error
from .send import validate_sendname

PARALLEL_UPDATES = 1

# The frontend and Home Assistant's text.set_value check new values against
# these rules. Home Assistant also refuses to write a state that breaks them, so a
# current sendname that does (the provider allows spaces, accents and longer
# names) is shown as unknown.
SENDNAME = TextEntityDescription(
    key="sendname",
    translation_key="sendname",
    entity_category=EntityCategory.CONFIG,
    mode=TextMode.TEXT,
    native_min=1,
    native_max=11,
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

    def __init__(
        self,
        coordinator: SmsServiceCenterCoordinator,
        description: TextEntityDescription,
    ) -> None:
        """Initialize the entity with the account's current sendname."""
        super().__init__(coordinator, description)
        self._sendname: str | None = None
        self._update_native_value()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Take the account's sendname from the coordinator's new data."""
        self._update_native_value()
        super()._handle_coordinator_update()

    def _update_native_value(self) -> None:
        """Show the account's sendname; unknown when there is none or it breaks the rules.

        A sendname that breaks the rules is logged once, not at every poll.
        """
        sendname = self.coordinator.data.sendname or None
        shown = sendname
        if sendname is not None and not SENDNAME_PATTERN.fullmatch(sendname):
            if sendname != self._sendname:
                LOGGER.debug(
                    "The account's default sender name %r is not 1 to 11 letters "
                    "and digits, so the text entity shows it as unknown",
                    sendname,
                )
            shown = None
        self._sendname = sendname
        self._attr_native_value = shown

    async def async_set_value(self, value: str) -> None:
        """Change the account's default sendname after checking it.

        When the change is refused, the state is written again before raising,
        so it shows the account's sendname rather than the refused value.
        """
        try:
            validate_sendname(value)
            await self.coordinator.async_set_sendname(value)
        except ServiceValidationError:
            self.async_write_ha_state()
            raise
        except SmsServiceCenterError as err:
            self.async_write_ha_state()
            async_start_reauth_if_refused(self.hass, self.coordinator.config_entry, err)
            raise translate_error(err) from err
