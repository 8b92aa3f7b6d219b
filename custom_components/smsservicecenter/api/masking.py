"""Masking of phone numbers for logs and error messages."""

from __future__ import annotations

import re

_MASK_BULLET = "\u2022"
_MASK_MIN_LENGTH = 8
_MASK_KEEP_START = 4
_MASK_KEEP_END = 3

# A run of digits, optionally with a leading "+", single separators between digits
# and digits in parentheses, such as "+31 (0)6-12 34 56 78".
_PHONE_LIKE = re.compile(r"(?<!\d)\+?(?:\(\d+\)|\d)(?:[ ./-]?(?:\(\d+\)|\d))+(?!\d)")
# Fewer digits are no phone number: "3 credits", "HTTP 429".
_MIN_PHONE_DIGITS = 8


def mask_phone_number(number: str) -> str:
    """Hide a phone number for logs and errors: ``+31612999402`` -> ``+316•••••402``."""
    text = number.strip()
    if len(text) < _MASK_MIN_LENGTH:
        return _MASK_BULLET * len(text)
    hidden = len(text) - _MASK_KEEP_START - _MASK_KEEP_END
    return f"{text[:_MASK_KEEP_START]}{_MASK_BULLET * hidden}{text[-_MASK_KEEP_END:]}"


def mask_phone_numbers(text: str) -> str:
    """Mask every phone-number-like sequence in a free text."""
    return _PHONE_LIKE.sub(_mask_phone_like, text)


def _mask_phone_like(match: re.Match[str]) -> str:
    """Return a phone-number-like match masked without its separators, or unchanged when short."""
    found = match.group()
    if sum(char.isdecimal() for char in found) < _MIN_PHONE_DIGITS:
        return found
    return mask_phone_number(
        "".join(char for char in found if char.isdecimal() or char == "+")
    )
