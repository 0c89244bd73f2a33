"""Routing request paths to API versions and endpoints."""

import itertools

from mtgox_sandbox.api import routing
from mtgox_sandbox.api.common import ApiError, Route
from mtgox_sandbox.api.v1v2 import V1, V2


def test_a_known_path_routes_to_its_endpoint() -> None:
    api, route = routing.route_request("2", "BTCUSD/money/order/add")
    assert api is V2
    assert isinstance(route, Route)
    assert (route.endpoint.name, route.pair) == ("order/add", "BTCUSD")


def test_unknown_versions_and_paths_are_errors_in_their_shape() -> None:
    api, route = routing.route_request("7", "BTCUSD/ticker")
    assert api is V1
    assert isinstance(route, ApiError)
    assert route.status == 404
    api, route = routing.route_request("2", "BTCUSD/money/no_such_call")
    assert api is V2
    assert isinstance(route, ApiError)


def test_parsed_paths_kept_stay_bounded() -> None:
    """Every spelling of a pair routes, so a client could name endless paths."""
    spellings = [
        "".join(letters)
        for letters in itertools.product(*((c.lower(), c) for c in "BTCUSD"))
    ]
    routed: set[tuple[str, str]] = set()
    for pair, method in itertools.product(spellings, ("ticker", "depth", "trades")):
        for version, path in (
            ("1", f"{pair}/{method}"),
            ("2", f"{pair}/money/{method}"),
        ):
            _, route = routing.route_request(version, path)
            assert isinstance(route, Route)
            routed.add((version, path))
    assert len(routed) > routing.ROUTES_KEPT
    assert routing._known_route.cache_info().currsize <= routing.ROUTES_KEPT
