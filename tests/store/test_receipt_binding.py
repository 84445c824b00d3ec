"""Receipts posted to /v1/intake/receipts are bound to device ids like events (issue 11, receipts)."""

from __future__ import annotations

import requests

from bridge.serve.pairing import pair_device
from tests.store.store_rig import INTAKE_TOKEN, kiosk_token, post_events, viewed

PRICE = {"amount": "10.00", "currency": "EUR"}


def _receipt(n: int, register_id: object = "pos-1", **extra: object) -> dict:
    doc = {"receipt_id": f"R-{n}", "occurred_at": "2026-11-23T10:00:00+01:00",
           "lines": [{"sku": "rm-2000-S", "quantity": 1, "unit_price": PRICE, "total": PRICE}],
           "total": PRICE, "tenders": [{"method": "cash", "amount": PRICE}], **extra}
    if register_id is not None:
        doc["register_id"] = register_id
    return doc


def _receipts(store, body: object) -> requests.Response:
    return requests.post(store.intake_url + "/v1/intake/receipts", json=body,
                         headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}, timeout=10)


def _owner(store, device_id: str) -> str | None:
    row = store.db.read().execute("SELECT client FROM device_ids WHERE device_id = ?", (device_id,)).fetchone()
    return row[0] if row else None


def test_a_receipt_posing_as_a_paired_kiosk_refuses_the_whole_batch(store):
    pair_device(store.db, store.settings, "kiosk-door")
    posing = _receipts(store, {"receipts": [_receipt(1), _receipt(2), _receipt(3, device_id="kiosk-door")]})
    assert posing.status_code == 403, posing.text
    error = posing.json()["error"]
    assert error.startswith("receipts[2].device_id: 'kiosk-door' belongs to another device's token")
    assert "'intake'" in error and error.endswith("nothing was stored")
    assert store.outbox.stats().pending == 0 and store.outbox.events() == []


def test_a_register_id_another_token_sent_for_is_refused_naming_the_field(store):
    assert post_events(store, kiosk_token(1), viewed(1, "pos-9")).status_code == 200  # pos-9 is kiosk-1's
    posing = _receipts(store, [_receipt(1, "pos-2"), _receipt(2, "pos-9")])  # a bare list
    assert posing.status_code == 403
    assert posing.json()["error"].startswith("receipts[1].register_id: 'pos-9'")
    assert "'kiosk-1'" in posing.json()["error"]
    assert [e["device_id"] for e in store.outbox.events()] == ["pos-9"]  # only kiosk-1's own event


def test_the_field_is_named_as_the_document_gave_it(store):
    pair_device(store.db, store.settings, "kiosk-door")
    wrapped = {"type": "receipt", "payload": {**_receipt(1, "kiosk-door")}}
    flat = _receipts(store, {"documents": [_receipt(0), wrapped]})
    assert flat.status_code == 403
    assert flat.json()["error"].startswith("documents[1].payload.register_id: 'kiosk-door'")
    no_register = _receipts(store, {"receipts": [_receipt(1, None, device_id="kiosk-door")]})
    assert no_register.json()["error"].startswith("receipts[0].device_id:")
    assert store.outbox.stats().pending == 0


def test_the_owning_token_still_works_after_a_refused_batch(store):
    door = pair_device(store.db, store.settings, "kiosk-door")
    assert _receipts(store, {"receipts": [_receipt(1, "pos-1")]}).json()["results"][0]["status"] == "accepted"
    assert _receipts(store, {"receipts": [_receipt(2, "pos-1"), _receipt(3, "kiosk-door")]}).status_code == 403
    again = _receipts(store, {"receipts": [_receipt(2, "pos-1")]})
    assert again.status_code == 200 and again.json()["results"][0]["status"] == "accepted"
    assert post_events(store, door.token, viewed(1, "kiosk-door")).json()["results"][0]["status"] == "accepted"
    assert sorted(e["device_id"] for e in store.outbox.events()) == ["kiosk-door", "pos-1", "pos-1"]


def test_a_register_first_seen_in_a_receipt_is_bound_to_the_intake_token(store):
    assert _owner(store, "pos-3") is None
    first = _receipts(store, {"receipts": [_receipt(1, "pos-3")]})
    assert first.json()["results"][0]["status"] == "accepted"
    assert _owner(store, "pos-3") == "intake"
    kiosk_as_till = post_events(store, kiosk_token(1), viewed(1, "pos-3"))
    assert kiosk_as_till.status_code == 403
    assert kiosk_as_till.json()["error"].startswith("events[0].device_id: 'pos-3'")
    assert "'intake'" in kiosk_as_till.json()["error"]
    numbered = _receipts(store, {"receipts": [_receipt(2, 7)]})  # an int register id
    assert numbered.json()["results"][0]["status"] == "accepted" and _owner(store, "7") == "intake"


def test_a_rejected_document_is_still_rejected_alone(store):
    broken = {"register_id": "pos-4", "lines": []}  # no receipt_id, no lines: rejected by itself
    answer = _receipts(store, {"receipts": [_receipt(1, "pos-4"), broken, "not an object"]})
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "rejected", "rejected"]
