"""Repair issues raised by the SMS Service Center integration."""

from __future__ import annotations

from collections.abc import Sequence

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import Packet
from .const import (
    CONFIGURATION_URL,
    DOMAIN,
    ISSUE_DAILY_LIMIT_REACHED,
    ISSUE_LOW_CREDITS,
    ISSUE_TEST_MODE,
)


def low_credits_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the low credits issue of an account."""
    return f"{ISSUE_LOW_CREDITS}_{entry.entry_id}"


def test_mode_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the test mode issue of an account."""
    return f"{ISSUE_TEST_MODE}_{entry.entry_id}"


def daily_limit_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the daily limit issue of an account."""
    return f"{ISSUE_DAILY_LIMIT_REACHED}_{entry.entry_id}"


def packet_to_restore_balance(
    packets: Sequence[Packet], credits_: int, threshold: int
) -> Packet | None:
    """Return the smallest packet that brings the balance back to the threshold."""
    # When no packet is large enough, the largest one is the best there is.
    if not packets:
        return None
    by_size = sorted(packets, key=lambda packet: packet.credits)
    missing = threshold - credits_
    return next(
        (packet for packet in by_size if packet.credits >= missing), by_size[-1]
    )


@callback
def async_update_low_credits_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    credits_: int,
    threshold: int,
    packets: Sequence[Packet],
) -> None:
    """Create the low credits issue while the balance is under the threshold, else remove it."""
    issue_id = low_credits_issue_id(entry)
    if credits_ >= threshold:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    placeholders = {
        "account": entry.title,
        "credits": str(credits_),
        "threshold": str(threshold),
        "url": CONFIGURATION_URL,
    }
    translation_key = "low_credits_no_packet"
    if packet := packet_to_restore_balance(packets, credits_, threshold):
        translation_key = ISSUE_LOW_CREDITS
        placeholders |= {
            "packet": packet.name,
            "packet_credits": str(packet.credits),
            # Euros and cents apart: each translation writes the amount the way
            # its language does (€12.50, € 12,50).
            "price_euros": str(packet.price_cents // 100),
            "price_cents": f"{packet.price_cents % 100:02d}",
            "url": packet.url,
        }
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        learn_more_url=placeholders["url"],
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


@callback
def async_test_mode_issue_exists(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Return whether the account has an active test mode issue."""
    # Only read once, to take over the flag that versions before 0.2 kept in the
    # issue: the flag now lives in the account's store.
    issue = ir.async_get(hass).async_get_issue(DOMAIN, test_mode_issue_id(entry))
    return issue is not None and issue.active


@callback
def async_update_test_mode_issue(
    hass: HomeAssistant, entry: ConfigEntry, test_mode: bool
) -> None:
    """Show the test mode notice while the account answers sends in test mode."""
    # Raised and cleared from the flag in the account's store, at setup and after
    # each send.
    issue_id = test_mode_issue_id(entry)
    if not test_mode:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        learn_more_url=CONFIGURATION_URL,
        translation_key=ISSUE_TEST_MODE,
        translation_placeholders={"account": entry.title},
    )


@callback
def async_create_daily_limit_issue(
    hass: HomeAssistant, entry: ConfigEntry, limit: int
) -> None:
    """Tell the user that a send was refused because of the daily credit limit."""
    # Cleared at midnight, and when the account is set up again with credits left
    # today (after the limit was raised).
    ir.async_create_issue(
        hass,
        DOMAIN,
        daily_limit_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_DAILY_LIMIT_REACHED,
        translation_placeholders={"account": entry.title, "limit": str(limit)},
    )


@callback
def async_delete_daily_limit_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the daily limit issue of an account."""
    ir.async_delete_issue(hass, DOMAIN, daily_limit_issue_id(entry))


@callback
def async_delete_account_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove every repair issue of a deleted account."""
    for issue_id in (
        low_credits_issue_id(entry),
        test_mode_issue_id(entry),
        daily_limit_issue_id(entry),
    ):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
