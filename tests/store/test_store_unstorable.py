"""A relayed or recorded event SQLite cannot store is rejected alone; the rest of the batch is kept."""

from __future__ import annotations

import pytest
import requests

from bridge.errors import InvalidEvent
from tests.store.store_rig import STORE, kiosk_token


def _event(n: int, **over) -> dict:
    return {"id": f"ev-{n}", "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
            "device_id": "kiosk-1", "seq": n, "payload": {"product_id": "p"}, **over}


@pytest.mark.parametrize(("over", "field"), [
    ({"device_id": "kiosk-\ud800"}, "device_id"),
    ({"payload": {"product_id": "p", "sku": "Caf\ud83d"}}, "payload.sku"),
    ({"payload": {"product_id": "p", "note": ["ok", "a\x00b"]}}, "payload.note[1]"),
    ({"claim_code": "\udc00"}, "claim_code"),
    ({"seq": 2**63}, "seq"),
])
def test_a_relayed_event_that_cannot_be_stored_is_rejected_alone(store, over, field):
    body = {"store_id": STORE, "events": [_event(1), _event(2, **over), _event(3)]}
    answer = requests.post(store.url + "/v1/events", json=body,
                           headers={"Authorization": f"Bearer {kiosk_token(1)}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["error"].startswith(field + ":"), results[1]["error"]
    assert [e["id"] for e in store.outbox.events()] == ["ev-1", "ev-3"]


def test_the_largest_seq_and_whole_emoji_are_relayed(store):
    body = {"store_id": STORE, "events": [_event(1, seq=2**63 - 1, payload={"product_id": "p\U0001f600"})]}
    answer = requests.post(store.url + "/v1/events", json=body,
                           headers={"Authorization": f"Bearer {kiosk_token(1)}"}, timeout=10)
    assert answer.json()["results"] == [{"id": "ev-1", "status": "accepted"}]
    assert store.outbox.events()[0]["seq"] == 2**63 - 1


def test_recording_half_an_emoji_is_an_invalid_event(store):
    with pytest.raises(InvalidEvent) as caught:
        store.record("search_performed", device_id="kiosk-1", payload={"query": "Caf\ud83d", "results_count": 0})
    assert caught.value.field == "payload.query"
    assert store.outbox.stats().pending == 0


def test_a_relayed_receipt_with_an_absurd_quantity_is_rejected_alone(store):
    store.sync(pull=True)
    sku = store.db.read().execute("SELECT sku FROM stock LIMIT 1").fetchone()[0]
    price = {"amount": "10.00", "currency": "EUR"}
    receipt = {"id": "pos-9-1", "type": "receipt", "occurred_at": "2026-11-23T10:00:00Z", "device_id": "pos-9",
               "seq": 1, "payload": {"receipt_id": "R-9", "register_id": "pos-9",
                                     "lines": [{"sku": sku, "quantity": 2**64, "unit_price": price, "total": price}],
                                     "subtotal": price, "tax": {"amount": "0.00", "currency": "EUR"},
                                     "total": price, "tenders": [{"method": "cash", "amount": price}]}}
    body = {"store_id": STORE, "events": [_event(1), receipt, _event(3)]}
    answer = requests.post(store.url + "/v1/events", json=body,
                           headers={"Authorization": f"Bearer {kiosk_token(1)}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["error"].startswith("payload.lines[0].quantity:"), results[1]["error"]
