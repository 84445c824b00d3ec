"""Profile API v1 answered to the store's own devices, from the store bridge's copy.

Events are stored durably in this bridge's outbox (id, device and seq kept) before the
answer; catalog and stock come from the change feed; keys, images and profiles from what
the store bridge pulled (profiles are asked of HQ, the only one who knows them).
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bridge.serve.auth import SWAP_REQUEST_HEADER, bearer
from bridge.serve.body import parse_json, read_body
from bridge.serve.errors import Refused, json_response
from bridge.serve.handlers import check_senders, in_thread, services_of
from bridge.serve.services import API_BODY_BYTES, Services
from bridge.store import changes, devices
from bridge.store.relayed import store_relayed

MAX_EVENTS = 500
IMAGE_PREFIXES = ("/v1/images/", "v1/images/")


async def post_events(request: Request) -> Response:
    services = services_of(request)
    body = await _json_object(request)
    _check_store(services, body)
    events = body.get("events")
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        raise Refused(400, f"events: expected a list of 1 to {MAX_EVENTS} events")
    results = await in_thread(_record, services, request.state.client, events)
    return json_response(200, {"results": results})


def _record(services: Services, client: str, events: list) -> list[dict]:
    check_senders(services.db, client, events)
    results = store_relayed(services.outbox, services.location, events)
    devices.touch(services.db, client)
    return results


async def post_heartbeat(request: Request) -> Response:
    services = services_of(request)
    body = await _json_object(request)
    _check_store(services, body)
    pending = body.get("pending")
    if pending is not None and (not isinstance(pending, int) or isinstance(pending, bool) or pending < 0):
        raise Refused(400, f"pending: expected an integer >= 0, got {pending!r}"[:200])
    await in_thread(devices.touch, services.db, request.state.client, pending)
    return Response(status_code=204)


async def get_catalog(request: Request) -> Response:
    services, query = services_of(request), request.query_params
    page = await in_thread(changes.catalog_page, services.db, query.get("since"),
                           changes.page_limit(query.get("limit")))
    return json_response(200, page)


async def get_stock(request: Request) -> Response:
    services, query = services_of(request), request.query_params
    page = await in_thread(changes.stock_page, services.db, query.get("since"),
                           changes.page_limit(query.get("limit")))
    return json_response(200, page)


async def get_devices(request: Request) -> Response:
    """The devices this store bridge serves (an extension for the kiosks' staff screen)."""
    known = await in_thread(devices.list_devices, services_of(request).db)
    return json_response(200, {"devices": [d.heartbeat_entry() for d in known]})


async def post_device_token(request: Request) -> Response:
    """Swap a pairing QR's token for a new one (an extension): the token in the picture is spent.

    With a Swap-Request-Id, the same request may swap again (a kiosk that died before it
    wrote its config): the token issued before is replaced.
    """
    client = request.state.client
    token = bearer(request.headers) or ""
    request_id = _swap_request_id(request)
    swapped = await in_thread(devices.swap, services_of(request).db, client, token, request_id)
    if swapped.token is None:
        raise _swap_refused(client, swapped)
    return json_response(200, {"device_id": client, "token": swapped.token}, {"Cache-Control": "no-store"})


def _swap_request_id(request: Request) -> str | None:
    request_id = request.headers.get(SWAP_REQUEST_HEADER)
    if request_id is not None and not devices.REQUEST_ID_RE.fullmatch(request_id):
        raise Refused(400, "Swap-Request-Id: 16 to 64 letters, digits, '-' or '_'")
    return request_id


def _swap_refused(client: str, swapped: devices.Swap) -> Refused:
    if swapped.refusal == devices.OTHER_REQUEST:
        return Refused(409, f"the pairing code of device {client!r} was already swapped at {swapped.detail} "
                            f"by another request; if no screen of yours paired then: "
                            f"vitrine-bridge revoke {client}, then pair again")
    if swapped.refusal == devices.RETRY_EXPIRED:
        return Refused(410, f"the pairing code of device {client!r} expired at {swapped.detail}: it can no "
                            f"longer be swapped again; pair again (vitrine-bridge pair {client})")
    return Refused(409, f"the token of device {client!r} is not a fresh pairing code's "
                        f"(configured, or swapped already): keep using it")


async def get_keys(request: Request) -> Response:
    return json_response(200, await in_thread(services_of(request).state.jwks))


async def get_profile(request: Request) -> Response:
    profile = await in_thread(services_of(request).fetch_profile, request.path_params["profile_id"])
    if profile is None:
        raise Refused(404, "no such profile")
    return json_response(200, profile)


async def get_image(request: Request) -> Response:
    """An image the store bridge cached from HQ, by the name in its catalog URL (never a path)."""
    name = request.path_params["name"]
    found = await in_thread(_cached_image, services_of(request), name)
    if found is None:
        raise Refused(404, f"no such image: {name}")
    data, etag, kind = found
    wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if etag in wanted:
        return Response(b"", 304, {"ETag": etag})
    return Response(data, 200, {"ETag": etag, "Cache-Control": "no-cache"}, media_type=kind)


def _cached_image(services: Services, name: str) -> tuple[bytes, str, str] | None:
    for prefix in IMAGE_PREFIXES:  # looked up by URL: a name never reaches the file system
        cached = services.state.image(prefix + name)
        if cached is not None:
            break
    else:
        return None
    try:
        data = Path(cached[0]).read_bytes()
    except OSError:
        return None
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    return data, etag, mimetypes.guess_type(name)[0] or "application/octet-stream"


async def _json_object(request: Request) -> dict[str, Any]:
    services = services_of(request)
    raw = await read_body(request, limit=API_BODY_BYTES, timeout_s=services.request_timeout_s)
    data = parse_json(request.headers, raw, API_BODY_BYTES)
    if not isinstance(data, dict):
        raise Refused(400, f"body: expected a JSON object, got {type(data).__name__}")
    return data


def _check_store(services: Services, body: dict) -> None:
    store_id = body.get("store_id")
    if not isinstance(store_id, str) or not store_id:
        raise Refused(400, "store_id: required (a non-empty string)")
    if store_id != services.settings.store.id:
        raise Refused(403, f"store_id: this bridge serves store {services.settings.store.id!r}, "
                           f"not {store_id!r}")
