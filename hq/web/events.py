"""POST /v1/events: validate a batch, store each new event once, answer per event in request order."""

from __future__ import annotations

import json

from starlette.responses import Response

from hq.errors import HTTPFailure
from hq.validation import BatchInvalid, check_batch, event_check_for
from hq.web.body import body_text, check_json_type, parse_json
from hq.web.call import Call


def post_events(call: Call) -> Response:
    check_json_type(call.headers)
    text = body_text(call.headers, call.body)
    try:
        batch_store, bridge_id, events = check_batch(parse_json(call.headers, call.body, text))
    except BatchInvalid as exc:
        raise HTTPFailure(400, str(exc)) from None
    if batch_store != call.store_id:
        raise HTTPFailure(403, f"store_id: the token belongs to store {call.store_id!r}, not {batch_store!r}")
    results = call.state.store.add_events(call.store_id, bridge_id, events, event_check_for(text), raw=text)
    return Response(results_json(results), 200, media_type="application/json")


def results_json(results: list[dict]) -> bytes:
    """{"results": [...]} built by joining strings: most results are an id and a fixed status."""
    # check_batch allowed only [A-Za-z0-9_-] in ids, so they need no escaping.
    parts = [f'{{"id":"{r["id"]}","status":"{r["status"]}"}}' if len(r) == 2
             else json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in results]
    return ('{"results":[' + ",".join(parts) + "]}").encode("utf-8")
