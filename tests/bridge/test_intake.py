"""The LAN intake server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import requests

from bridge.intake.http_server import IntakeServer

VIEW = {"type": "product_viewed", "device_id": "pos-1", "payload": {"product_id": "rm-1001"}}


@pytest.fixture
def intake(bridge):
    server = IntakeServer(bridge)
    server.start()
    yield server
    server.stop()


def _post(intake, body, *, token="intake-secret", ctype="application/json",
          path="/v1/intake/events", headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {"Content-Type": ctype, **({"Authorization": f"Bearer {token}"} if token else {})}
    h.update(headers or {})
    return requests.post(f"http://127.0.0.1:{intake.port}{path}", data=data, headers=h, timeout=10)


def test_events_are_recorded_and_answered_per_event(intake, bridge):
    given_id = "pos-1-receipt-000042"
    answer = _post(intake, {"events": [VIEW, {**VIEW, "id": given_id},
                                      {**VIEW, "payload": {}}, {**VIEW, "seq": 7}]})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "rejected"]
    assert results[1]["id"] == given_id
    assert "product_id" in results[2]["error"] and "seq" in results[3]["error"]
    again = _post(intake, [{**VIEW, "id": given_id}])  # a bare list, the same id again
    assert again.json()["results"] == [{"id": given_id, "status": "duplicate"}]
    assert bridge.outbox.stats().pending == 2


@pytest.mark.parametrize("token", [None, "wrong", "intake-secret-but-longer"])
def test_a_wrong_or_missing_token_is_401_and_stores_nothing(intake, bridge, token):
    answer = _post(intake, [VIEW], token=token)
    assert answer.status_code == 401 and "token" in answer.json()["error"]
    assert bridge.outbox.stats().pending == 0


def test_bad_json_wrong_type_and_wrong_shape_are_clear_4xx(intake, bridge):
    bad = _post(intake, b'{"events": [', path="/v1/intake/events")
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]
    wrong_type = _post(intake, [VIEW], ctype="text/plain")
    assert wrong_type.status_code == 415 and "application/json" in wrong_type.json()["error"]
    shape = _post(intake, {"events": "nope"})
    assert shape.status_code == 400 and "events" in shape.json()["error"]
    assert _post(intake, [VIEW], path="/v1/intake/nothing").status_code == 404
    assert bridge.outbox.stats().pending == 0


def test_an_oversize_body_is_refused_from_its_content_length(open_bridge):
    bridge = open_bridge(intake={"max_body_bytes": 1000})
    server = IntakeServer(bridge)
    server.start()
    try:
        answer = _post(server, [VIEW] * 50)
        assert answer.status_code == 413 and "max_body_bytes" in answer.json()["error"]
        assert _post(server, [VIEW]).status_code == 200  # the server still serves
    finally:
        server.stop()
    assert bridge.outbox.stats().pending == 1


def test_keep_alive_connection_serves_many_requests(intake, bridge):
    with requests.Session() as s:
        for i in range(20):
            r = s.post(f"http://127.0.0.1:{intake.port}/v1/intake/events",
                       json=[{**VIEW, "payload": {"product_id": f"p{i}"}}],
                       headers={"Authorization": "Bearer intake-secret"}, timeout=10)
            assert r.status_code == 200 and r.headers.get("Connection") != "close"
    assert bridge.outbox.stats().pending == 20


def test_health_says_only_ok_without_a_token_and_the_status_with_one(intake, bridge):
    bridge.record("product_viewed", device_id="kiosk-1", payload={"product_id": "p"})
    url = f"http://127.0.0.1:{intake.port}/v1/intake/health"
    assert requests.get(url, timeout=10).json() == {"status": "ok"}
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.json() == {"status": "ok"}
    r = requests.get(url, headers={"Authorization": "Bearer intake-secret"}, timeout=10)
    assert r.status_code == 200 and r.json()["pending"] == 1


def test_receipts_are_delegated_to_the_receipt_service(intake, bridge):
    pytest.importorskip("bridge.intake.receipts.recording")
    answer = _post(intake, {"receipts": []}, path="/v1/intake/receipts")
    assert answer.status_code == 200 and answer.json() == {"results": []}


def test_started_bridge_takes_events_over_intake_to_hq(open_bridge, hq, wait_for):
    bridge = open_bridge()
    bridge.start()
    answer = _post(bridge.intake, [VIEW] * 3)
    assert [r["status"] for r in answer.json()["results"]] == ["accepted"] * 3
    wait_for(lambda: hq.event_count() == 3, what="intake events to reach HQ")
    port = bridge.intake.port
    bridge.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/v1/intake/health", timeout=2)
