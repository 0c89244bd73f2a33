"""The ledger's postings: what a funding writes, and the pages of a trimmed history."""

from mtgox_sandbox.engine.models import HISTORY_PAGE_SIZE, HOUSE_HISTORY_LIMIT

from .helpers import memory_exchange
from .test_exchange import START_US, FakeClock

HALF_A_SECOND_US = 500_000


def test_funding_is_a_bank_withdrawal_and_a_deposit_in_whole_seconds() -> None:
    clock = FakeClock()
    clock.now = START_US + HALF_A_SECOND_US
    with memory_exchange(seed=7, clock_us=clock) as exchange:
        bank = exchange.house_account("bank")

        alice = exchange.add_account("alice-key", "s", ["trade"], login="alice")

        [withdrawal] = exchange.wallet_history(bank, "USD", 1).result[:1]
        [deposit] = exchange.wallet_history(alice, "USD", 1).result
    # History dates are whole seconds, as the API shows them.
    second = START_US // 1_000_000
    assert (withdrawal.type, withdrawal.info, withdrawal.date) == (
        "withdraw",
        "Funding alice",
        second,
    )
    assert (deposit.type, deposit.info, deposit.date) == ("deposit", "Deposit", second)
    assert type(deposit.date) is int


def test_the_pages_of_a_trimmed_history_hold_the_newest_entries_only() -> None:
    with memory_exchange(seed=7, clock_us=FakeClock()) as exchange:
        fees = exchange.house_account("fees")
        wallet = fees.wallets["USD"]
        # Within one transaction: the entries beyond the limit are still stored.
        while wallet.operations <= HOUSE_HISTORY_LIMIT + HISTORY_PAGE_SIZE:
            exchange.deposit(fees, "USD", 1)

        first = exchange.wallet_history(fees, "USD", 1)
        pages = [
            exchange.wallet_history(fees, "USD", page).result
            for page in range(1, first.max_page + 2)
        ]
    assert first.records == HOUSE_HISTORY_LIMIT
    assert first.max_page == HOUSE_HISTORY_LIMIT // HISTORY_PAGE_SIZE
    assert pages[-1] == []  # past the last page
    indexes = [entry.index for page in pages for entry in page]
    newest = wallet.operations
    assert indexes == list(range(newest, newest - HOUSE_HISTORY_LIMIT, -1))
