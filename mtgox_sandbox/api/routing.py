"""Which API version and endpoint a request path names, parsed once per path."""

import functools
from typing import Final

from .common import ApiError, ApiVersion, Route, invalid_call
from .v0 import V0
from .v1v2 import V1, V2

VERSIONS: Final[dict[str, ApiVersion]] = {"0": V0, "1": V1, "2": V2}

ROUTES_KEPT: Final = 256
"""Parsed paths kept: a client asks the same few again and again."""


def api_version(version_text: str) -> ApiVersion:
    """Return the version a path names; an unknown one is answered in v1's shape."""
    return VERSIONS.get(version_text, V1)


def route_request(version_text: str, path: str) -> tuple[ApiVersion, Route | ApiError]:
    """Return the version and the route of ``/api/<version_text>/<path>``.

    For an unknown version or path the route is the error to answer with (HTTP
    404 ``Invalid call``).
    """
    api = api_version(version_text)
    try:
        return api, _known_route(version_text, path)
    except ApiError as error:
        return api, error


@functools.lru_cache(maxsize=ROUTES_KEPT)
def _known_route(version_text: str, path: str) -> Route:
    """Return the route of a known path; an unknown one raises and is never kept."""
    if version_text not in VERSIONS:
        raise invalid_call()
    return VERSIONS[version_text].route(path)
