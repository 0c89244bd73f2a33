"""The exchange engine in parts: book, matching, ledger, market data, feed."""
