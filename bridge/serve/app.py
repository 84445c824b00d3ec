"""The Starlette app of the bridge's server: routes in one table, errors and tokens as middleware."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Route

from bridge.serve import api, intake
from bridge.serve.auth import BearerAuth, TokenSources
from bridge.serve.errors import Refused
from bridge.serve.services import Services
from webguard.middleware import Errors, routing_error, standard_answer

log = logging.getLogger("bridge.serve")

INTAKE_ROUTES = [
    Route("/v1/intake/events", intake.post_events, methods=["POST"]),
    Route("/v1/intake/receipts", intake.post_receipts, methods=["POST"]),
    Route("/v1/intake/health", intake.get_health, methods=["GET"]),
    Route("/healthz", intake.get_health, methods=["GET"]),
]
API_ROUTES = [
    Route("/v1/events", api.post_events, methods=["POST"]),
    Route("/v1/heartbeats", api.post_heartbeat, methods=["POST"]),
    Route("/v1/catalog", api.get_catalog, methods=["GET"]),
    Route("/v1/stock", api.get_stock, methods=["GET"]),
    Route("/v1/keys", api.get_keys, methods=["GET"]),
    Route("/v1/devices", api.get_devices, methods=["GET"]),
    Route("/v1/devices/token", api.post_device_token, methods=["POST"]),
    Route("/v1/images/{name}", api.get_image, methods=["GET"]),
    Route("/v1/profiles/{profile_id}", api.get_profile, methods=["GET"]),
]


def _answer(exc: Exception) -> Response:
    """Refused with its status (logged when it is the server's fault or a bad token), the rest as webguard does."""
    if isinstance(exc, Refused) and (exc.status >= 500 or exc.status in (401, 403)):
        log.warning("refused (%d): %s", exc.status, exc.message)
    return standard_answer(exc, log, "the bridge's log")


def create_app(services: Services, sources: TokenSources, *, serve_api: bool) -> Starlette:
    """The app: intake routes always, the profile API when this bridge serves its store."""
    app = Starlette(
        routes=INTAKE_ROUTES + (API_ROUTES if serve_api else []),
        middleware=[Middleware(Errors, answer=_answer), Middleware(BearerAuth, sources=sources)],
        exception_handlers={HTTPException: routing_error},
    )
    app.state.services = services
    return app
