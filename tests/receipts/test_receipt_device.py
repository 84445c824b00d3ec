"""receipt_device names the id receipt_event records as a document's device_id, and where it was read."""

from __future__ import annotations

import pytest

from bridge.errors import InvalidEvent
from bridge.intake.receipts.normalise import receipt_device, receipt_event

PRICE = {"amount": "10.00", "currency": "EUR"}
BODY = {"receipt_id": "R-1", "occurred_at": "2026-11-23T10:00:00+01:00", "total": PRICE,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": PRICE}]}

CASES = [
    ({**BODY, "register_id": "pos-1"}, ("register_id", "pos-1")),
    ({**BODY, "register_id": "  pos-1 "}, ("register_id", "pos-1")),
    ({**BODY, "register_id": 12}, ("register_id", "12")),
    ({**BODY, "register_id": "pos-1", "device_id": "till-a"}, ("device_id", "till-a")),
    ({**BODY, "register_id": "pos-1", "device_id": ""}, ("register_id", "pos-1")),
    ({**BODY, "register_id": "pos-1", "device_id": 5}, ("device_id", "5")),
    ({"type": "receipt", "payload": {**BODY, "register_id": "pos-2"}}, ("payload.register_id", "pos-2")),
    ({"type": "receipt", "register_id": "ignored", "payload": {**BODY, "register_id": "pos-2"}},
     ("payload.register_id", "pos-2")),
    ({"type": "receipt", "payload": {**BODY, "register_id": "pos-2", "device_id": "inner"}},
     ("payload.device_id", "inner")),
    ({"type": "receipt", "device_id": "outer", "payload": {**BODY, "register_id": "pos-2", "device_id": "x"}},
     ("device_id", "outer")),
    ({"type": "receipt", "device_id": "", "payload": {**BODY, "register_id": "pos-2", "device_id": "x"}},
     ("payload.register_id", "pos-2")),
]


@pytest.mark.parametrize("doc, expected", CASES)
def test_it_agrees_with_receipt_event(doc, expected):
    assert receipt_device(doc) == expected
    assert receipt_event(doc, store_id="s", currency="EUR")["device_id"] == expected[1]


@pytest.mark.parametrize("doc", [{**BODY}, {**BODY, "register_id": "  "}, {**BODY, "register_id": True},
                                 {"payload": {**BODY}}, "text", None])
def test_a_document_without_one_names_none_and_receipt_event_rejects_it(doc):
    assert receipt_device(doc) is None
    with pytest.raises(InvalidEvent):
        receipt_event(doc, store_id="s", currency="EUR")
