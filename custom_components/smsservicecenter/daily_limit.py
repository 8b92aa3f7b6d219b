"""The daily credit limit: how many credits an account may spend per calendar day."""

from __future__ import annotations

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


class DailyUsage:
    """The credits an account used on one day, with the sends in flight, against a limit."""

    # The caller passes the day, in Home Assistant's time zone; a send counts on the
    # day it is answered.

    def __init__(self, limit: int, day: date, used: int = 0) -> None:
        """Start from the credits used on ``day``; a limit of 0 is no limit."""
        self.limit = limit
        self._day = day
        self._used = used
        self._in_flight = 0

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
        # A send in flight may be answered today, whenever it was reserved.
        return max(self.limit - self._used - self._in_flight, 0)

    def roll_over(self, today: date) -> bool:
        """Start counting ``today`` at 0 when it is a new day; return whether it was."""
        if today == self._day:
            return False
        self._day = today
        self._used = 0
        return True

    def reserve(self, cost: int, today: date) -> None:
        """Hold ``cost`` credits of today's allowance, or raise DailyLimitReachedError."""
        left = self.left(today)
        if left is not None and cost > left:
            raise DailyLimitReachedError(cost, self.limit, left)
        self._in_flight += cost

    def commit(self, reserved: int, cost: int, today: date) -> None:
        """Count a send that held ``reserved`` credits as used ``today`` at ``cost``."""
        self._in_flight -= reserved
        self.roll_over(today)
        self._used += cost

    def release(self, reserved: int) -> None:
        """Give back the allowance of a send that certainly did not go out."""
        self._in_flight -= reserved
