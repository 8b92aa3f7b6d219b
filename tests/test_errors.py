"""Tests for the translation of API client errors into Home Assistant errors."""

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smsservicecenter.api import SmsServiceCenterValidationError
from custom_components.smsservicecenter.errors import api_error_to_home_assistant_error


async def test_client_validation_error_is_a_service_validation_error(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Input the client refuses before any request is the user's to fix, not a failure."""
    error = api_error_to_home_assistant_error(
        hass, init_integration, SmsServiceCenterValidationError("page must be >= 1")
    )

    assert isinstance(error, ServiceValidationError)
    assert error.translation_key == "invalid_request"
    assert error.translation_placeholders == {"error": "page must be >= 1"}
