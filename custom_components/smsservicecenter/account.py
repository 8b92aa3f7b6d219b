"""What an account keeps for as long as Home Assistant runs: its budget, stored data and outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .budget import Budget
from .const import DOMAIN
from .daily_limit import DailyUsage
from .errors import certainly_not_sent
from .ledger import CreditLedger
from .outbox import Outbox
from .storage import AccountStore

DATA_ACCOUNTS: HassKey[dict[str, Account]] = HassKey(f"{DOMAIN}_accounts")


def local_today() -> date:
    """Return today in Home Assistant's time zone: the day the daily limit counts."""
    return dt_util.now().date()


@dataclass(slots=True, kw_only=True)
class Account:
    """The parts of an account that a reload must not lose: sends in flight book here."""

    store: AccountStore
    budget: Budget
    outbox: Outbox
    _booking_listeners: list[Callable[[bool], None]] = field(default_factory=list)

    @callback
    def async_listen_bookings(self, listener: Callable[[bool], None]) -> CALLBACK_TYPE:
        """Call ``listener(accepted)`` after each booked send; return the unsubscribe."""
        self._booking_listeners.append(listener)
        return lambda: self._booking_listeners.remove(listener)

    @callback
    def async_booked(self, *, accepted: bool) -> None:
        """Save the usage of a booked send and show it through the current setup."""
        self.async_save_usage()
        for listener in list(self._booking_listeners):
            listener(accepted)

    @callback
    def async_save_usage(self) -> None:
        """Save the credits used today (shortly: one write for a burst of sends)."""
        daily = self.budget.daily
        self.store.async_set_credits_used(daily.day, daily.used)

    @callback
    def async_track_midnight(
        self, hass: HomeAssistant, on_new_day: CALLBACK_TYPE
    ) -> CALLBACK_TYPE:
        """Start each day at 0 at local midnight and call ``on_new_day``; return the stop."""

        @callback
        def _async_midnight(_now: datetime) -> None:
            self.budget.daily.roll_over(local_today())
            self.async_save_usage()
            on_new_day()

        return async_track_time_change(
            hass, _async_midnight, hour=0, minute=0, second=0
        )


async def async_get_account(hass: HomeAssistant, entry_id: str, limit: int) -> Account:
    """Return the account of a config entry, loading it on its first setup."""
    accounts = hass.data.setdefault(DATA_ACCOUNTS, {})
    if (account := accounts.get(entry_id)) is None:
        store = AccountStore(hass, entry_id)
        await store.async_load()
        outbox = Outbox(hass, entry_id)
        await outbox.async_load()
        today = local_today()
        account = accounts.setdefault(
            entry_id,
            Account(
                store=store,
                budget=Budget(
                    CreditLedger(),
                    DailyUsage(limit, today, store.credits_used_on(today)),
                    today=local_today,
                    certainly_not_sent=certainly_not_sent,
                ),
                outbox=outbox,
            ),
        )
    account.budget.daily.limit = limit
    return account


async def async_remove_account(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed account, and delete what it stored."""
    account = hass.data.get(DATA_ACCOUNTS, {}).pop(entry_id, None)
    outbox = account.outbox if account else Outbox(hass, entry_id)
    store = account.store if account else AccountStore(hass, entry_id)
    await outbox.async_remove()
    await store.async_remove()
