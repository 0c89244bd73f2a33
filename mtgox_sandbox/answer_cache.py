"""Answers kept for later: the 10-second result cache, and per-account renders.

* :class:`TimedResults` is Mt.Gox's own cache ("All API methods are cached
  for 10 seconds"): a result, possibly stale, per version, method, pair, key
  and parameters (``nonce``/``tonce`` excluded), for ``cache_seconds``.
* :class:`AccountRenders` only saves work and is never stale.  ``info`` (v0
  ``info.php``, ``getFunds.php``) builds about 25 currency objects and their
  JSON on every call, as costly as the call's commit.  The finished body is
  kept per account and dropped from the engine's feed the moment one of the
  account's wallets (a posting or a reserve) or its own record (rights,
  revocation, monthly volume) changes, inside the engine call that changed
  it, so a render is never served after a change it would hide.  The engine
  never opens or closes a wallet (the real exchange did, on a first deposit,
  and tests do it to the account directly), so a render also belongs to the
  set of wallets it showed.  At most
  :data:`RENDERS_PER_ACCOUNT` bodies per account, so memory is bounded by
  the number of accounts.
"""

import time
from collections.abc import Hashable, Mapping
from typing import Any, Final

from .engine.feed import AccountEvent, Event, Feed, WalletEvent
from .engine.models import Account

CACHE_PRUNE_SIZE: Final = 1024
"""Expired cache entries are dropped whenever the cache reaches this size."""

NONCE_PARAMS: Final = frozenset({"nonce", "tonce"})

RENDERS_PER_ACCOUNT: Final = 8
"""Room for ``info`` in every version and envelope and ``getFunds.php``; a
caller varying its parameters evicts only its own renders."""

type CacheKey = tuple[int, str, str | None, str | None, tuple[tuple[str, str], ...]]


def cache_key(
    version: int,
    method: str,
    pair: str | None,
    key: str | None,
    params: Mapping[str, str],
) -> CacheKey:
    """Return what identifies a call's result: everything but its nonce."""
    kept = tuple(sorted((k, v) for k, v in params.items() if k not in NONCE_PARAMS))
    return (version, method, pair, key, kept)


class TimedResults:
    """Results kept for a number of seconds each."""

    def __init__(self) -> None:
        """Start empty."""
        self._entries: dict[CacheKey, tuple[float, Any]] = {}

    def __len__(self) -> int:
        """Return how many results are kept, expired ones included."""
        return len(self._entries)

    def get(self, key: CacheKey) -> tuple[Any] | None:
        """Return ``(result,)`` if it is kept and fresh, else None."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return (entry[1],)
        return None

    def remember(self, key: CacheKey, result: Any, seconds: float) -> None:
        """Keep ``result`` for ``seconds``, forgetting expired entries now and then."""
        now = time.monotonic()
        if len(self._entries) >= CACHE_PRUNE_SIZE:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        self._entries[key] = (now + seconds, result)

    def clear(self) -> None:
        """Forget every result."""
        self._entries.clear()


class AccountRenders:
    """Rendered bodies per account, dropped whenever the account changes."""

    def __init__(self, feed: Feed) -> None:
        """Listen to ``feed`` for as long as the renders are used."""
        self._bodies: dict[str, dict[Hashable, str]] = {}
        feed.subscribe(self._forget, kinds=(WalletEvent, AccountEvent))

    def get(self, account: Account, key: Hashable) -> str | None:
        """Return the body kept for the account under ``key``, if any."""
        kept = self._bodies.get(account.index)
        return None if kept is None else kept.get((key, *account.wallets))

    def keep(self, account: Account, key: Hashable, body: str) -> None:
        """Keep ``body`` as the account's answer to the call ``key`` describes."""
        kept = self._bodies.setdefault(account.index, {})
        if len(kept) >= RENDERS_PER_ACCOUNT:
            kept.clear()
        kept[key, *account.wallets] = body

    def _forget(self, event: Event) -> None:
        """Drop the render of the account an event changed."""
        if isinstance(event, WalletEvent | AccountEvent):  # the only kinds it gets
            self._bodies.pop(event.account_index, None)
