"""Tests for the credit ledger."""

import pytest

from custom_components.smsservicecenter.ledger import (
    CreditLedger,
    InsufficientCreditsError,
)


def test_reserve_within_the_balance() -> None:
    """Test reservations count against what is available, not against the balance shown."""
    ledger = CreditLedger(10)

    first = ledger.reserve(4)
    ledger.reserve(6)

    assert ledger.available == 0
    assert ledger.balance == 10
    assert first.cost == 4
    with pytest.raises(InsufficientCreditsError) as exc_info:
        ledger.reserve(1)
    assert (exc_info.value.cost, exc_info.value.available) == (1, 0)


def test_commit_and_release() -> None:
    """Test a committed send is spent and a released one is available again."""
    ledger = CreditLedger(10)
    sent = ledger.reserve(3)
    failed = ledger.reserve(5)

    sent.commit()
    failed.release()

    assert ledger.balance == 7
    assert ledger.available == 7


def test_commit_with_another_cost() -> None:
    """Test a send answered in test mode costs nothing."""
    ledger = CreditLedger(10)

    ledger.reserve(3).commit(cost=0)

    assert ledger.balance == 10
    assert ledger.available == 10


def test_balance_read_after_a_commit_includes_it() -> None:
    """Test a read that started after a send was booked replaces the booking."""
    ledger = CreditLedger(10)
    ledger.reserve(3).commit()
    read = ledger.begin_read()

    assert ledger.apply_balance(7, read)

    assert ledger.balance == 7
    assert ledger.available == 7


def test_balance_read_before_a_commit_keeps_it_booked() -> None:
    """Test a read that started before a send was booked never gives its cost back."""
    ledger = CreditLedger(10)
    read = ledger.begin_read()
    ledger.reserve(3).commit()

    # The provider answered with the balance from before the send.
    assert ledger.apply_balance(10, read)

    assert ledger.balance == 7
    assert ledger.available == 7


def test_balance_read_while_a_send_is_in_flight() -> None:
    """Test a send in flight when the read started stays reserved on top of it."""
    ledger = CreditLedger(10)
    in_flight = ledger.reserve(3)
    read = ledger.begin_read()

    assert ledger.apply_balance(10, read)
    assert ledger.available == 7

    in_flight.commit()
    assert ledger.balance == 7


def test_older_read_is_ignored() -> None:
    """Test a read that started before the one applied does not raise the balance."""
    ledger = CreditLedger(10)
    slow_read = ledger.begin_read()
    ledger.reserve(2).commit()
    fast_read = ledger.begin_read()
    assert ledger.apply_balance(8, fast_read)

    assert not ledger.apply_balance(10, slow_read)

    assert ledger.balance == 8


def test_sends_accepted_since() -> None:
    """Test the sends accepted after a read are counted; unsure ones are not."""
    ledger = CreditLedger(10)
    ledger.reserve(1).commit()
    read = ledger.begin_read()
    ledger.reserve(1).commit()
    ledger.reserve(1).commit(accepted=False)
    ledger.reserve(1)

    assert ledger.sends_accepted_since(read) == 1
