"""Forwarding accepted events to a Segment-style pipeline (the receiver is tests/hq/segment_double.py, a TEST DOUBLE).

Each test runs on SQLite and on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from hq_helpers import AUTH, TOKEN, batch, event
from segment_double import DEV_WRITE_KEY

from hq.embedded import serve_in_thread
from hq.forward import ForwardConfig, queue_stats
from hq.state import Access

WRITE_KEY = DEV_WRITE_KEY


def fast(url: str, **changes) -> ForwardConfig:
    """Forwarding settings with short waits, so retries happen within a test."""
    settings = dict(backoff_base_s=0.02, backoff_cap_s=0.2, idle_poll_s=0.02, lease_s=30.0) | changes
    return ForwardConfig(url, WRITE_KEY, **settings)


@pytest.fixture
def forwarding_hq(database, double):
    running = serve_in_thread(database, tokens={"paris-marais": TOKEN}, seed_catalog=False, forward=fast(double.url))
    yield running
    running.stop()


def push(hq, events: list[dict]) -> list[dict]:
    answer = requests.post(hq.url + "/v1/events", json=batch(events), headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def wait_until(condition, timeout_s: float = 20.0) -> None:
    """Poll condition (a state change in another thread or process) until true."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_each_accepted_event_is_forwarded_once_with_our_id_and_time(forwarding_hq, double):
    events = [event(n) for n in range(1, 6)]
    events.append(event(6, etype="shopper_identified", profile_id="p-camille",
                        payload={"session_id": "s-1", "method": "app_qr"}))
    events.append(event(7, etype="item_saved", claim_code="CLAIM7", payload={"product_id": "rm-1"}))
    push(forwarding_hq, events)
    assert double.wait_for(7)
    push(forwarding_hq, events[:3])  # duplicates: stored before, so not queued again
    push(forwarding_hq, [event(8)])
    assert double.wait_for(8)
    assert sorted(double.received_ids()) == sorted(f"ev-{n}" for n in range(1, 9))
    by_id = {m["messageId"]: m for m in double.messages}
    viewed = by_id["ev-1"]
    assert viewed["type"] == "track" and viewed["event"] == "Product Viewed"
    assert viewed["timestamp"] == "2026-11-23T14:05:09.120+01:00"
    assert viewed["anonymousId"] == "paris-marais:kiosk-1" and "userId" not in viewed
    assert viewed["context"]["store"] == {"id": "paris-marais"}
    assert viewed["context"]["device"] == {"id": "kiosk-1", "type": "kiosk"}
    assert viewed["properties"] == {"product_id": "rm-1", "sku": "RM-1-M-BLK"}
    assert by_id["ev-6"]["type"] == "identify" and by_id["ev-6"]["userId"] == "p-camille"
    assert by_id["ev-7"]["anonymousId"] == "CLAIM7" and by_id["ev-7"]["event"] == "Product Added to Wishlist"
    assert all(sent_at for status, _, sent_at in double.requests if status == 200)
    wait_until(lambda: queue_stats(forwarding_hq.store.db)["queued"] == 0)
    stats = requests.get(forwarding_hq.url + "/forward/stats.json", timeout=5).json()
    assert (stats["queued"], stats["delivered"], stats["set_aside"]) == (0, 8, 0)
    assert stats["process"]["url"] == double.url and stats["process"]["last_error"] is None
    health = requests.get(forwarding_hq.url + "/healthz", timeout=5).json()["forward"]
    assert health["state"] in ("idle", "sending") and set(health) == {"state", "retry_in_s"}


def test_retries_after_429_and_500_keep_the_message_ids(forwarding_hq, double):
    double.fail(429, times=2, retry_after=0)
    double.fail(500, times=2)
    push(forwarding_hq, [event(n) for n in range(1, 11)])
    assert double.wait_for(10)
    statuses = [status for status, _, _ in double.requests]
    assert statuses[:5] == [429, 429, 500, 500, 200]
    assert sorted(double.received_ids()) == sorted(f"ev-{n}" for n in range(1, 11))  # each once, same ids


