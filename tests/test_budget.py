"""Tests for the budget: the credit ledger and the daily allowance behind one reserve."""

from datetime import date

import pytest

from custom_components.smsservicecenter.budget import Budget
from custom_components.smsservicecenter.daily_limit import (
    DailyLimitReachedError,
    DailyUsage,
)
from custom_components.smsservicecenter.ledger import (
    CreditLedger,
    InsufficientCreditsError,
)

DAY = date(2026, 5, 4)


class RefusedError(Exception):
    """An error that certainly sent nothing."""


def make_budget(
    balance: int = 10, limit: int = 0, days: list[date] | None = None
) -> Budget:
    """Return a budget whose calendar is the last day in ``days``."""
    calendar = days if days is not None else [DAY]
    return Budget(
        CreditLedger(balance),
        DailyUsage(limit, calendar[-1]),
        today=lambda: calendar[-1],
        certainly_not_sent=lambda err: isinstance(err, RefusedError),
    )


def test_reserve_within_the_balance() -> None:
    """Test reservations count against what is available, not against the balance shown."""
    budget = make_budget(10)

    budget.reserve(4, 4)
    budget.reserve(6, 6)

    assert budget.ledger.available == 0
    assert budget.ledger.balance == 10
    with pytest.raises(InsufficientCreditsError) as exc_info:
        budget.reserve(1, 1)
    assert (exc_info.value.cost, exc_info.value.available) == (1, 0)


def test_commit_and_release() -> None:
    """Test a committed send is spent and a released one is available again."""
    budget = make_budget(10)
    sent = budget.reserve(3, 3)
    failed = budget.reserve(5, 5)

    sent.commit(accepted=True)
    failed.release()

    assert budget.ledger.balance == 7
    assert budget.ledger.available == 7
    assert sent.committed
    assert sent.accepted
    assert not failed.committed


def test_settled_twice_is_a_bug() -> None:
    """Test a hold can be settled only once."""
    hold = make_budget(10).reserve(1, 1)
    hold.commit(accepted=True)

    with pytest.raises(RuntimeError):
        hold.release()


def test_commit_with_another_cost() -> None:
    """Test a send answered in test mode costs nothing, in credits and in the daily count."""
    budget = make_budget(10, limit=5)

    budget.reserve(3, 3).commit(cost=0, accepted=True)

    assert budget.ledger.balance == 10
    assert budget.ledger.available == 10
    assert budget.daily.used == 0


def test_context_manager_releases_a_certain_refusal() -> None:
    """Test a hold left open by an error that sent nothing gives everything back."""
    budget = make_budget(10, limit=5)

    with pytest.raises(RefusedError), budget.reserve(3, 3):
        raise RefusedError

    assert budget.ledger.available == 10
    assert budget.daily.left(DAY) == 5


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_context_manager_books_any_other_exit_as_spent(
    error: type[BaseException],
) -> None:
    """Test a hold left open by anything else (a lost answer, a cancel) is spent."""
    budget = make_budget(10, limit=5)

    with pytest.raises(error), budget.reserve(3, 3) as hold:
        raise error

    assert hold.committed
    assert not hold.accepted
    assert budget.ledger.balance == 7
    assert budget.daily.used == 3


def test_context_manager_keeps_an_explicit_settlement() -> None:
    """Test a hold settled in the block is not settled again on the way out."""
    budget = make_budget(10)

    with budget.reserve(3, 3) as hold:
        hold.commit(accepted=True)

    assert budget.ledger.balance == 7


def test_daily_limit_refuses_before_the_ledger_holds() -> None:
    """Test a send over the daily limit holds no credits either."""
    budget = make_budget(10, limit=2)

    with pytest.raises(DailyLimitReachedError) as exc_info:
        budget.reserve(3, 3)

    assert (exc_info.value.cost, exc_info.value.limit, exc_info.value.left) == (3, 2, 2)
    assert budget.ledger.available == 10


def test_ledger_refusal_gives_the_allowance_back() -> None:
    """Test a send the credits cannot pay for holds nothing of the daily allowance."""
    budget = make_budget(1, limit=5)

    with pytest.raises(InsufficientCreditsError):
        budget.reserve(3, 3)

    assert budget.daily.left(DAY) == 5


def test_send_answered_after_midnight_counts_on_the_new_day() -> None:
    """Test a send reserved at 23:59:59 and answered at 00:00:01 counts on the new day."""
    days = [DAY]
    budget = make_budget(10, limit=1, days=days)
    hold = budget.reserve(1, 1)
    # Whatever day it is answered on, a send in flight holds the allowance.
    assert budget.daily.left(DAY) == 0

    days.append(date(2026, 5, 5))
    hold.commit(accepted=True)

    assert budget.daily.day == date(2026, 5, 5)
    assert budget.daily.used == 1
    with pytest.raises(DailyLimitReachedError):
        budget.reserve(1, 1)


def test_balance_read_after_a_commit_includes_it() -> None:
    """Test a read that started after a send was booked replaces the booking."""
    budget = make_budget(10)
    budget.reserve(3, 3).commit(accepted=True)
    read = budget.ledger.begin_read()

    assert budget.ledger.apply_balance(7, read)

    assert budget.ledger.balance == 7
    assert budget.ledger.available == 7


def test_balance_read_before_a_commit_keeps_it_booked() -> None:
    """Test a read that started before a send was booked never gives its cost back."""
    budget = make_budget(10)
    read = budget.ledger.begin_read()
    budget.reserve(3, 3).commit(accepted=True)

    # The provider answered with the balance from before the send.
    assert budget.ledger.apply_balance(10, read)

    assert budget.ledger.balance == 7
    assert budget.ledger.available == 7


def test_balance_read_while_a_send_is_in_flight() -> None:
    """Test a send in flight when the read started stays reserved on top of it."""
    budget = make_budget(10)
    in_flight = budget.reserve(3, 3)
    read = budget.ledger.begin_read()

    assert budget.ledger.apply_balance(10, read)
    assert budget.ledger.available == 7

    in_flight.commit(accepted=True)
    assert budget.ledger.balance == 7


def test_older_read_is_ignored() -> None:
    """Test a read that started before the one applied does not raise the balance."""
    budget = make_budget(10)
    slow_read = budget.ledger.begin_read()
    budget.reserve(2, 2).commit(accepted=True)
    fast_read = budget.ledger.begin_read()
    assert budget.ledger.apply_balance(8, fast_read)

    assert not budget.ledger.apply_balance(10, slow_read)

    assert budget.ledger.balance == 8


def test_sends_accepted_since() -> None:
    """Test the sends accepted after a read are counted; unsure ones are not."""
    budget = make_budget(10)
    budget.reserve(1, 1).commit(accepted=True)
    read = budget.ledger.begin_read()
    budget.reserve(1, 1).commit(accepted=True)
    budget.reserve(1, 1).commit(accepted=False)
    budget.reserve(1, 1)

    assert budget.ledger.sends_accepted_since(read) == 1
