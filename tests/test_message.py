"""Tests for the SMS text and phone number rules."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.smsservicecenter.message import (
    GSM7_BASIC_CHARS,
    Encoding,
    InvalidPhoneNumberError,
    MessageInfo,
    NumberCache,
    analyze_message,
    join_numbers,
    normalize_each,
    normalize_phone_number,
    split_message,
)

EMOJI = "\N{GRINNING FACE}"


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        ("a", 1, 1),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("a" * 159 + "€", 161, 2),
        ("a" * 158 + "€", 160, 1),
        ("[", 2, 1),
        ("\f", 2, 1),
        ("^{}\\[~]|€", 18, 1),
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", 44, 1),
    ],
)
def test_gsm7_counting(text: str, units: int, segments: int) -> None:
    info = analyze_message(text)
    assert info.encoding is Encoding.GSM7
    assert (info.units, info.segments) == (units, segments)
    assert len(info.parts) == segments
    assert "".join(info.parts) == text


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        ("ç", 1, 1),
        ("ł" * 70, 70, 1),
        ("ł" * 71, 71, 2),
        ("ł" * 134, 134, 2),
        ("ł" * 135, 135, 3),
        (EMOJI, 2, 1),
        ("a" * 68 + EMOJI, 70, 1),
        ("a" * 69 + EMOJI, 71, 2),
        ("€ и [", 5, 1),
    ],
)
def test_ucs2_counting(text: str, units: int, segments: int) -> None:
    info = analyze_message(text)
    assert info.encoding is Encoding.UCS2
    assert (info.units, info.segments) == (units, segments)
    assert "".join(info.parts) == text


def test_basic_set_is_the_full_gsm_table() -> None:
    """The basic table has 128 positions, one of them the escape code."""
    assert len(GSM7_BASIC_CHARS) == 127


def test_one_emoji_forces_ucs2() -> None:
    assert analyze_message("Hello world " + EMOJI) == MessageInfo(
        encoding=Encoding.UCS2, units=14, segments=1, parts=("Hello world " + EMOJI,)
    )


def test_gsm7_split_keeps_escape_pair_together() -> None:
    parts = split_message("a" * 152 + "€" + "b" * 10)
    assert parts == ("a" * 152, "€" + "b" * 10)


def test_gsm7_split_fills_parts_of_153() -> None:
    parts = split_message("a" * 307)
    assert [len(part) for part in parts] == [153, 153, 1]


def test_ucs2_split_keeps_surrogate_pair_together() -> None:
    parts = split_message("a" * 66 + EMOJI + "ł" * 10)
    assert parts == ("a" * 66, EMOJI + "ł" * 10)


def test_ucs2_split_fills_parts_of_67() -> None:
    parts = split_message("ł" * 135)
    assert [len(part) for part in parts] == [67, 67, 1]


def test_single_message_is_not_split() -> None:
    assert split_message("Hi\nthere") == ("Hi\nthere",)


def test_empty_message_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        analyze_message("")
    with pytest.raises(ValueError, match="empty"):
        split_message("")


def test_encoding_values() -> None:
    assert [str(encoding) for encoding in Encoding] == ["gsm7", "ucs2"]


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        ("0612345678", "NL", "+31612345678"),
        ("06-12345678", "NL", "+31612345678"),
        ("(06) 12-34-56-78", "NL", "+31612345678"),
        ("0031612345678", "NL", "+31612345678"),
        ("+31 6 1234 5678", "NL", "+31612345678"),
        ("  +31612345678\n", "NL", "+31612345678"),
        ("+32 470 12 34 56", "NL", "+32470123456"),
        ("+49 151 23456789", "NL", "+4915123456789"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0470 12 34 56", "be", "+32470123456"),
        ("+31612345678", "XX", "+31612345678"),
        ("+31612345678", "", "+31612345678"),
    ],
)
def test_normalize_phone_number(number: str, region: str, expected: str) -> None:
    assert normalize_phone_number(number, region) == expected


def test_normalize_phone_number_defaults_to_nl() -> None:
    assert normalize_phone_number("0612345678") == "+31612345678"


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("abc", "NL"),
        ("12", "NL"),
        ("", "NL"),
        ("   ", "NL"),
        ("+999 123", "NL"),
        ("0612345678abc", "NL"),
        ("0612345678 ext. 5", "NL"),
        ("0612345678;ext=5", "NL"),
        ("061234567", "NL"),
        ("06123456789", "NL"),
        ("+31 6 1234", "NL"),
        ("0612345678", "XX"),
        ("0612345678", ""),
    ],
)
def test_invalid_phone_number(number: str, region: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as exc_info:
        normalize_phone_number(number, region)
    assert exc_info.value.number == number
    assert str(exc_info.value) == "Invalid phone number at position 1"
    assert isinstance(exc_info.value, ValueError)


def test_normalize_each_gives_one_result_per_number() -> None:
    assert normalize_each(
        ["0612345678", "+32 470 12 34 56", "+31612345678", "0031 6 12345678"]
    ) == ["+31612345678", "+32470123456", "+31612345678", "+31612345678"]


def test_normalize_each_uses_region() -> None:
    assert normalize_each(("0470123456",), "BE") == ["+32470123456"]


def test_normalize_each_single_string() -> None:
    assert normalize_each("0612345678") == ["+31612345678"]


def test_normalize_each_empty() -> None:
    assert not normalize_each([])


def test_normalize_each_names_first_invalid() -> None:
    with pytest.raises(InvalidPhoneNumberError) as exc_info:
        normalize_each(["0612345678", "abc", "12"])
    assert exc_info.value.number == "abc"
    assert exc_info.value.position == 2
    assert "abc" not in str(exc_info.value)


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        (["+31612345678", "+32470123456"], "+31612345678,+32470123456"),
        (["+31612345678"], "+31612345678"),
        ("+31612345678", "+31612345678"),
        ([], ""),
    ],
)
def test_join_numbers(numbers: list[str] | str, expected: str) -> None:
    assert join_numbers(numbers) == expected


def test_importing_the_integration_leaves_phonenumbers_for_later() -> None:
    """Test phonenumbers is imported by the first number read, not with the integration.

    A fresh interpreter imports the package, its platforms and its config flow.
    """
    package = "custom_components.smsservicecenter"
    platforms = ("binary_sensor", "config_flow", "event", "notify", "sensor", "text")
    modules = [package, *(f"{package}.{module}" for module in platforms)]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('phonenumbers' in sys.modules)\n"
        f"from {package}.message import normalize_phone_number\n"
        "normalize_phone_number('0612345678')\n"
        "print('phonenumbers' in sys.modules)\n"
    )

    output = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        capture_output=True,
        check=True,
        cwd=Path(__file__).parent.parent,
        text=True,
    ).stdout.split()

    assert output == ["False", "True"]


def test_number_cache_knows_only_what_it_was_told() -> None:
    """Test a cache hit de-duplicates in order, and one unknown number is a miss."""
    cache = NumberCache()
    numbers = ["0612345678", "+31612345678", "+32 470 12 34 56"]
    cache.put(numbers, "NL", normalize_each(numbers, "NL"))

    assert cache.get(numbers, "NL") == ["+31612345678", "+32470123456"]
    assert cache.get(["0612345678"], "BE") is None
    assert cache.get(["0612345678", "0687654321"], "NL") is None


def test_number_cache_forgets_the_oldest() -> None:
    """Test the cache keeps at most its size."""
    cache = NumberCache(size=2)
    cache.put(["0612345678", "0612345679", "0612345670"], "NL", ["a", "b", "c"])

    assert cache.get(["0612345678"], "NL") is None
    assert cache.get(["0612345679", "0612345670"], "NL") == ["b", "c"]
