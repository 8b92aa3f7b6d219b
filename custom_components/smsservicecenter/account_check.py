"""What a config flow just read from an account, so that the setup after it need not ask again."""

from __future__ import annotations

from dataclasses import dataclass
import time

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

ACCOUNT_CHECK_MAX_AGE = 30.0
"""Seconds for which what a config flow read from an account stands in for a poll."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountCheck:
    """What a config flow just read from an account: its setup need not ask again."""

    token: str
    base_url: str
    credits: int
    sendname: str | None
    checked_at: float
    """``time.monotonic()`` when the answers came."""


ACCOUNT_CHECK: HassKey[AccountCheck] = HassKey(f"{DOMAIN}_account_check")


@callback
def async_remember_account_check(
    hass: HomeAssistant, token: str, base_url: str, credits_: int, sendname: str | None
) -> None:
    """Keep the credits and sendname a config flow read, for the setup that follows it."""
    hass.data[ACCOUNT_CHECK] = AccountCheck(
        token=token,
        base_url=base_url,
        credits=credits_,
        sendname=sendname,
        checked_at=time.monotonic(),
    )


@callback
def async_take_account_check(
    hass: HomeAssistant, token: str, base_url: str
) -> AccountCheck | None:
    """Return what a config flow read from this account just now, only once."""
    checked = hass.data.get(ACCOUNT_CHECK)
    if checked is None or checked.token != token or checked.base_url != base_url:
        return None
    del hass.data[ACCOUNT_CHECK]
    if time.monotonic() - checked.checked_at > ACCOUNT_CHECK_MAX_AGE:
        return None
    return checked
