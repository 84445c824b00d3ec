"""Pages without a token: the HTML dashboard, gaps and stats as JSON, health, readiness, the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import HTMLResponse, Response

from hq import dashboard
from hq.errors import DatabaseUnavailable
from hq.web.call import Call, json_response
from hq.web.middleware import RETRY_AFTER_S

OPENAPI_PATH = Path(__file__).resolve().parents[1] / "openapi.json"


def index(call: Call) -> Response:
    return HTMLResponse(dashboard.index_page(call.state.store))


def store_page(call: Call) -> Response:
    return HTMLResponse(dashboard.store_page(call.state.store, call.params["store_id"]))


def gaps_json(call: Call) -> Response:
    ranges = call.state.store.gap_ranges(call.params["store_id"])
    return json_response(200, {device: [list(r) for r in rs] for device, rs in ranges.items()})


def stats_json(call: Call) -> Response:
    return json_response(200, call.state.store.stats(call.params["store_id"]))


def openapi(call: Call) -> Response:
    return Response(OPENAPI_PATH.read_bytes(), 200, media_type="application/json")


def healthz(call: Call) -> Response:
    body: dict = {"status": "ok"}
    if call.state.forwarder is not None:  # this process's forwarder: idle, sending, backing off
        body["forward"] = call.state.forwarder.status()
    return json_response(200, body)


def readyz(call: Call) -> Response:
    try:
        call.state.store.ping()
    except DatabaseUnavailable as exc:
        return json_response(503, {"status": "unavailable", "error": str(exc)}, {"Retry-After": str(RETRY_AFTER_S)})
    return json_response(200, {"status": "ready"})
