"""POST /v1/events on a real reference HQ: auth, per-event results, whole-batch refusals, gaps."""

from __future__ import annotations

import gzip
import json

import requests
from hq_helpers import AUTH, OTHER_TOKEN, batch, event


def post(hq, body, headers=AUTH, gzipped=False):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    headers = dict(headers)
    if gzipped:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    return requests.post(hq.url + "/v1/events", data=data, headers=headers, timeout=10)


def test_missing_or_wrong_token_is_401_and_nothing_is_stored(hq):
    assert post(hq, batch([event(1)]), headers={}).status_code == 401
    answer = post(hq, batch([event(1)]), headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert "token" in answer.json()["error"]
    assert hq.event_count() == 0


def test_token_of_another_store_is_403(hq):
    answer = post(hq, batch([event(1)]), headers={"Authorization": f"Bearer {OTHER_TOKEN}"})
    assert answer.status_code == 403
    assert "store_id" in answer.json()["error"]
    assert hq.event_count() == 0


def test_revoked_token_is_401_and_a_new_one_works(hq):
    hq.revoke_token("paris-marais")
    assert post(hq, batch([event(1)])).status_code == 401
    hq.set_token("paris-marais", "fresh")
    assert post(hq, batch([event(1)]), headers={"Authorization": "Bearer fresh"}).status_code == 200


def test_accepted_duplicate_rejected_in_request_order(hq):
    bad = event(3, payload={"receipt_id": "r1", "register_id": "pos-1",
                            "lines": [{"quantity": 1, "unit_price": {"amount": "10.00", "currency": "EUR"},
                                       "total": {"amount": "10.00", "currency": "EUR"}}]},
                etype="receipt")
    assert post(hq, batch([event(1)])).json()["results"] == [{"id": "ev-1", "status": "accepted"}]
    results = post(hq, batch([event(2), event(1), bad, event(2)]), gzipped=True).json()["results"]
    assert results == [
        {"id": "ev-2", "status": "accepted"},
        {"id": "ev-1", "status": "duplicate"},
        {"id": "ev-3", "status": "rejected", "error": "payload.lines[0].sku: required"},
        {"id": "ev-2", "status": "duplicate"},
    ]
    assert [e["id"] for e in hq.events()] == ["ev-1", "ev-2"]
    assert hq.events("paris-marais")[1] == event(2)


def test_a_duplicate_changes_nothing_even_with_other_content(hq):
    post(hq, batch([event(1)]))
    changed = event(1, payload={"product_id": "rm-9"})
    assert post(hq, batch([changed])).json()["results"][0]["status"] == "duplicate"
    changed_and_invalid = event(1, payload={})
    assert post(hq, batch([changed_and_invalid])).json()["results"][0]["status"] == "duplicate"
    assert hq.events()[0]["payload"]["product_id"] == "rm-1"
    assert hq.event_count() == 1


def test_rejections_name_the_field(hq):
    cases = [
        (event(1, seq=0), "seq: must be an integer >= 1"),
        (event(2, etype="teleported"), "type: unknown event type 'teleported'"),
        (event(3, occurred_at="23/11/2026"), "occurred_at: must be an RFC 3339 timestamp with an offset"),
        (event(4, etype="search_performed", payload={"query": "robe"}), "payload.results_count: required"),
        (event(5, etype="session_ended", payload={"session_id": "s", "reason": "bored"}),
         "payload.reason: must be one of idle, done, staff"),
        (event(6, etype="shopper_identified", payload={"session_id": "s", "method": "face"}),
         "payload.method: must be \"app_qr\""),
        (event(7, etype="sent_to_phone", payload={"handoff_id": "h", "skus": ["A", 3]}),
         "payload.skus[1]: must be a non-empty string"),
        (event(8, device_id=""), "device_id: must be a non-empty string"),
    ]
    results = post(hq, batch([e for e, _ in cases])).json()["results"]
    assert [r.get("error") for r in results] == [message for _, message in cases]
    assert hq.event_count() == 0


def test_a_receipt_with_a_full_card_number_is_rejected(hq):
    money = {"amount": "10.00", "currency": "EUR"}
    payload = {"receipt_id": "r1", "register_id": "pos-1",
               "lines": [{"sku": "RM-1-M-BLK", "quantity": 1, "unit_price": money, "total": money}],
               "subtotal": money, "tax": money, "total": money,
               "tenders": [{"method": "card", "amount": money, "card_last4": "1111"}]}
    ok = event(1, etype="receipt", payload=payload)
    leaky = event(2, etype="receipt", payload={**payload, "tenders": [
        {"method": "card", "amount": money, "reference": "4111 1111 1111 1111"}]})
    # 13 digits that pass the Luhn check but are in no issuer's range: the bridge leaves them whole, so must HQ
    receipt_id_like = event(3, etype="receipt", payload={**payload, "tenders": [
        {"method": "card", "amount": money, "reference": "2018-07-14-2-2729"}]})
    results = post(hq, batch([ok, leaky, receipt_id_like])).json()["results"]
    assert results[0]["status"] == "accepted"
    assert results[1]["error"].startswith("payload.tenders[0].reference: looks like a full card number")
    assert results[2]["status"] == "accepted", results[2]


def test_bodies_that_are_not_a_batch_are_400_without_results(hq):
    shapes = [
        (b"{not json", "body: not JSON"),
        ([1, 2], "body: must be a JSON object"),
        ({"store_id": "paris-marais", "bridge_id": "b"}, "events: required"),
        (batch([]), "events: must hold 1 to 500 events, got 0"),
        (batch([event(1), "oops"]), "events[1]: must be an object"),
        (batch([event(1), {**event(2), "id": "bad id!"}]), "events[1].id: required"),
        (batch([event(n) for n in range(1, 502)]), "events: must hold 1 to 500 events, got 501"),
    ]
    for body, message in shapes:
        answer = post(hq, body)
        assert answer.status_code == 400, body
        assert answer.json()["error"].startswith(message)
        assert "results" not in answer.json()
    assert hq.event_count() == 0


def test_invalid_gzip_is_400(hq):
    answer = requests.post(hq.url + "/v1/events", data=b"\x1f\x8bnot gzip",
                           headers={**AUTH, "Content-Encoding": "gzip"}, timeout=10)
    assert answer.status_code == 400
    assert "gzip" in answer.json()["error"]


def test_more_than_one_mib_is_413_compressed_or_not(hq, session):
    big = batch([event(1, payload={"product_id": "x" * 1_100_000})])
    assert post(hq, big).status_code == 413
    # Highly compressible: small on the wire, over 1 MiB once decompressed.
    answer = post(hq, big, gzipped=True)
    assert answer.status_code == 413
    assert "decompressed" in answer.json()["error"]
    assert hq.event_count() == 0
    # The connection stays usable after a 413 (the body was drained).
    assert session.get(hq.url + "/v1/keys", timeout=10).status_code == 200


def test_gaps_per_device_shrink_when_late_events_arrive(hq):
    events = [event(1), event(2), event(5), event(9, seq=1, device="pos-1"), event(10, seq=3, device="pos-1")]
    post(hq, batch(events))
    assert hq.gaps() == {"kiosk-1": [3, 4], "pos-1": [2]}
    post(hq, batch([event(3)]))
    assert hq.gaps() == {"kiosk-1": [4], "pos-1": [2]}
    answer = requests.get(hq.url + "/stores/paris-marais/gaps.json", timeout=10)
    assert answer.json() == {"kiosk-1": [[4, 4]], "pos-1": [[2, 2]]}


def test_gaps_survive_a_restart(tmp_path, catalog_dir):
    from hq.embedded import serve_in_thread

    first = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": "t"}, catalog_dir=catalog_dir)
    requests.post(first.url + "/v1/events", json=batch([event(1), event(4)]),
                  headers={"Authorization": "Bearer t"}, timeout=10)
    first.stop()
    second = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": "t"}, catalog_dir=catalog_dir)
    try:
        assert second.gaps() == {"kiosk-1": [2, 3]}
        assert second.event_count() == 2
    finally:
        second.stop()
