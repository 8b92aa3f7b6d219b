"""Text entity for the default sender name of an SMS Service Center account."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SmsServiceCenterError
from .const import DOMAIN
from .coordinator import SmsServiceCenterConfigEntry, SmsServiceCenterCoordinator
from .entity import SmsServiceCenterEntity
from .errors import async_start_reauth_if_refused, translate_error
from .send import validate_sendname

PARALLEL_UPDATES = 1

# No pattern and no length rules of the text platform: Home Assistant would refuse
# a value breaking them with its own untranslated error (and log a traceback), and
# the frontend would cut a long value off at the maximum. async_set_value checks
# the value instead, with the integration's translated errors.
SENDNAME = TextEntityDescription(
    key="sendname",
    translation_key="sendname",
    entity_category=EntityCategory.CONFIG,
    mode=TextMode.TEXT,
)


def check_sendname(value: str) -> None:
    """Raise a translated error unless the value is a sendname; an empty one has its own."""
    if not value:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="sendname_required"
        )
    validate_sendname(value)


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
        self._update_native_value()

    @property
    def available(self) -> bool:
        """Return whether the account and its sendname could be read."""
        return super().available and self.coordinator.data.sendname_read

    @callback
    def _handle_coordinator_update(self) -> None:
        """Take the account's sendname from the coordinator's new data."""
        self._update_native_value()
        super()._handle_coordinator_update()

    def _update_native_value(self) -> None:
        """Show the account's sendname; unknown when there is none or it is too long for a state."""
        # A sendname set on smsservicecenter.nl may break this integration's rules
        # (a space, an accent): it is shown as it is.
        sendname = self.coordinator.data.sendname or None
        if sendname is not None and len(sendname) > self.max:
            sendname = None
        self._attr_native_value = sendname

    async def async_set_value(self, value: str) -> None:
        """Change the account's default sendname after checking it."""
        # When the change is refused, the state is written again before raising,
        # so it shows the account's sendname rather than the refused value.
        try:
            check_sendname(value)
            await self.coordinator.async_set_sendname(value)
        except ServiceValidationError:
            self.async_write_ha_state()
            raise
        except SmsServiceCenterError as err:
            self.async_write_ha_state()
            async_start_reauth_if_refused(self.hass, self.coordinator.config_entry, err)
            raise translate_error(err) from err
