"""Tests for the exceptions of the API client."""

from __future__ import annotations

from custom_components.smsservicecenter.api import (
    ConnectionFailure,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterInsufficientCreditsError,
    SmsServiceCenterNotApiError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)


def test_connection_failure_values() -> None:
    """The causes of a connection failure have stable string values for translations."""
    assert {failure.name: str(failure) for failure in ConnectionFailure} == {
        "HOST_NOT_FOUND": "host_not_found",
        "REFUSED": "refused",
        "TIMEOUT": "timeout",
        "SERVER_ERROR": "server_error",
        "RATE_LIMITED": "rate_limited",
        "OTHER": "other",
    }


def test_exception_hierarchy() -> None:
    """All errors share one base class; validation errors are also ValueErrors."""
    for error in (
        SmsServiceCenterConnectionError,
        SmsServiceCenterAuthenticationError,
        SmsServiceCenterResponseError,
        SmsServiceCenterNotApiError,
        SmsServiceCenterApiError,
        SmsServiceCenterInsufficientCreditsError,
        SmsServiceCenterValidationError,
    ):
        assert issubclass(error, SmsServiceCenterError)
    assert issubclass(SmsServiceCenterValidationError, ValueError)
    assert issubclass(
        SmsServiceCenterInsufficientCreditsError, SmsServiceCenterApiError
    )
    assert issubclass(SmsServiceCenterNotApiError, SmsServiceCenterResponseError)


def test_insufficient_credits_error_defaults() -> None:
    """An insufficient credits error made without numbers knows none."""
    err = SmsServiceCenterInsufficientCreditsError("No credits")
    assert (err.message, err.remaining, err.required) == ("No credits", None, None)


def test_connection_error_defaults() -> None:
    """A connection error assumes the request may have reached the server."""
    err = SmsServiceCenterConnectionError("boom")
    assert err.reason is ConnectionFailure.OTHER
    assert err.retry_after is None
    assert err.request_may_have_reached_server is True


def test_connection_error_reason() -> None:
    """A connection error keeps the cause it was made with."""
    err = SmsServiceCenterConnectionError("boom", reason=ConnectionFailure.REFUSED)
    assert err.reason is ConnectionFailure.REFUSED


def test_response_error_defaults() -> None:
    """A response error made without a status does not claim the request was accepted."""
    err = SmsServiceCenterResponseError("boom")
    assert err.http_status is None
    assert err.request_accepted is False
