"""The order book: depth/fetch on every API version, recorded replies, and level changes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.mtgox.api import (
    ApiVersion,
    BookLevel,
    MtGoxResponseError,
    OrderBook,
    Side,
)
from custom_components.mtgox.api.book import parse_depth
from custom_components.mtgox.api.parsing import load_json

from .test_engine_calls import ALL_VERSIONS, ENGINE_VERSION, client_of, session
from .test_parsing import REAL

if TYPE_CHECKING:
    import aiohttp

    from mtgox_sandbox.runner import Sandbox

__all__ = ["session"]  # the fixture, imported for these tests

EMPTY = OrderBook("BTCUSD", (), ())


def level(price: str, volume: str) -> BookLevel:
    return BookLevel(Decimal(price), Decimal(volume))


def expected_levels(
    levels: list[tuple[int, int]], currency_places: int, *, best_first_from_high: bool
) -> tuple[BookLevel, ...]:
    """Turn the sandbox's integer levels into the book's, computed apart."""
    ordered = sorted(levels, reverse=best_first_from_high)
    return tuple(
        BookLevel(Decimal(price).scaleb(-currency_places), Decimal(amount).scaleb(-8))
        for price, amount in ordered
    )


@ALL_VERSIONS
@pytest.mark.parametrize("pair", ["BTCUSD", "BTCJPY"])
async def test_depth_is_the_sandbox_book_within_ten_percent(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion, pair: str
) -> None:
    """One GET; both sides best first, exact, within 10 % of the last price."""
    places = 3 if pair == "BTCJPY" else 5
    depth = sandbox.exchange.depth(pair)
    last = sandbox.exchange.ticker(pair).last
    low, high = last * 90 // 100, last * 110 // 100

    book = await client_of(sandbox, session, version).depth(pair)

    assert book == OrderBook(
        pair,
        bids=expected_levels(
            [(lv.price_int, lv.amount_int) for lv in depth.bids if lv.price_int >= low],
            places,
            best_first_from_high=True,
        ),
        asks=expected_levels(
            [
                (lv.price_int, lv.amount_int)
                for lv in depth.asks
                if lv.price_int <= high
            ],
            places,
            best_first_from_high=False,
        ),
    )
    assert book.bids
    assert book.asks
    assert sandbox.counters == {f"{ENGINE_VERSION[version]}:depth/fetch": 1}


def test_recorded_v1_reply() -> None:
    """The real April 2013 reply: 966 levels, best bid 113, best ask 114 USD."""
    payload = load_json((REAL / "sferik-mtgox/v1/depth.json").read_bytes())
    book = parse_depth("BTCUSD", payload["return"])  # type: ignore[index]

    assert (len(book.bids), len(book.asks)) == (513, 453)
    assert book.bids[0] == level("113.00000", "124.69802063")
    assert book.asks[0] == level("114.00000", "0.43936758")
    assert [lv.price for lv in book.bids] == sorted(
        (lv.price for lv in book.bids), reverse=True
    )
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)


def test_recorded_v2_reply() -> None:
    """XChange's recorded v2 ``data``: the same entry shape."""
    payload = load_json((REAL / "xchange/v2/example-depth-data.json").read_bytes())
    book = parse_depth("BTCUSD", payload)

    assert book.asks[0] == level("182.99999", "2.46297453")
    assert book.bids[0].price < book.asks[0].price


def test_the_recorded_reply_fits_the_bound_with_room() -> None:
    """The real reply, compact as the exchange sent it, is under a third of 512 KiB."""
    payload = json.loads((REAL / "sferik-mtgox/v1/depth.json").read_bytes())
    compact = json.dumps(payload, separators=(",", ":")).encode()
    assert len(compact) * 3 < 512 * 1024


def entry(price_int: object, amount_int: object = "100000000") -> dict[str, object]:
    return {
        "price": 1.0,
        "amount": 1.0,
        "price_int": price_int,
        "amount_int": amount_int,
    }


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {},
        {"asks": []},
        {"asks": [], "bids": {}},
        {"asks": [], "bids": [[80000000, 100000000]]},
        {"asks": [], "bids": [{"price": 800, "amount": 1}]},
        {"asks": [], "bids": [entry("0")]},
        {"asks": [], "bids": [entry("-80000000")]},
        {"asks": [], "bids": [entry("80000000", "0")]},
        {"asks": [], "bids": [entry("80000000", "-1")]},
        {"asks": [], "bids": [entry("800.5")]},
        {"asks": [], "bids": [entry(True)]},
        {"asks": [], "bids": [entry(str(2**63))]},
        {"asks": [], "bids": [entry("80000000"), entry(80000000)]},
        {"asks": [entry("1" * 10_000)], "bids": []},
    ],
)
def test_malformed_depth_is_a_response_error(payload: object) -> None:
    """Missing sides, floats only, non-positive, huge or repeated levels: refused."""
    with pytest.raises(MtGoxResponseError):
        parse_depth("BTCUSD", payload)


