"""GET /stores/{store_id}/attribution.json and GET /attribution.json (behind the dashboard token when set)."""

from __future__ import annotations

from starlette.responses import Response

from hq.attribution import attribute
from hq.attribution_report import chain_json, store_json
from hq.period_query import currency_from, period_from, window_from
from hq.web.call import Call, json_response


def store_attribution(call: Call) -> Response:
    store_id = call.params["store_id"]
    period = period_from(call.query)
    result = attribute(call.state.store.db, period, store_id=store_id, currency=currency_from(call.query),
                       window_days=window_from(call.query, call.state.access.attribution_window_days))
    return json_response(200, store_json(store_id, period, result))


def chain_attribution(call: Call) -> Response:
    period = period_from(call.query)
    result = attribute(call.state.store.db, period, currency=currency_from(call.query),
                       window_days=window_from(call.query, call.state.access.attribution_window_days))
    return json_response(200, chain_json(period, result, len(call.state.store.stores())))
