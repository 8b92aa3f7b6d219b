"""The credit ledger: what an account can still spend while sends are in flight."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import count


class InsufficientCreditsError(Exception):
    """A send costs more than the account can still spend."""

    def __init__(self, cost: int, available: int) -> None:
        """Remember what the send costs and what was available."""
        super().__init__(f"Sending costs {cost} credits, {available} are available")
        self.cost = cost
        self.available = available


@dataclass(slots=True, frozen=True)
class _Booking:
    """A committed send that the last balance read may not include yet."""

    cost: int
    committed_at: int
    accepted: bool


class CreditLedger:
    """The balance of one account as the integration knows it, with its sends."""

    # Running totals keep every operation O(1) but the pruning of a balance read.

    def __init__(self, balance: int = 0) -> None:
        """Start from a balance read before any send (none yet: nothing to spend)."""
        self._clock = count(1)
        self._balance = balance
        self._balance_read_at = 0
        self._in_flight = 0
        self._booked = 0
        # Ordered by commit time, so a balance read prunes from the left.
        self._bookings: deque[_Booking] = deque()

    def begin_read(self) -> int:
        """Return the mark to pass to ``apply_balance`` for a read starting now."""
        return next(self._clock)

    def apply_balance(self, balance: int, read_started_at: int) -> bool:
        """Take a balance read; False, changing nothing, when a later-started read is known."""
        if read_started_at < self._balance_read_at:
            return False
        self._balance = balance
        self._balance_read_at = read_started_at
        # A send committed before the read started is in the balance read.
        while self._bookings and self._bookings[0].committed_at < read_started_at:
            self._booked -= self._bookings.popleft().cost
        return True

    @property
    def balance(self) -> int:
        """Return the balance after every booked send: what the credits sensor shows."""
        return self._balance - self._booked

    @property
    def available(self) -> int:
        """Return what a new send may still reserve."""
        return self._balance - self._booked - self._in_flight

    def reserve(self, cost: int) -> None:
        """Hold ``cost`` credits for a send, or raise InsufficientCreditsError."""
        if cost > (available := self.available):
            raise InsufficientCreditsError(cost, available)
        self._in_flight += cost

    def commit(self, reserved: int, cost: int, *, accepted: bool) -> None:
        """Book a send that held ``reserved`` credits at the ``cost`` it had."""
        self._in_flight -= reserved
        self._bookings.append(_Booking(cost, next(self._clock), accepted))
        self._booked += cost

    def release(self, reserved: int) -> None:
        """Give back the credits of a send that certainly did not go out."""
        self._in_flight -= reserved

    @property
    def has_bookings_since_read(self) -> bool:
        """Return whether sends were booked after the last balance read started."""
        return bool(self._bookings)

    def sends_accepted_since(self, read_started_at: int) -> int:
        """Return how many sends were accepted after a read that started then."""
        return sum(
            1
            for booking in self._bookings
            if booking.accepted and booking.committed_at > read_started_at
        )
