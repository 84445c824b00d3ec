"""POST /v1/orders: online orders carrying a kiosk hand-off (the orders token is checked by middleware)."""

from __future__ import annotations

from starlette.responses import Response

from hq.attribution.orders import add_orders, check_orders
from hq.web.call import Call, json_response


def post_orders(call: Call) -> Response:
    orders = check_orders(call.json())
    return json_response(200, {"results": add_orders(call.state.store.db, orders)})
