"""The one place client errors are classified, translated for users, and start reauth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, TypeGuard

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    ConnectionFailure,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterNotApiError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)
from .const import DOMAIN, LOGGER
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


def not_reached(
    err: SmsServiceCenterError,
) -> TypeGuard[SmsServiceCenterConnectionError]:
    """Return whether a request certainly never reached the provider: sending later is safe."""
    return (
        isinstance(err, SmsServiceCenterConnectionError)
        and not err.request_may_have_reached_server
    )


# The translation key of each cause of a failed connection.
CONNECTION_FAILURES: Final = {
    ConnectionFailure.HOST_NOT_FOUND: "host_not_found",
    ConnectionFailure.REFUSED: "connection_refused",
    ConnectionFailure.TIMEOUT: "timeout",
    ConnectionFailure.SERVER_ERROR: "server_busy",
    ConnectionFailure.RATE_LIMITED: "rate_limited",
    ConnectionFailure.OTHER: "cannot_connect",
}


def translation_of(err: SmsServiceCenterError) -> tuple[str, dict[str, str]]:
    """Return the translation key and placeholders that tell a user what went wrong."""
    if isinstance(err, SmsServiceCenterAuthenticationError):
        return "invalid_auth", {}
    if isinstance(err, SmsServiceCenterApiError):
        # The provider's own reason is for the user.
        return "api_error", {"message": err.message}
    if isinstance(err, SmsServiceCenterConnectionError):
        return CONNECTION_FAILURES[err.reason], {}
    if isinstance(err, SmsServiceCenterNotApiError):
        return "not_api", {}
    if isinstance(err, SmsServiceCenterValidationError):
        return "invalid_request", {}
    return "invalid_response", {}


def translate_error(err: SmsServiceCenterError) -> HomeAssistantError:
    """Return the translated Home Assistant error for a failed API call; log its detail."""
    LOGGER.debug("SMS Service Center request failed: %s", err)
    key, placeholders = translation_of(err)
    # Input the client refuses before any request is the user's to fix, not a failure.
    error_class = (
        ServiceValidationError
        if isinstance(err, SmsServiceCenterValidationError)
        else HomeAssistantError
    )
    return error_class(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
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
