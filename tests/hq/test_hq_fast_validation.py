"""check_event's inline happy path must agree with the full checks on every event."""

from __future__ import annotations

import copy

from hq.validation import _Bad, _check_event, _looks_valid, check_event

BASE = {"id": "e1", "occurred_at": "2026-11-23T14:05:09.120+01:00", "device_id": "kiosk-1",
        "seq": 1, "profile_id": None, "claim_code": None}
PAYLOADS = {
    "product_viewed": {"product_id": "rm-1", "sku": "RM-1-S", "dwell_ms": 5},
    "item_saved": {"product_id": "rm-1"},
    "item_unsaved": {"product_id": "rm-1", "sku": "RM-1-S"},
    "search_performed": {"query": "", "results_count": 0},
    "sent_to_phone": {"handoff_id": "h1", "skus": ["A"]},
    "fitting_room_requested": {"skus": ["A", "B"], "room": "3"},
    "session_started": {"session_id": "s1"},
    "session_ended": {"session_id": "s1", "reason": "idle"},
    "shopper_identified": {"session_id": "s1", "method": "app_qr"},
}
BAD_VALUES = [None, "", 0, -1, True, 1.5, [], {}, ["x"], "x", 7, "app_qr", "staff", [""]]


def _full_ok(event: dict) -> bool:
    try:
        _check_event(event)
    except _Bad:
        return False
    return True


def _variants():
    for etype, payload in PAYLOADS.items():
        event = {**BASE, "type": etype, "payload": payload}
        yield event
        for key in list(BASE) + ["type", "payload"]:
            for bad in BAD_VALUES:
                yield {**copy.deepcopy(event), key: bad}
            missing = copy.deepcopy(event)
            missing.pop(key)
            yield missing
        for key in list(payload) + ["sku", "dwell_ms", "reason", "room", "method", "skus"]:
            for bad in BAD_VALUES:
                yield {**copy.deepcopy(event), "payload": {**payload, key: bad}}


def test_the_fast_path_accepts_only_what_the_full_checks_accept():
    checked = accepted = 0
    for event in _variants():
        checked += 1
        if _looks_valid(event):
            accepted += 1
            assert _full_ok(event), event
    assert checked > 1000 and accepted > 50  # both paths were exercised


def test_every_valid_sample_takes_the_fast_path_and_errors_still_name_the_field():
    for etype, payload in PAYLOADS.items():
        assert _looks_valid({**BASE, "type": etype, "payload": payload}), etype
    bad = {**BASE, "type": "session_ended", "payload": {"session_id": "s1", "reason": ["idle"]}}
    assert check_event(bad) == "payload.reason: must be one of idle, done, staff"
