"""Routing request paths to API versions and endpoints."""

from mtgox_sandbox.api import routing
from mtgox_sandbox.api.common import ApiError, Route
from mtgox_sandbox.api.v0 import V0
from mtgox_sandbox.api.v1v2 import V2


def test_a_known_path_routes_to_its_endpoint() -> None:
    api, route = routing.route_request("2", "BTCUSD/money/order/add")
    assert api is V2
    assert isinstance(route, Route)
    assert (route.endpoint.name, route.pair) == ("order/add", "BTCUSD")


def test_unknown_versions_and_paths_are_404s_in_their_versions_shape() -> None:
    api, route = routing.route_request("7", "BTCUSD/ticker")
    assert isinstance(route, ApiError)
    assert route.status == 404
    assert api.failure(route) == {
        "result": "error",
        "error": "Invalid call",
        "token": "invalid_call",
    }
    api, route = routing.route_request("0", "noSuchCall.php")
    assert api is V0
    assert isinstance(route, ApiError)
    assert api.failure(route) == {"error": "Invalid call"}


def test_parsed_paths_are_kept_within_a_bound() -> None:
    """Every letter case of a pair routes, so a client can name endless paths."""
    kept = routing._known_route.cache_parameters()["maxsize"]
    assert kept == routing.ROUTES_KEPT


def test_unknown_paths_are_never_kept() -> None:
    routing.route_request("1", "BTCUSD/ticker")
    before = routing._known_route.cache_info().currsize
    for index in range(100):
        routing.route_request("2", f"BTCUSD/money/no_such_call_{index}")
        routing.route_request(f"{index + 3}", "BTCUSD/ticker")
    assert routing._known_route.cache_info().currsize == before
    assert isinstance(routing.route_request("1", "BTCUSD/ticker")[1], Route)
