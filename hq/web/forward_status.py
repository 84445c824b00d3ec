"""GET /forward/stats.json: the forwarding queue's counts and this process's forwarder (no token, like stats.json)."""

from __future__ import annotations

from starlette.responses import Response

from hq.forward.queue import queue_stats
from hq.web.call import Call, json_response


def forward_stats(call: Call) -> Response:
    forwarder = call.state.forwarder
    if forwarder is None:
        return json_response(404, {"error": "forwarding is not configured on this HQ"})
    return json_response(200, {**queue_stats(call.state.store.db), "process": forwarder.status()})
