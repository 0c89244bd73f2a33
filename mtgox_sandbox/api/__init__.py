"""The HTTP API, every version in one package.

``v0``: the ``*.php`` calls; ``v1v2``: the v1/v2 handlers (one set) and the two
path grammars and envelopes; ``shapes``: the JSON shapes; ``common``: what every
version shares (``Endpoint``, ``CallContext``, ``ApiError``, ``ApiVersion``).
"""
