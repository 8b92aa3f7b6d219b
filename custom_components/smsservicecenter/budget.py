"""One budget per account: the credit ledger and the daily allowance behind one reserve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import TracebackType
from typing import Self

from .daily_limit import DailyUsage
from .ledger import CreditLedger, InsufficientCreditsError


class Budget:
    """What an account may still spend: its credits and what is left of today's limit."""

    def __init__(
        self,
        ledger: CreditLedger,
        daily: DailyUsage,
        *,
        today: Callable[[], date],
        certainly_not_sent: Callable[[BaseException], bool],
    ) -> None:
        """Combine a ledger and a daily usage, with the calendar and what counts as unsent."""
        self.ledger = ledger
        self.daily = daily
        self.today = today
        self.certainly_not_sent = certainly_not_sent

    def reserve(self, credits_: int, allowance: int) -> Hold:
        """Hold a send's cost in the ledger and today's allowance, or raise for either."""
        # Checked and held in one synchronous step: concurrent sends never overdraw.
        self.daily.reserve(allowance, self.today())
        try:
            self.ledger.reserve(credits_)
        except InsufficientCreditsError:
            self.daily.release(allowance)
            raise
        return Hold(self, credits_, allowance)


class Hold:
    """The cost of one send, held until it is committed or released, exactly once."""

    # As a context manager, an exception that certainly did not send releases the
    # hold; any other books it as spent (a lost answer may have sent the message).

    __slots__ = (
        "_allowance",
        "_budget",
        "_credits",
        "_settled",
        "accepted",
        "committed",
    )

    def __init__(self, budget: Budget, credits_: int, allowance: int) -> None:
        """Bind the held amounts to their budget."""
        self._budget = budget
        self._credits = credits_
        self._allowance = allowance
        self._settled = False
        self.committed = False
        """Whether the send was booked as spent (accepted, or it may have been sent)."""
        self.accepted = False
        """Whether the provider confirmed the send."""

    def commit(self, *, cost: int | None = None, accepted: bool) -> None:
        """Book the send on the day it is answered; ``cost`` replaces the held cost."""
        self._settle()
        self.committed = True
        self.accepted = accepted
        budget = self._budget
        budget.ledger.commit(
            self._credits, self._credits if cost is None else cost, accepted=accepted
        )
        budget.daily.commit(
            self._allowance, self._allowance if cost is None else cost, budget.today()
        )

    def release(self) -> None:
        """Give the cost back: the send certainly did not go out."""
        self._settle()
        self._budget.ledger.release(self._credits)
        self._budget.daily.release(self._allowance)

    def _settle(self) -> None:
        """Mark the hold settled; a second settlement is a bug."""
        if self._settled:
            raise RuntimeError("A budget hold was settled twice")
        self._settled = True

    def __enter__(self) -> Self:
        """Return the hold, to settle inside the block."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Settle a hold the block left open, by the exception that left it."""
        if self._settled:
            return
        if exc is not None and self._budget.certainly_not_sent(exc):
            self.release()
        else:
            self.commit(accepted=False)