BOOK = OrderBook(
    "BTCUSD",
    bids=(level("795", "0.5"), level("792", "1.25"), level("791.99999", "2")),
    asks=(level("805", "0.3"), level("808", "0.7"), level("808.00001", "4")),
)


def test_volumes_near_the_last_price() -> None:
    """Worked by hand: at 800, 1 % reaches 792 and 808, both included."""
    assert BOOK.volume_near(Side.BID, Decimal(800), Decimal(1)) == Decimal("1.75")
    assert BOOK.volume_near(Side.ASK, Decimal(800), Decimal(1)) == Decimal("1.0")
    assert BOOK.volume_near(Side.ASK, Decimal(800), Decimal(0)) == 0


def test_an_empty_side_has_no_volume() -> None:
    """No asks (or bids): that side's volume is simply 0, the other's unchanged."""
    bids_only = OrderBook("BTCUSD", BOOK.bids, ())
    assert bids_only.volume_near(Side.ASK, Decimal(800), Decimal(1)) == 0
    assert bids_only.volume_near(Side.BID, Decimal(800), Decimal(1)) == Decimal("1.75")
    asks_only = OrderBook("BTCUSD", (), BOOK.asks)
    assert asks_only.volume_near(Side.BID, Decimal(800), Decimal(1)) == 0


def test_with_level_inserts_replaces_and_removes() -> None:
    """A streamed change sets a level's total: new, changed, or gone at 0."""
    better_bid = BOOK.with_level(Side.BID, Decimal("799"), Decimal("0.1"))
    assert better_bid.bids == (level("799", "0.1"), *BOOK.bids)
    assert better_bid.asks is BOOK.asks

    changed = BOOK.with_level(Side.ASK, Decimal("808"), Decimal("0.2"))
    assert changed.asks == (level("805", "0.3"), level("808", "0.2"), BOOK.asks[2])

    removed = BOOK.with_level(Side.ASK, Decimal("805"), Decimal(0))
    assert removed.asks == BOOK.asks[1:]

    # Not there and 0: nothing to remove, nothing changes.
    assert BOOK.with_level(Side.BID, Decimal("1"), Decimal(0)) == BOOK
    # The book it was applied to is untouched: books are values.
    assert BOOK.bids[0] == level("795", "0.5")


@pytest.mark.parametrize(
    ("price", "volume"), [("0", "1"), ("-1", "1"), ("800", "-0.00000001")]
)
def test_with_level_refuses_impossible_levels(price: str, volume: str) -> None:
    with pytest.raises(ValueError, match="not a book level"):
        BOOK.with_level(Side.BID, Decimal(price), Decimal(volume))


CHANGES = st.lists(
    st.tuples(
        st.sampled_from(Side),
        st.integers(min_value=1, max_value=40).map(lambda p: Decimal(p).scaleb(-1)),
        st.integers(min_value=0, max_value=3).map(Decimal),
    ),
    max_size=60,
)


@given(CHANGES)
def test_with_level_keeps_the_book_a_sorted_map_of_totals(
    changes: list[tuple[Side, Decimal, Decimal]],
) -> None:
    """Any sequence of changes gives the book a plain price -> total map gives."""
    book = EMPTY
    totals: dict[Side, dict[Decimal, Decimal]] = {Side.BID: {}, Side.ASK: {}}
    for side, price, volume in changes:
        book = book.with_level(side, price, volume)
        if volume:
            totals[side][price] = volume
        else:
            totals[side].pop(price, None)
    assert book.bids == tuple(
        BookLevel(price, volume)
        for price, volume in sorted(totals[Side.BID].items(), reverse=True)
    )
    assert book.asks == tuple(
        BookLevel(price, volume) for price, volume in sorted(totals[Side.ASK].items())
    )
