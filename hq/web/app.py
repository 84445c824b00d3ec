"""The HQ ASGI app: every route in one table, with errors, faults and the bearer token as middleware.

    app = create_app(build_state("hq.db"))
    uvicorn.run(app)
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from hq.state import HQApp
from hq.web import (
    attribution,
    events,
    faults_endpoint,
    feeds,
    forward_status,
    orders,
    pages,
    profiles,
)
from hq.web.call import endpoint
from hq.web.dashboard_token import DashboardToken
from hq.web.middleware import BearerToken, InjectedFaults, answer_error
from webguard.middleware import Errors, routing_error

ROUTES = [
    # the profile API v1 (bearer token)
    Route("/v1/events", endpoint(events.post_events, reads_body=True), methods=["POST"]),
    Route("/v1/catalog", endpoint(feeds.get_catalog), methods=["GET"]),
    Route("/v1/stock", endpoint(feeds.get_stock), methods=["GET"]),
    Route("/v1/images/{name}", endpoint(feeds.get_image), methods=["GET"]),
    Route("/v1/profiles/{profile_id}", endpoint(profiles.get_profile), methods=["GET"]),
    Route("/v1/keys", endpoint(profiles.get_keys), methods=["GET"]),
    Route("/v1/claims/{claim_code}", endpoint(profiles.post_claim, reads_body=True), methods=["POST"]),
    Route("/v1/heartbeats", endpoint(profiles.post_heartbeat, reads_body=True), methods=["POST"]),
    Route("/v1/openapi.json", endpoint(pages.openapi), methods=["GET"]),
    # online orders carrying a kiosk hand-off (the orders token)
    Route("/v1/orders", endpoint(orders.post_orders, reads_body=True), methods=["POST"]),
    # operators and load balancers (no token)
    Route("/", endpoint(pages.index), methods=["GET"]),
    Route("/stores/{store_id}", endpoint(pages.store_page), methods=["GET"]),
    Route("/stores/{store_id}/gaps.json", endpoint(pages.gaps_json), methods=["GET"]),
    Route("/stores/{store_id}/stats.json", endpoint(pages.stats_json), methods=["GET"]),
    Route("/stores/{store_id}/attribution.json", endpoint(attribution.store_attribution), methods=["GET"]),
    Route("/attribution.json", endpoint(attribution.chain_attribution), methods=["GET"]),
    Route("/stores/{store_id}/tables/{table}.csv", endpoint(pages.store_csv), methods=["GET"]),
    Route("/chain", endpoint(pages.chain_page), methods=["GET"]),
    Route("/chain/tables/{table}.csv", endpoint(pages.chain_csv), methods=["GET"]),
    Route("/healthz", endpoint(pages.healthz), methods=["GET"]),
    Route("/readyz", endpoint(pages.readyz), methods=["GET"]),
    Route("/forward/stats.json", endpoint(forward_status.forward_stats), methods=["GET"]),
    # tests and demos only (404 unless the fault endpoint is on)
    Route("/_faults", endpoint(faults_endpoint.add_fault, reads_body=True), methods=["POST"]),
    Route("/_faults", endpoint(faults_endpoint.clear_faults), methods=["DELETE"]),
]


def create_app(state: HQApp) -> Starlette:
    """The Starlette app serving state."""
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Errors, answer=answer_error), Middleware(InjectedFaults, faults=state.faults),
                    Middleware(DashboardToken, token=state.access.dashboard_token),
                    Middleware(BearerToken, tokens=state.store.token_table,
                               open_paths=frozenset({"/v1/openapi.json", "/v1/orders"})),
                    Middleware(BearerToken, tokens=state.orders_tokens, prefix="/v1/orders")],
        exception_handlers={HTTPException: routing_error},
    )
    app.state.hq = state
    return app
