"""POST /_faults queues a fault; DELETE /_faults clears them (only with --faults)."""

from __future__ import annotations

from starlette.responses import Response

from hq.errors import HTTPFailure
from hq.web.call import Call, json_response

_ALLOWED = {"status", "retry_after", "times", "delay_s", "reset", "body", "path_prefix"}


def add_fault(call: Call) -> Response:
    """Body: {status, retry_after, times, delay_s, reset, body, path_prefix}."""
    _require_enabled(call)
    spec = call.json()
    if not isinstance(spec, dict) or set(spec) - _ALLOWED:
        raise HTTPFailure(400, f"body: an object with keys among {sorted(_ALLOWED)}")
    try:
        call.state.faults.add(**spec)
    except (TypeError, ValueError) as exc:
        raise HTTPFailure(400, str(exc)) from None
    return json_response(200, {"pending": call.state.faults.pending()})


def clear_faults(call: Call) -> Response:
    _require_enabled(call)
    call.state.faults.clear()
    return Response(b"", 204)


def _require_enabled(call: Call) -> None:
    if not call.state.fault_endpoint:
        raise HTTPFailure(404, "no such resource: /_faults")
