"""The one place client errors are classified, translated for users, and start reauth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)
from .const import DOMAIN
from .outbox import OutboxWriteError


def may_have_been_sent(err: SmsServiceCenterError) -> bool:
    """Return whether a failed send request may still have sent the message."""
    if isinstance(err, SmsServiceCenterConnectionError):
        return err.request_may_have_reached_server
    # A 2xx answer that cannot be read: the server accepted the request.
    return isinstance(err, SmsServiceCenterResponseError) and err.request_accepted


def certainly_not_sent(err: BaseException) -> bool:
    """Return whether a send that raised ``err`` certainly sent nothing (its cost goes back)."""
    if isinstance(err, OutboxWriteError):
        return True
    return isinstance(err, SmsServiceCenterError) and not may_have_been_sent(err)


def not_reached(err: SmsServiceCenterError) -> bool:
    """Return whether a request certainly never reached the provider: sending later is safe."""
    return (
        isinstance(err, SmsServiceCenterConnectionError)
        and not err.request_may_have_reached_server
    )


def translate_error(err: SmsServiceCenterError) -> HomeAssistantError:
    """Return the translated Home Assistant error for a failed API call."""
    if isinstance(err, SmsServiceCenterAuthenticationError):
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


@callback
def async_start_reauth_if_refused(
    hass: HomeAssistant, entry: ConfigEntry, err: SmsServiceCenterError
) -> None:
    """Ask the user for a new token when the provider refused the current one."""
    if isinstance(err, SmsServiceCenterAuthenticationError):
        entry.async_start_reauth(hass)


@contextmanager
def translated_errors(hass: HomeAssistant, entry: ConfigEntry) -> Iterator[None]:
    """Raise client errors in the block as translated errors, starting reauth when due."""
    try:
        yield
    except SmsServiceCenterError as err:
        async_start_reauth_if_refused(hass, entry, err)
        raise translate_error(err) from err
