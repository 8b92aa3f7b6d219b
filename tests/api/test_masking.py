"""Tests for the masking of phone numbers."""

from __future__ import annotations

import pytest

from custom_components.smsservicecenter.api import mask_phone_number, mask_phone_numbers


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+31612999402", "+316•••••402"),
        ("+4915123456789", "+491•••••••789"),
        (" +31612345678 ", "+316•••••678"),
        ("0612999001", "0612•••001"),
        ("12345678", "1234•678"),
        ("1234567", "•••••••"),
        ("+316", "••••"),
        ("", ""),
    ],
)
def test_mask_phone_number(number: str, expected: str) -> None:
    """A phone number keeps its first four and last three characters, a short one nothing."""
    assert mask_phone_number(number) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invalid number +31612999001", "Invalid number +316•••••001"),
        ("Invalid number 0612999001.", "Invalid number 0612•••001."),
        ("Blocked: 06-12 99 90 01!", "Blocked: 0612•••001!"),
        ("Number 0031612999001 unknown", "Number 0031••••••001 unknown"),
        ("+31 (0)6 12999001 failed", "+310••••••001 failed"),
        ("06/12.99.90.01", "0612•••001"),
        ("to:+31612999001,+31687654321", "to:+316•••••001,+316•••••321"),
        ("Invalid numbers received", "Invalid numbers received"),
        ("You need 3 credits, 1 left", "You need 3 credits, 1 left"),
        ("HTTP 429 Too Many Requests", "HTTP 429 Too Many Requests"),
        ("Call 1234 567", "Call 1234 567"),
        ("", ""),
    ],
    ids=[
        "international",
        "national",
        "separators",
        "double_zero",
        "parentheses",
        "slash_and_dots",
        "list",
        "no_number",
        "short_numbers",
        "http_status",
        "seven_digits",
        "empty",
    ],
)
def test_mask_phone_numbers(text: str, expected: str) -> None:
    """Every phone-number-like sequence in a text is masked; short numbers are not."""
    assert mask_phone_numbers(text) == expected
