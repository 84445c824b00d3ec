"""Event validation against the contract, ids and timestamps."""

from __future__ import annotations

import copy
import re
from datetime import datetime

import pytest

from bridge.errors import InvalidEvent
from bridge.events import EVENT_TYPES, new_event_id, now_rfc3339, validate_event


def money(amount: str = "129.00", currency: str = "EUR") -> dict:
    return {"amount": amount, "currency": currency}


def receipt_payload() -> dict:
    return {
        "receipt_id": "R-1", "register_id": "pos-1",
        "lines": [{"sku": "RM-1001-S-BLK", "quantity": 1, "unit_price": money(), "total": money()}],
        "subtotal": money("107.50"), "tax": money("21.50"), "total": money(),
        "tenders": [{"method": "card", "amount": money(), "card_last4": "4242"}],
    }


VALID_PAYLOADS = {
    "receipt": receipt_payload(),
    "product_viewed": {"product_id": "rm-1001", "sku": "RM-1001-S-BLK", "dwell_ms": 5200},
    "item_saved": {"product_id": "rm-1001"},
    "item_unsaved": {"product_id": "rm-1001", "sku": "RM-1001-S-BLK"},
    "search_performed": {"query": "", "results_count": 0},
    "sent_to_phone": {"handoff_id": "h1", "skus": ["A", "B"]},
    "fitting_room_requested": {"skus": ["A"], "room": "3"},
    "session_started": {"session_id": "s1"},
    "session_ended": {"session_id": "s1", "reason": "idle"},
    "shopper_identified": {"session_id": "s1", "method": "app_qr"},
}


def event(type_: str = "receipt", **changes) -> dict:
    e = {"id": "ev-1", "type": type_, "occurred_at": "2026-11-23T14:05:09.120+01:00",
         "device_id": "pos-1", "profile_id": None, "claim_code": None,
         "payload": copy.deepcopy(VALID_PAYLOADS[type_])}
    e.update(changes)
    return e


def test_every_contract_type_has_a_valid_example():
    assert set(VALID_PAYLOADS) == EVENT_TYPES
    for type_ in EVENT_TYPES:
        assert validate_event(event(type_))["type"] == type_


def test_defaults_id_and_occurred_at_and_drops_seq():
    e = validate_event({"type": "item_saved", "device_id": "k", "payload": {"product_id": "p"},
                        "seq": 99})
    assert re.fullmatch(r"[0-9A-Z]{26}", e["id"])
    assert "seq" not in e
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", e["occurred_at"])
    assert list(e) == ["id", "type", "occurred_at", "device_id", "profile_id", "claim_code", "payload"]


def test_unknown_payload_fields_are_kept():
    e = event("item_saved")
    e["payload"]["colour_hint"] = {"nested": [1, 2]}
    assert validate_event(e)["payload"]["colour_hint"] == {"nested": [1, 2]}


def _bad_line_price(e):
    e["payload"]["lines"][0]["unit_price"]["amount"] = 129.0


def _bad_tender(e):
    e["payload"]["tenders"][0]["method"] = "bitcoin"


def _long_card(e):
    e["payload"]["tenders"][0]["card_last4"] = "4111111111111111"


def _no_sku(e):
    del e["payload"]["lines"][0]["sku"]


def _currency(e):
    e["payload"]["total"]["currency"] = "eur"


def _quantity(e):
    e["payload"]["lines"][0]["quantity"] = "1"


@pytest.mark.parametrize("mutate, field", [
    (_bad_line_price, "payload.lines[0].unit_price.amount"),
    (_bad_tender, "payload.tenders[0].method"),
    (_long_card, "payload.tenders[0].card_last4"),
    (_no_sku, "payload.lines[0].sku"),
    (_currency, "payload.total.currency"),
    (_quantity, "payload.lines[0].quantity"),
    (lambda e: e["payload"]["total"].update(rate="1.1"), "payload.total.rate"),
    (lambda e: e.update(id="has space"), "id"),
    (lambda e: e.update(id="x" * 65), "id"),
    (lambda e: e.update(type="unknown"), "type"),
    (lambda e: e.update(device_id=""), "device_id"),
    (lambda e: e.update(profile_id=5), "profile_id"),
    (lambda e: e.update(payload=[]), "payload"),
    (lambda e: e.update(extra=1), "extra"),
    (lambda e: e.update(occurred_at="2026-11-23T14:05:09"), "occurred_at"),
    (lambda e: e.update(occurred_at="2026-02-30T14:05:09Z"), "occurred_at"),
    (lambda e: e.update(occurred_at="2026-11-23 14:05:09+01:00"), "occurred_at"),
    (lambda e: e.update(occurred_at="2026-11-23T14:05:09+25:00"), "occurred_at"),
])
def test_bad_events_name_the_field(mutate, field):
    e = event()
    mutate(e)
    with pytest.raises(InvalidEvent) as info:
        validate_event(e)
    assert info.value.field == field
    assert str(info.value).startswith(field + ": ")


@pytest.mark.parametrize("type_, payload, field", [
    ("session_ended", {"session_id": "s", "reason": "bored"}, "payload.reason"),
    ("shopper_identified", {"session_id": "s", "method": "email"}, "payload.method"),
    ("search_performed", {"query": "robe", "results_count": -1}, "payload.results_count"),
    ("sent_to_phone", {"handoff_id": "h", "skus": ["A", 3]}, "payload.skus[1]"),
    ("product_viewed", {"sku": "A"}, "payload.product_id"),
    ("product_viewed", {"product_id": "p", "dwell_ms": True}, "payload.dwell_ms"),
])
def test_enums_and_types_per_event_type(type_, payload, field):
    with pytest.raises(InvalidEvent) as info:
        validate_event({"type": type_, "device_id": "k", "payload": payload})
    assert info.value.field == field


def test_timestamps_with_offsets_are_accepted():
    for ts in ("2026-11-23T14:05:09Z", "2026-11-23T14:05:09.123456+01:00", "2026-11-23t14:05:09-05:30"):
        assert validate_event(event(occurred_at=ts))["occurred_at"] == ts


def test_new_event_ids_are_unique_and_time_ordered():
    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"[0-9A-Z]{26}", i) for i in ids)


def test_now_rfc3339_is_utc_with_offset_and_milliseconds():
    text = now_rfc3339()
    assert text.endswith("+00:00") and len(text.split(".")[1]) == len("123+00:00")
    assert datetime.fromisoformat(text).utcoffset().total_seconds() == 0
