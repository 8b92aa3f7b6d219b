"""Translate API client errors into the errors Home Assistant shows to users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterValidationError,
)
from .const import DOMAIN

if TYPE_CHECKING:
    from . import SmsServiceCenterConfigEntry


def api_error_to_home_assistant_error(
    hass: HomeAssistant,
    entry: SmsServiceCenterConfigEntry,
    err: SmsServiceCenterError,
) -> HomeAssistantError:
    """Return the translated error for a failed API call; start reauth when the token was refused."""
    if isinstance(err, SmsServiceCenterAuthenticationError):
        entry.async_start_reauth(hass)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        )
    if isinstance(err, SmsServiceCenterValidationError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_request",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, SmsServiceCenterApiError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="api_error",
            translation_placeholders={"message": err.message},
        )
    if isinstance(err, SmsServiceCenterConnectionError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="invalid_response",
        translation_placeholders={"error": str(err)},
    )
