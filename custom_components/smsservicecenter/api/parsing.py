"""Tolerant readers of the values in the API's answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import logging
import math
from typing import Any, TypeIs

from .exceptions import SmsServiceCenterResponseError

_LOGGER = logging.getLogger(__package__)

_TEST_MODE_STRINGS = {"true": True, "1": True, "false": False, "0": False}


def is_int(value: object) -> TypeIs[int]:
    """Return whether ``value`` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def type_name(value: object) -> str:
    """Return the JSON type name of a decoded value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def normalised(value: object) -> str | None:
    """Return a string without surrounding whitespace and case, for comparing."""
    return value.strip().casefold() if isinstance(value, str) else None


def has_text(value: object) -> bool:
    """Return whether ``value`` is a string with more than whitespace."""
    return isinstance(value, str) and bool(value.strip())


def expect_object(value: object, what: str) -> Mapping[str, Any]:
    """Return ``value`` when it is a JSON object."""
    if not isinstance(value, dict):
        raise SmsServiceCenterResponseError(
            f"Expected {what} to be an object, got {type_name(value)}"
        )
    return value


def _get_field(obj: Mapping[str, Any], key: str, what: str) -> object:
    """Return ``obj[key]`` or raise when it is missing."""
    if key not in obj:
        raise SmsServiceCenterResponseError(f"The {what} has no {key!r} field")
    value: object = obj[key]
    return value


def get_str(obj: Mapping[str, Any], key: str, what: str) -> str:
    """Return the string field ``key`` of ``obj``."""
    value = _get_field(obj, key, what)
    if not isinstance(value, str):
        raise SmsServiceCenterResponseError(
            f"Expected {what} field {key!r} to be a string, got {type_name(value)}"
        )
    return value


def get_int(obj: Mapping[str, Any], key: str, what: str) -> int:
    """Return the integer field ``key`` of ``obj`` (a boolean is not an integer)."""
    value = _get_field(obj, key, what)
    if not is_int(value):
        raise SmsServiceCenterResponseError(
            f"Expected {what} field {key!r} to be an integer, got {type_name(value)}"
        )
    return value


def get_list(obj: Mapping[str, Any], key: str, what: str) -> list[Any]:
    """Return the list field ``key`` of ``obj``."""
    value = _get_field(obj, key, what)
    if not isinstance(value, list):
        raise SmsServiceCenterResponseError(
            f"Expected {what} field {key!r} to be a list, got {type_name(value)}"
        )
    return value


def optional_str(value: object) -> str | None:
    """Return ``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None


def optional_int(value: object) -> int | None:
    """Return ``value`` when it is an integer (not a boolean), else None."""
    return value if is_int(value) else None


def optional_positive_int(value: object) -> int | None:
    """Return ``value`` when it is an integer of at least 1, else None."""
    return value if is_int(value) and value >= 1 else None


def parse_datetime(value: object) -> datetime:
    """Parse an ISO 8601 timestamp such as ``2020-01-01T00:00:00.000000Z`` as UTC."""
    if not isinstance(value, str):
        raise SmsServiceCenterResponseError(
            f"Expected a history message 'datetime' string, got {type_name(value)}"
        )
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        # Near year 1 or 9999 an offset can move the time out of range.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as err:
        raise SmsServiceCenterResponseError(
            "Invalid ISO 8601 'datetime' in a history message"
        ) from err


def is_v2_success(body: Mapping[str, Any]) -> bool:
    """Return whether a v2 answer is a success: status success, or none with details."""
    status = body.get("status")
    if status is None:
        return "details" in body
    return normalised(status) == "success"


def read_credits(details: object) -> int:
    """Return the credit balance in the ``details`` of the credits endpoint."""
    if not is_int(details):
        raise SmsServiceCenterResponseError(
            f"Expected an integer credit balance, got {type_name(details)}"
        )
    return details


def read_sendname(details: object) -> str | None:
    """Return the sender name in the ``details`` of the sendname endpoint, if any."""
    if isinstance(details, dict):
        details = details.get("sendname")
    if isinstance(details, str):
        return details if details.strip() else None
    if details is not None:
        _LOGGER.debug("The sendname answer holds %s, not a name", type_name(details))
    return None


def read_message_id(details: Mapping[str, Any]) -> str | None:
    """Return the message id in the ``details`` of a send answer, if any."""
    value = details.get("messageid")
    if is_int(value):
        return str(value)
    return value if has_text(value) else None


def read_test_mode(details: Mapping[str, Any]) -> bool:
    """Return the ``testmode`` of send details; missing or unreadable means live."""
    value: object = details.get("testmode")
    if isinstance(value, bool):
        return value
    if is_int(value) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TEST_MODE_STRINGS:
            return _TEST_MODE_STRINGS[text]
    _LOGGER.debug(
        "The send answer has no readable 'testmode' (%s); the send counts as live",
        type_name(value) if "testmode" in details else "missing",
    )
    return False


def read_credit_field(body: Mapping[str, Any], key: str) -> int | None:
    """Return the integer ``key`` of an error answer, at the top level or in ``details``."""
    if is_int(value := body.get(key)):
        return value
    details = body.get("details")
    if isinstance(details, dict) and is_int(value := details.get(key)):
        return value
    return None


def read_retry_after(value: str | None) -> float | None:
    """Return the seconds in a ``Retry-After`` header (seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
