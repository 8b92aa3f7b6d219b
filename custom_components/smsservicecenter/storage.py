"""What an account remembers across restarts, kept in Home Assistant's storage."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN

STORAGE_VERSION = 1
# Seconds a burst of sends waits before its daily usage is written: one write for all.
DAILY_USAGE_SAVE_DELAY = 5


class StoredAccount(TypedDict):
    """The stored data of one account."""

    test_mode: bool
    """Whether the last send was answered in test mode (sends then cost nothing)."""
    day: str | None
    """The day, an ISO date in Home Assistant's time zone, that ``credits_used`` counts."""
    credits_used: int
    """The credits live sends used on that day, for the daily credit limit."""


class AccountStore:
    """The stored data of one account, loaded once and saved on change."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the store to the account with this config entry ID."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}"
        )
        self._data = StoredAccount(test_mode=False, day=None, credits_used=0)
        self.loaded = False
        """Whether anything was stored (versions before 0.2 stored nothing)."""

    async def async_load(self) -> None:
        """Load the stored data, if any."""
        stored = await self._store.async_load()
        if stored is None:
            return
        day = stored.get("day")
        credits_used = stored.get("credits_used")
        self._data = StoredAccount(
            test_mode=bool(stored.get("test_mode", False)),
            day=day if isinstance(day, str) else None,
            credits_used=credits_used if isinstance(credits_used, int) else 0,
        )
        self.loaded = True

    @property
    def test_mode(self) -> bool:
        """Return whether the last send was answered in test mode."""
        return self._data["test_mode"]

    async def async_set_test_mode(self, test_mode: bool) -> None:
        """Remember whether the last send was answered in test mode."""
        if test_mode == self._data["test_mode"]:
            return
        self._data["test_mode"] = test_mode
        self.loaded = True
        await self._store.async_save(dict(self._data))

    def credits_used_on(self, day: date) -> int:
        """Return the credits stored as used on ``day``: 0 when another day is stored."""
        if self._data["day"] != day.isoformat():
            return 0
        return self._data["credits_used"]

    @callback
    def async_set_credits_used(self, day: date, credits_used: int) -> None:
        """Remember the credits used on ``day``, saved shortly after and when Home Assistant stops."""
        if (
            self._data["day"] == day.isoformat()
            and self._data["credits_used"] == credits_used
        ):
            return
        self._data["day"] = day.isoformat()
        self._data["credits_used"] = credits_used
        self._store.async_delay_save(lambda: dict(self._data), DAILY_USAGE_SAVE_DELAY)

    async def async_remove(self) -> None:
        """Delete the stored data of an account that is removed."""
        await self._store.async_remove()
