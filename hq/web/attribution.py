"""GET /stores/{store_id}/attribution.json and GET /attribution.json (behind the dashboard token when set)."""

from __future__ import annotations

from starlette.responses import Response

from hq.attribution.report import chain_json, store_json
from hq.web.call import Call, json_response
from hq.web.period_query import currency_from, period_from, window_from


def store_attribution(call: Call) -> Response:
    store_id = call.params["store_id"]
    period = period_from(call.query)
    result = call.state.results.attribute(period, store_id=store_id, currency=currency_from(call.query),
                                          window_days=_window(call))
    return json_response(200, store_json(store_id, period, result))


def chain_attribution(call: Call) -> Response:
    period = period_from(call.query)
    result = call.state.results.attribute(period, currency=currency_from(call.query), window_days=_window(call))
    return json_response(200, chain_json(period, result, len(call.state.store.stores())))


def _window(call: Call) -> int:
    return window_from(call.query, call.state.access.attribution_window_days)