def test_a_poison_event_is_set_aside_with_its_reason_and_the_rest_go(forwarding_hq, double):
    double.poison("ev-5")
    push(forwarding_hq, [event(n) for n in range(1, 11)])
    assert double.wait_for(9)
    wait_until(lambda: queue_stats(forwarding_hq.store.db)["set_aside"] == 1)
    assert sorted(double.received_ids()) == sorted(f"ev-{n}" for n in range(1, 11) if n != 5)
    [(eid, reason, message)] = forwarding_hq.store.db.read("SELECT event_id, reason, message FROM forward_set_aside")
    assert eid == "ev-5" and "HTTP 400" in reason and "rejected messageId ev-5" in reason
    assert json.loads(message)["messageId"] == "ev-5"


def test_an_event_over_32_kb_is_set_aside_unsent(forwarding_hq, double):
    push(forwarding_hq, [event(1, payload={"product_id": "x" * 40_000}), event(2)])
    assert double.wait_for(1)
    wait_until(lambda: queue_stats(forwarding_hq.store.db)["set_aside"] == 1)
    [(eid, reason)] = forwarding_hq.store.db.read("SELECT event_id, reason FROM forward_set_aside")
    assert eid == "ev-1" and "over the 32000-byte limit" in reason
    assert double.received_ids() == ["ev-2"]


def test_batches_stay_under_500_kb(forwarding_hq, double):
    big = [event(n, payload={"product_id": f"{n}-" + "y" * 20_000}) for n in range(1, 61)]  # ~1.2 MB of messages
    for start in range(0, 60, 20):
        push(forwarding_hq, big[start:start + 20])
    assert double.wait_for(60)
    assert all(status == 200 for status, _, _ in double.requests)
    assert len(double.requests) >= 3


def test_outage_then_catch_up_loses_nothing(forwarding_hq, double):
    double.outage(503, retry_after=0)
    for b in range(3):
        push(forwarding_hq, [event(b * 100 + n, seq=b * 100 + n) for n in range(1, 101)])
    wait_until(lambda: sum(status == 503 for status, _, _ in double.requests) >= 3)
    assert double.received_ids() == []
    double.recover()
    assert double.wait_for(300)
    assert len(double.received_ids()) == 300
    wait_until(lambda: queue_stats(forwarding_hq.store.db)["queued"] == 0)


def test_a_refused_write_key_keeps_every_event(database, double):
    hq = serve_in_thread(database, tokens={"paris-marais": TOKEN}, seed_catalog=False,
                         forward=ForwardConfig(double.url, "wrong-key", backoff_base_s=0.02, backoff_cap_s=0.1,
                                               idle_poll_s=0.02))
    try:
        push(hq, [event(1), event(2)])
        wait_until(lambda: sum(status == 401 for status, _, _ in double.requests) >= 2)
        assert queue_stats(hq.store.db)["queued"] == 2
        assert "HTTP 401" in hq.app.forwarder.status()["last_error"]
    finally:
        hq.stop()


def test_write_key_goes_as_basic_auth_user(double):
    token = base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    answer = requests.post(double.url + "/v1/batch", data=b'{"batch":[]}', timeout=5,
                           headers={"Authorization": f"Basic {token}"})
    assert answer.json() == {"success": True}


def test_forward_stats_sit_behind_the_dashboard_token_and_health_stays_open(tmp_path, double):
    hq = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": TOKEN}, seed_catalog=False,
                         access=Access(dashboard_token="dash-DEVELOPMENT"), forward=fast(double.url))
    try:
        assert requests.get(hq.url + "/forward/stats.json", timeout=5).status_code == 401
        answer = requests.get(hq.url + "/forward/stats.json", timeout=5,
                              headers={"Authorization": "Bearer dash-DEVELOPMENT"})
        assert answer.status_code == 200 and answer.json()["queued"] == 0
        assert "forward" in requests.get(hq.url + "/healthz", timeout=5).json()
    finally:
        hq.stop()


def test_forward_stats_answer_404_when_forwarding_is_off(tmp_path):
    hq = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": TOKEN}, seed_catalog=False)
    try:
        assert requests.get(hq.url + "/forward/stats.json", timeout=5).status_code == 404
        assert "forward" not in requests.get(hq.url + "/healthz", timeout=5).json()
    finally:
        hq.stop()
