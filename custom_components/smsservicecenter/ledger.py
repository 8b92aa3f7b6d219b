"""The credit ledger: what an account can still spend while sends are in flight.

Pure Python: nothing in here knows about Home Assistant or the API.

The provider's balance is only known when it is read, and a send changes it while
the integration cannot see it. The ledger keeps the last balance read and every
send since, so that:

- a send *reserves* its cost before its request goes out, against the balance minus
  what is reserved or booked since that balance was read. Checking and reserving is
  one synchronous step, so concurrent sends can never both take the last credits,
  and their requests still go out concurrently;
- a reservation is *committed* when the provider accepted the send, or when it may
  have sent it (a lost answer costs the credits too, to be safe), and *released*
  only when the send certainly did not go out;
- a balance read counts only the sends committed before the read started: a read
  that started before a send was committed may or may not include its cost, so that
  send stays booked on top of it. A read that started before the balance the ledger
  already has is ignored, so a slow refresh never raises the balance again.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count


class InsufficientCreditsError(Exception):
    """A send costs more than the account can still spend."""

    def __init__(self, cost: int, available: int) -> None:
        """Remember what the send costs and what was available."""
        super().__init__(f"Sending costs {cost} credits, {available} are available")
        self.cost = cost
        self.available = available


@dataclass(slots=True)
class _Booking:
    """A send whose cost the provider may not have taken from the balance read yet."""

    cost: int
    committed_at: int | None = None
    """The ledger's clock when the send was committed; None while it is in flight."""
    accepted: bool = False
    """Whether the provider confirmed the send (not only: it may have been sent)."""


class Reservation:
    """The cost of one send, held against the balance until the send's outcome is known."""

    __slots__ = ("_booking", "_ledger")

    def __init__(self, ledger: CreditLedger, booking: _Booking) -> None:
        """Bind the reservation to its ledger entry."""
        self._ledger = ledger
        self._booking = booking

    @property
    def cost(self) -> int:
        """Return the credits reserved."""
        return self._booking.cost

    def commit(self, *, cost: int | None = None, accepted: bool = True) -> None:
        """Book the send: the provider accepted it (or may have sent it).

        ``cost`` replaces the reserved cost, for example 0 for a test mode send.
        """
        self._ledger.commit(self._booking, cost, accepted=accepted)

    def release(self) -> None:
        """Give the credits back: the send certainly did not go out."""
        self._ledger.release(self._booking)


class CreditLedger:
    """The balance of one account as the integration knows it, with its sends."""

    def __init__(self, balance: int = 0) -> None:
        """Start from a balance read before any send (none yet: nothing to spend)."""
        self._clock = count(1)
        self._balance = balance
        self._balance_read_at = 0
        self._bookings: list[_Booking] = []

    def begin_read(self) -> int:
        """Return the mark to pass to ``apply_balance`` for a read starting now."""
        return next(self._clock)

    def apply_balance(self, balance: int, read_started_at: int) -> bool:
        """Take a balance read that started at ``read_started_at``.

        Return False, and change nothing, when the ledger already has a balance
        read that started later.
        """
        if read_started_at < self._balance_read_at:
            return False
        self._balance = balance
        self._balance_read_at = read_started_at
        self._bookings = [
            booking
            for booking in self._bookings
            if booking.committed_at is None or booking.committed_at > read_started_at
        ]
        return True

    @property
    def balance(self) -> int:
        """Return the balance after every booked send: what the credits sensor shows."""
        return self._balance - sum(
            booking.cost
            for booking in self._bookings
            if booking.committed_at is not None
        )

    @property
    def available(self) -> int:
        """Return what a new send may still reserve."""
        return self._balance - sum(booking.cost for booking in self._bookings)

    def reserve(self, cost: int) -> Reservation:
        """Reserve ``cost`` credits, or raise InsufficientCreditsError."""
        if cost > (available := self.available):
            raise InsufficientCreditsError(cost, available)
        booking = _Booking(cost)
        self._bookings.append(booking)
        return Reservation(self, booking)

    def sends_accepted_since(self, read_started_at: int) -> int:
        """Return how many sends were accepted after a read that started then."""
        return sum(
            1
            for booking in self._bookings
            if booking.accepted
            and booking.committed_at is not None
            and booking.committed_at > read_started_at
        )

    def commit(self, booking: _Booking, cost: int | None, *, accepted: bool) -> None:
        """Book a reserved send; see ``Reservation.commit``."""
        if cost is not None:
            booking.cost = cost
        booking.accepted = accepted
        booking.committed_at = next(self._clock)

    def release(self, booking: _Booking) -> None:
        """Drop a reserved send; see ``Reservation.release``."""
        self._bookings.remove(booking)
