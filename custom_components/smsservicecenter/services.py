"""Actions of the SMS Service Center integration."""

from __future__ import annotations

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry
import voluptuous as vol

from .const import DOMAIN
from .coordinator import SmsServiceCenterConfigEntry
from .errors import translated_errors
from .send import async_send_sms, validate_sendname

ATTR_MESSAGE = "message"
ATTR_PAGE = "page"
ATTR_RECIPIENTS = "recipients"
ATTR_SENDNAME = "sendname"

SERVICE_GET_HISTORY = "get_history"
SERVICE_SEND_SMS = "send_sms"
SERVICE_SET_SENDNAME = "set_sendname"

# Emptiness, numbers and sendnames are checked by the send path, with translated errors.
SEND_SMS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_RECIPIENTS): vol.All(cv.ensure_list, [cv.string]),
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_SENDNAME): cv.string,
    }
)
SET_SENDNAME_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_SENDNAME): cv.string,
    }
)
GET_HISTORY_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_PAGE, default=1): vol.All(vol.Coerce(int), vol.Range(min=1)),
    }
)


@callback
def _async_get_entry(call: ServiceCall) -> SmsServiceCenterConfigEntry:
    """Return the loaded account an action is for, or raise Home Assistant's translated error."""
    entry: SmsServiceCenterConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return entry


async def _async_send_sms(call: ServiceCall) -> ServiceResponse:
    """Send a text message to a list of numbers in one request."""
    entry = _async_get_entry(call)
    outcome = await async_send_sms(
        call.hass,
        entry,
        call.data[ATTR_RECIPIENTS],
        call.data[ATTR_MESSAGE],
        # An empty sendname, as the action editor may send, means the account's default.
        call.data.get(ATTR_SENDNAME) or None,
    )
    return outcome.as_dict() if call.return_response else None


async def _async_set_sendname(call: ServiceCall) -> None:
    """Change the default sendname of an account."""
    entry = _async_get_entry(call)
    sendname: str = call.data[ATTR_SENDNAME]
    validate_sendname(sendname)
    with translated_errors(call.hass, entry):
        await entry.runtime_data.coordinator.async_set_sendname(sendname)


async def _async_get_history(call: ServiceCall) -> ServiceResponse:
    """Return one page of the messages sent in the last 30 days."""
    entry = _async_get_entry(call)
    with translated_errors(call.hass, entry):
        page = await entry.runtime_data.client.get_history(call.data[ATTR_PAGE])
    return {
        "messages": [
            {
                "id": message.id,
                "datetime": message.sent_at.isoformat(),
                "sendname": message.sendname,
                "message": message.message,
                "count": message.count,
            }
            for message in page.messages
        ],
        "current_page": page.current_page,
        "total_pages": page.total_pages,
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of the integration."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        _async_send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_SENDNAME,
        _async_set_sendname,
        schema=SET_SENDNAME_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_HISTORY,
        _async_get_history,
        schema=GET_HISTORY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
