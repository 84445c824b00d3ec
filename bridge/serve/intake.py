"""The intake endpoints the tills and scripts use: events and receipts, with a till's own token
([intake.tokens], [intake] tokens_file) or the shared [intake] token.

Events come without seq (the bridge numbers each device's events); receipts are normalised,
card-masked and lower the store's stock (bridge.intake.receipts.recording).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bridge.serve.body import parse_json, read_body
from bridge.serve.errors import Refused, json_response
from bridge.serve.handlers import check_receipt_senders, check_senders, in_thread, services_of

INTAKE_EVENT_FIELDS = ("type", "device_id", "payload", "profile_id", "claim_code", "id", "occurred_at")
HEALTH_FIELDS = ("pending", "dead_letters", "oldest_pending_age_s", "last_push_at",
                 "hq_reachable", "auth_failed")


async def post_events(request: Request) -> Response:
    data = await _read(request)
    services = services_of(request)
    events = items(data, "events")
    # A till's ids are its own ("till:NAME"); with the shared token, every till's are "intake"'s.
    await in_thread(check_senders, services.db, request.state.client, events)
    results = await in_thread(record_events, services.receipts, events)
    return json_response(200, {"results": results})


async def post_receipts(request: Request) -> Response:
    from bridge.intake.receipts.recording import receive_documents

    data = await _read(request)
    services = services_of(request)
    key = "documents" if isinstance(data, dict) and "receipts" not in data and "documents" in data \
        else "receipts"
    docs = items(data, "receipts", "documents")
    # Receipts are bound like events: a register id to the till that sent it first, a kiosk's name to it.
    await in_thread(check_receipt_senders, services.db, request.state.client, docs, key)
    results = await in_thread(receive_documents, services.receipts, docs)
    return json_response(200, {"results": results})


async def get_health(request: Request) -> Response:
    """"ok" to anyone; the outbox counts and HQ state only to a token holder."""
    if request.state.client is None:
        return json_response(200, {"status": "ok"})
    status = await in_thread(services_of(request).status)
    return json_response(200, {"status": "ok", **{k: status[k] for k in HEALTH_FIELDS}})


async def _read(request: Request) -> Any:
    services = services_of(request)
    limit = services.settings.intake.max_body_bytes
    if request.headers.get("content-type") is None:
        raise Refused(415, "Content-Type must be application/json, got 'none'")
    try:
        raw = await read_body(request, limit=limit, timeout_s=services.request_timeout_s)
        return parse_json(request.headers, raw, limit)
    except Refused as exc:
        if exc.status == 413:
            raise Refused(413, f"{exc.message} ([intake] max_body_bytes = {limit})", exc.headers) from None
        raise


def items(data: Any, *keys: str) -> list:
    """The list under one of keys of an object, or a bare list."""
    if isinstance(data, dict):
        for key in keys:
            if key in data:
                data = data[key]
                break
        else:
            raise Refused(400, f"expected a list or an object with {keys[0]!r}")
    if not isinstance(data, list):
        raise Refused(400, f"{keys[0]}: expected a list, got {type(data).__name__}")
    return data


def record_events(receipts: Any, events: list) -> list[dict]:
    """Record intake events (EVENT shape without seq); one HQ-style result per event."""
    from bridge.intake.receipts.recording import receive_events

    results: list[dict | None] = [None] * len(events)
    valid: list[tuple[int, dict]] = []
    for i, event in enumerate(events):
        problem = _shape_problem(event)
        if problem:
            results[i] = {"id": _id_of(event), "status": "rejected", "error": problem}
        else:
            valid.append((i, {k: event[k] for k in INTAKE_EVENT_FIELDS if k in event}))
    # Through the receipts service, so card numbers in receipt events are masked before storage.
    recorded = receive_events(receipts, [e for _, e in valid]) if valid else []
    for (i, _event), result in zip(valid, recorded):
        results[i] = result
    return results  # type: ignore[return-value]


def _shape_problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return f"event: expected an object, got {type(event).__name__}"
    if "seq" in event:
        return "seq: must not be sent; the bridge numbers each device's events"
    unknown = sorted(set(event) - set(INTAKE_EVENT_FIELDS))
    if unknown:
        return f"{unknown[0]}: unknown field"
    return None


def _id_of(event: Any) -> str | None:
    return event.get("id") if isinstance(event, dict) and isinstance(event.get("id"), str) else None
