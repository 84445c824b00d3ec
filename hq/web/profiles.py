"""GET /v1/profiles/{id}, GET /v1/keys, POST /v1/claims/{code} and POST /v1/heartbeats."""

from __future__ import annotations

import re

from starlette.responses import Response

from hq.errors import HTTPFailure
from hq.validation import is_timestamp
from hq.web.call import Call, json_response

_CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_LISTED = 1000  # quarantined files or served devices in one heartbeat


def get_profile(call: Call) -> Response:
    profile = call.state.store.profile(call.params["profile_id"])
    if profile is None:
        raise HTTPFailure(404, f"profile not found: {call.params['profile_id']}")
    return json_response(200, profile)


def get_keys(call: Call) -> Response:
    return json_response(200, call.state.jwks())


def post_claim(call: Call) -> Response:
    code = call.params["claim_code"]
    if not _CODE.fullmatch(code):
        raise HTTPFailure(400, "claim_code: 1-128 characters of [A-Za-z0-9_-]")
    obj = call.json()
    profile_id = obj.get("profile_id") if isinstance(obj, dict) else None
    if not isinstance(profile_id, str) or not profile_id:
        raise HTTPFailure(400, "profile_id: required (a non-empty string)")
    try:
        linked = call.state.store.claim(code, profile_id)
    except KeyError:
        raise HTTPFailure(404, f"profile_id: unknown profile {profile_id!r}") from None
    except ValueError as exc:
        raise HTTPFailure(409, f"claim_code: {exc}") from None
    return json_response(200, {"claim_code": code, "profile_id": profile_id, "linked": linked})


def post_heartbeat(call: Call) -> Response:
    beat = call.json()
    if not isinstance(beat, dict):
        raise HTTPFailure(400, "body: must be a JSON object")
    if beat.get("store_id", call.store_id) != call.store_id:
        raise HTTPFailure(403, f"store_id: the token belongs to store {call.store_id!r}, not {beat['store_id']!r}")
    check_heartbeat(beat)
    call.state.store.add_heartbeat(call.store_id, beat)
    return Response(b"", 204)


def check_heartbeat(beat: dict) -> None:
    """Raise HTTPFailure(400) naming the first heartbeat field of the wrong type."""
    if not isinstance(beat.get("bridge_id"), str) or not beat["bridge_id"]:
        raise HTTPFailure(400, "bridge_id: required (a non-empty string)")
    if beat.get("version") is not None and not isinstance(beat["version"], str):
        raise HTTPFailure(400, "version: must be a string")
    for key in ("pending", "dead_letters"):
        value = beat.get(key)
        if value is not None and (type(value) is not int or value < 0):
            raise HTTPFailure(400, f"{key}: must be an integer >= 0")
    age = beat.get("oldest_pending_age_s")
    if age is not None and (isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0):
        raise HTTPFailure(400, "oldest_pending_age_s: must be a number >= 0 or null")
    if beat.get("last_push_at") is not None and not is_timestamp(beat["last_push_at"]):
        raise HTTPFailure(400, "last_push_at: must be an RFC 3339 timestamp with an offset, or null")
    _check_list(beat, "quarantined", _check_quarantined)
    _check_list(beat, "devices", _check_device)


def _check_list(beat: dict, key: str, check_item) -> None:
    """An optional list of objects, each checked by check_item(item, path)."""
    items = beat.get(key)
    if items is None:
        return
    if not isinstance(items, list) or len(items) > MAX_LISTED:
        raise HTTPFailure(400, f"{key}: must be a list of at most {MAX_LISTED} objects")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise HTTPFailure(400, f"{key}[{i}]: must be an object")
        check_item(item, f"{key}[{i}]")


def _check_quarantined(item: dict, path: str) -> None:
    if not isinstance(item.get("file"), str) or not item["file"]:
        raise HTTPFailure(400, f"{path}.file: required (a non-empty string)")
    if not is_timestamp(item.get("at")):
        raise HTTPFailure(400, f"{path}.at: required (an RFC 3339 timestamp with an offset)")
    if type(item.get("events")) is not int or item["events"] < 0:
        raise HTTPFailure(400, f"{path}.events: required (an integer >= 0)")


def _check_device(item: dict, path: str) -> None:
    for key in ("device_id", "kind"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise HTTPFailure(400, f"{path}.{key}: required (a non-empty string)")
    if item.get("last_seen_at") is not None and not is_timestamp(item["last_seen_at"]):
        raise HTTPFailure(400, f"{path}.last_seen_at: must be an RFC 3339 timestamp with an offset, or null")
    pending = item.get("pending")
    if pending is not None and (type(pending) is not int or pending < 0):
        raise HTTPFailure(400, f"{path}.pending: must be an integer >= 0 or null")
    if type(item.get("revoked")) is not bool:
        raise HTTPFailure(400, f"{path}.revoked: required (true or false)")
