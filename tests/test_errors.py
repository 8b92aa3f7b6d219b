"""Tests for the classification and translation of API client errors."""

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.smsservicecenter.api import (
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)
from custom_components.smsservicecenter.errors import (
    certainly_not_sent,
    may_have_been_sent,
    not_reached,
    translate_error,
)
from custom_components.smsservicecenter.outbox import OutboxWriteError


def test_client_validation_error_is_a_service_validation_error() -> None:
    """Input the client refuses before any request is the user's to fix, not a failure."""
    error = translate_error(SmsServiceCenterValidationError("page must be >= 1"))

    assert isinstance(error, ServiceValidationError)
    assert error.translation_key == "invalid_request"
    assert not error.translation_placeholders


@pytest.mark.parametrize(
    ("error", "translation_key"),
    [
        (SmsServiceCenterAuthenticationError("401"), "invalid_auth"),
        (SmsServiceCenterApiError("No"), "api_error"),
        (SmsServiceCenterConnectionError("down"), "cannot_connect"),
        (SmsServiceCenterResponseError("html", http_status=200), "invalid_response"),
    ],
)
def test_translation_keys(error: SmsServiceCenterError, translation_key: str) -> None:
    """Test each kind of client error has its own translated message."""
    translated = translate_error(error)

    assert type(translated) is HomeAssistantError
    assert translated.translation_key == translation_key


@pytest.mark.parametrize(
    ("error", "sent", "unsent", "unreached"),
    [
        (SmsServiceCenterConnectionError("reset"), True, False, False),
        (
            SmsServiceCenterConnectionError(
                "refused", request_may_have_reached_server=False
            ),
            False,
            True,
            True,
        ),
        (SmsServiceCenterResponseError("html", http_status=200), True, False, False),
        (SmsServiceCenterResponseError("404", http_status=404), False, True, False),
        (SmsServiceCenterApiError("No"), False, True, False),
        (SmsServiceCenterAuthenticationError("401"), False, True, False),
    ],
)
def test_classification(
    error: SmsServiceCenterError, sent: bool, unsent: bool, unreached: bool
) -> None:
    """Test which failed sends may have gone out, certainly did not, or never arrived."""
    assert may_have_been_sent(error) is sent
    assert certainly_not_sent(error) is unsent
    assert not_reached(error) is unreached


@pytest.mark.parametrize(
    ("error", "unsent"),
    [(OutboxWriteError(), True), (RuntimeError(), False), (KeyboardInterrupt(), False)],
)
def test_other_exceptions(error: BaseException, unsent: bool) -> None:
    """Test a failed outbox write sent nothing; anything unknown may have sent."""
    assert certainly_not_sent(error) is unsent
