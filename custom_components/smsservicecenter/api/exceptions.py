"""Exceptions of the SMS Service Center API client."""

from __future__ import annotations

from enum import StrEnum


class ConnectionFailure(StrEnum):
    """Why the API could not be reached or did not answer in time."""

    HOST_NOT_FOUND = "host_not_found"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    OTHER = "other"


class SmsServiceCenterError(Exception):
    """Base class for all errors raised by this client."""


class SmsServiceCenterConnectionError(SmsServiceCenterError):
    """The API could not be reached or did not answer in time (also HTTP 5xx and 429)."""

    def __init__(
        self,
        message: str,
        *,
        reason: ConnectionFailure = ConnectionFailure.OTHER,
        retry_after: float | None = None,
        request_may_have_reached_server: bool = True,
    ) -> None:
        """Initialise the error with its cause and what is known about the request."""
        super().__init__(message)
        self.reason = reason
        # Seconds from a Retry-After header (HTTP 429 and 503), or None.
        self.retry_after = retry_after
        # False only when the request certainly never reached the server: the
        # connection was refused or timed out, the name did not resolve, HTTP 429.
        self.request_may_have_reached_server = request_may_have_reached_server


class SmsServiceCenterAuthenticationError(SmsServiceCenterError):
    """The API token was rejected (HTTP 401/403) or is unusable."""


class SmsServiceCenterResponseError(SmsServiceCenterError):
    """The API answered with something this client does not understand."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        """Initialise the error with the HTTP status of the answer, when known."""
        super().__init__(message)
        # The client always sets it: 2xx means the server accepted the request
        # and only its answer could not be read; 3xx or 4xx means it did not.
        self.http_status = http_status

    @property
    def request_accepted(self) -> bool:
        """Return whether the server answered 2xx, so a send may have gone out."""
        return self.http_status is not None and 200 <= self.http_status < 300


class SmsServiceCenterNotApiError(SmsServiceCenterResponseError):
    """The URL answers, but not as the SMS Service Center API (HTTP 404/405 or no JSON)."""


class SmsServiceCenterApiError(SmsServiceCenterError):
    """The API refused the request: ``{"status": "error", "message": ...}``."""

    def __init__(self, message: str) -> None:
        """Initialise the error with the provider's message."""
        super().__init__(message)
        self.message = message


class SmsServiceCenterInsufficientCreditsError(SmsServiceCenterApiError):
    """The API refused the request because the account lacks credits."""

    def __init__(
        self,
        message: str,
        *,
        remaining: int | None = None,
        required: int | None = None,
    ) -> None:
        """Initialise the error with the credits left and needed, when the answer says."""
        super().__init__(message)
        self.remaining = remaining
        self.required = required


class SmsServiceCenterValidationError(SmsServiceCenterError, ValueError):
    """An argument was rejected by the client before any request was made."""
