"""The daily credit limit: how many credits an account may spend per calendar day.

Pure Python: nothing in here knows about Home Assistant or the API. The caller
passes the current day, so the day can be any calendar (Home Assistant's time zone).

It works like the credit ledger, so concurrent sends never take the day over the
limit:

- a send *reserves* its cost before its request goes out, against the limit minus
  what was used today and what is in flight. Checking and reserving is one
  synchronous step;
- a reservation is *committed* when the provider accepted the send (at the cost it
  really had: nothing in test mode), or when it may have sent it (kept as used, to
  be safe), and *released* only when the send certainly did not go out;
- a new day starts at 0. A send reserved on one day and committed on the next
  counts for neither: the day it went out on is no longer counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class DailyLimitReachedError(Exception):
    """A send costs more credits than are left of today's limit."""

    def __init__(self, cost: int, limit: int, left: int) -> None:
        """Remember what the send costs, the limit and what was left today."""
        super().__init__(
            f"Sending costs {cost} credits, {left} of the daily limit of {limit} are left"
        )
        self.cost = cost
        self.limit = limit
        self.left = left


@dataclass(slots=True)
class _DailyBooking:
    """A send in flight, counted against the allowance of the day it was reserved on."""

    cost: int
    day: date


class DailyReservation:
    """The cost of one send, held against today's allowance until its outcome is known."""

    __slots__ = ("_booking", "_usage")

    def __init__(self, usage: DailyUsage, booking: _DailyBooking) -> None:
        """Bind the reservation to its usage counter."""
        self._usage = usage
        self._booking = booking

    def commit(self, *, cost: int | None = None) -> None:
        """Count the send as used: it was accepted, or it may have been sent.

        ``cost`` replaces the reserved cost, for example 0 for a test mode send.
        """
        self._usage.commit(self._booking, cost)

    def release(self) -> None:
        """Give the credits back: the send certainly did not go out."""
        self._usage.release(self._booking)


class DailyUsage:
    """The credits an account used on one day, with the sends in flight, against a limit."""

    def __init__(self, limit: int, day: date, used: int = 0) -> None:
        """Start from the credits used on ``day``; a limit of 0 is no limit."""
        self.limit = limit
        self._day = day
        self._used = used
        self._in_flight: list[_DailyBooking] = []

    @property
    def day(self) -> date:
        """Return the day the usage is counted for."""
        return self._day

    @property
    def used(self) -> int:
        """Return the credits used on that day by sends whose outcome is known."""
        return self._used

    def left(self, today: date) -> int | None:
        """Return what a new send may still reserve today; None without a limit."""
        self.roll_over(today)
        if not self.limit:
            return None
        in_flight = sum(
            booking.cost for booking in self._in_flight if booking.day == today
        )
        return max(self.limit - self._used - in_flight, 0)

    def roll_over(self, today: date) -> bool:
        """Start counting ``today`` at 0 when it is a new day; return whether it was."""
        if today == self._day:
            return False
        self._day = today
        self._used = 0
        return True

    def reserve(self, cost: int, today: date) -> DailyReservation:
        """Reserve ``cost`` credits of today's allowance, or raise DailyLimitReachedError."""
        left = self.left(today)
        if left is not None and cost > left:
            raise DailyLimitReachedError(cost, self.limit, left)
        booking = _DailyBooking(cost, today)
        self._in_flight.append(booking)
        return DailyReservation(self, booking)

    def commit(self, booking: _DailyBooking, cost: int | None) -> None:
        """Count a reserved send as used; see ``DailyReservation.commit``."""
        self._in_flight.remove(booking)
        if booking.day == self._day:
            self._used += booking.cost if cost is None else cost

    def release(self, booking: _DailyBooking) -> None:
        """Drop a reserved send; see ``DailyReservation.release``."""
        self._in_flight.remove(booking)
