"""Pages without a token: the HTML dashboard, gaps and stats as JSON, health, readiness, the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import HTMLResponse, Response

from hq.errors import DatabaseUnavailable, HTTPFailure
from hq.pages import dashboard
from hq.web.call import Call, json_response
from hq.web.middleware import RETRY_AFTER_S
from hq.web.period_query import currency_from, period_from, window_from

OPENAPI_PATH = Path(__file__).resolve().parents[1] / "openapi.json"


def index(call: Call) -> Response:
    return HTMLResponse(dashboard.index_page(call.state.store))


def store_page(call: Call) -> Response:
    return HTMLResponse(dashboard.store_page(call.state.store, call.state.results, call.params["store_id"],
                                             period_from(call.query),
                                             window_days=_window(call), currency=currency_from(call.query)))


def chain_page(call: Call) -> Response:
    return HTMLResponse(dashboard.chain_page(call.state.results, period_from(call.query), window_days=_window(call),
                                             currency=currency_from(call.query)))


def store_csv(call: Call) -> Response:
    return _csv(call, call.params["store_id"])


def chain_csv(call: Call) -> Response:
    return _csv(call, None)


def _csv(call: Call, store_id: str | None) -> Response:
    name = call.params["table"]
    text = dashboard.table_csv(call.state.store, call.state.results, store_id, name, period_from(call.query),
                               window_days=_window(call), currency=currency_from(call.query))
    if text is None:
        raise HTTPFailure(404, f"no such table: {name}")
    filename = f"{store_id or 'chain'}-{name}.csv".replace('"', "")
    return Response(text.encode("utf-8"), 200, {"Content-Disposition": f'attachment; filename="{filename}"'},
                    media_type="text/csv; charset=utf-8")


def _window(call: Call) -> int:
    return window_from(call.query, call.state.access.attribution_window_days)


def gaps_json(call: Call) -> Response:
    ranges = call.state.store.gap_ranges(call.params["store_id"])
    return json_response(200, {device: [list(r) for r in rs] for device, rs in ranges.items()})


def stats_json(call: Call) -> Response:
    return json_response(200, call.state.store.stats(call.params["store_id"]))


def openapi(call: Call) -> Response:
    return Response(OPENAPI_PATH.read_bytes(), 200, media_type="application/json")


def healthz(call: Call) -> Response:
    body: dict = {"status": "ok"}
    if call.state.forwarder is not None:  # only its state: errors and the URL are for /forward/stats.json
        status = call.state.forwarder.status()
        body["forward"] = {"state": status["state"], "retry_in_s": status["retry_in_s"]}
    return json_response(200, body)


def readyz(call: Call) -> Response:
    try:
        call.state.store.ping()
    except DatabaseUnavailable as exc:
        return json_response(503, {"status": "unavailable", "error": str(exc)}, {"Retry-After": str(RETRY_AFTER_S)})
    return json_response(200, {"status": "ready"})
