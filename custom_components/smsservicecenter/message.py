"""SMS text and phone number rules, counted the way handsets and gateways count them.

Pure Python (plus ``phonenumbers``): nothing in here knows about Home Assistant.
``phonenumbers`` is imported by the first number read, which Home Assistant does
in an executor job: importing it takes longer than the rest of the integration.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

# GSM 03.38 basic character set: one septet each (0x1B, the escape code, is left out).
GSM7_BASIC_CHARS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: escape + character, two septets each.
GSM7_EXTENSION_CHARS = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE_UNITS = 160
GSM7_PART_UNITS = 153
UCS2_SINGLE_UNITS = 70
UCS2_PART_UNITS = 67

# Characters people type in a phone number; anything else (letters, "ext.") is a typo.
_PHONE_NUMBER_CHARS = re.compile(r"[\d\s+().\-/]+")


class Encoding(StrEnum):
    """The alphabet a message is sent in."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageInfo:
    """How a text is encoded, counted and split into SMS parts."""

    encoding: Encoding
    units: int
    """GSM-7 septets (extension characters count 2) or UCS-2 code units (non-BMP count 2)."""
    segments: int
    parts: tuple[str, ...]


class InvalidPhoneNumberError(ValueError):
    """A phone number that cannot be read as a valid number."""

    def __init__(self, number: str, position: int = 1) -> None:
        """Remember the offending input, as given, and its position (from 1) in a list."""
        super().__init__(f"Invalid phone number at position {position}")
        self.number = number
        self.position = position


def _gsm7_units(char: str) -> int:
    """Septets one GSM-7 character takes."""
    return 1 if char in GSM7_BASIC_CHARS else 2


def _ucs2_units(char: str) -> int:
    """UTF-16 code units one character takes (a surrogate pair outside the BMP)."""
    return 2 if ord(char) > 0xFFFF else 1


def _split(text: str, units: Callable[[str], int], per_part: int) -> tuple[str, ...]:
    """Split greedily into parts of at most ``per_part`` units, never inside a character."""
    parts: list[str] = []
    start = used = 0
    for index, char in enumerate(text):
        size = units(char)
        if used + size > per_part:
            parts.append(text[start:index])
            start, used = index, 0
        used += size
    parts.append(text[start:])
    return tuple(parts)


def analyze_message(text: str) -> MessageInfo:
    """Return the encoding, unit count, segment count and parts of an SMS text."""
    # Raises ValueError for an empty text: there is nothing to send.
    if not text:
        raise ValueError("An SMS text cannot be empty")
    if all(c in GSM7_BASIC_CHARS or c in GSM7_EXTENSION_CHARS for c in text):
        encoding, units, single, per_part = (
            Encoding.GSM7,
            _gsm7_units,
            GSM7_SINGLE_UNITS,
            GSM7_PART_UNITS,
        )
    else:
        encoding, units, single, per_part = (
            Encoding.UCS2,
            _ucs2_units,
            UCS2_SINGLE_UNITS,
            UCS2_PART_UNITS,
        )
    total = sum(units(char) for char in text)
    parts = (text,) if total <= single else _split(text, units, per_part)
    return MessageInfo(encoding=encoding, units=total, segments=len(parts), parts=parts)


def split_message(text: str) -> tuple[str, ...]:
    """Split an SMS text the way a handset does (ValueError when empty)."""
    return analyze_message(text).parts


def normalize_phone_number(number: str, default_region: str = "NL") -> str:
    """Return a phone number in E.164 format, such as ``+31612345678``."""
    # National numbers (``0612345678``) are read in ``default_region``, an ISO 3166
    # alpha-2 code; with an unknown region only international numbers are accepted.
    # Raises InvalidPhoneNumberError for anything that is not a valid number,
    # including numbers with letters or an extension (an SMS cannot reach those).
    import phonenumbers  # noqa: PLC0415 - see the module's docstring

    text = number.strip()
    if not _PHONE_NUMBER_CHARS.fullmatch(text):
        raise InvalidPhoneNumberError(number)
    try:
        parsed = phonenumbers.parse(text, default_region.strip().upper())
    except phonenumbers.NumberParseException as err:
        raise InvalidPhoneNumberError(number) from err
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _as_list(numbers: Iterable[str]) -> list[str]:
    """Treat a single string as one number, not as a sequence of characters."""
    return [numbers] if isinstance(numbers, str) else list(numbers)


class NumberCache:
    """Numbers normalised before, by region, so that a known number needs no phonenumbers call."""

    def __init__(self, size: int = 1024) -> None:
        """Keep at most ``size`` numbers; the oldest go first."""
        self._size = size
        self._normalized: dict[tuple[str, str], str] = {}

    def get(self, numbers: Iterable[str], default_region: str) -> list[str] | None:
        """Return the numbers normalised and de-duplicated, or None when one is not known."""
        normalized: dict[str, None] = {}
        for number in _as_list(numbers):
            if (known := self._normalized.get((number, default_region))) is None:
                return None
            normalized[known] = None
        return list(normalized)

    def put(
        self, numbers: Iterable[str], default_region: str, normalized: Iterable[str]
    ) -> None:
        """Remember what each number normalised to (as ``normalize_each`` returns it)."""
        for number, known in zip(_as_list(numbers), normalized, strict=True):
            self._normalized[number, default_region] = known
        while len(self._normalized) > self._size:
            del self._normalized[next(iter(self._normalized))]


def normalize_each(numbers: Iterable[str], default_region: str = "NL") -> list[str]:
    """Normalise each phone number to E.164, one result per number given."""
    # Raises InvalidPhoneNumberError for the first invalid number, with its position.
    normalized: list[str] = []
    for position, number in enumerate(_as_list(numbers), start=1):
        try:
            normalized.append(normalize_phone_number(number, default_region))
        except InvalidPhoneNumberError as err:
            raise InvalidPhoneNumberError(number, position) from err
    return normalized


def join_numbers(numbers: Iterable[str]) -> str:
    """Join phone numbers with commas, as the API expects them."""
    return ",".join(_as_list(numbers))
