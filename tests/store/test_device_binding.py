"""Pairing codes expire unless used, and each token sends only for its own device ids (issue 11)."""

from __future__ import annotations

import json
import time

import requests

from bridge.serve.pairing import pair_device
from bridge.store import devices
from tests.store.store_rig import INTAKE_TOKEN, STORE, kiosk_token, post_events, viewed


def _keys(store, token: str) -> requests.Response:
    return requests.get(store.url + "/v1/keys", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _age_expiry(store, name: str) -> None:
    """Move name's pairing expiry into the past, as if the code had waited too long."""
    with store.db.write() as conn:
        conn.execute("UPDATE devices SET expires_at = '2000-01-01T00:00:00.000Z' WHERE name = ?", (name,))


def test_the_pairing_qr_carries_its_expiry(store):
    before = time.time()
    paired = pair_device(store.db, store.settings, "kiosk-door")
    payload = json.loads(paired.text)
    assert payload["exp"] == paired.expires
    assert before + devices.PAIR_TTL_S - 2 <= payload["exp"] <= time.time() + devices.PAIR_TTL_S


def test_a_pairing_code_never_used_in_time_is_refused_saying_so(store):
    token = devices.pair(store.db, "kiosk-late")
    _age_expiry(store, "kiosk-late")
    refused = _keys(store, token)
    assert refused.status_code == 401
    assert "expired unused" in refused.json()["error"] and "kiosk-late" in refused.json()["error"]
    fresh = devices.pair(store.db, "kiosk-late")  # pairing again gives a working token
    assert _keys(store, fresh).status_code == 200 and _keys(store, token).status_code == 401


def test_a_token_used_in_time_stays_valid_after_the_expiry(store):
    token = devices.pair(store.db, "kiosk-on-time")
    assert _keys(store, token).status_code == 200  # first use, as the new kiosk's check does
    _age_expiry(store, "kiosk-on-time")
    assert devices.expires_at(store.db, "kiosk-on-time") is None
    assert _keys(store, token).status_code == 200
    assert post_events(store, token, viewed(1, "kiosk-on-time")).json()["results"][0]["status"] == "accepted"


def test_a_token_cannot_send_for_another_paired_device(store):
    pair_device(store.db, store.settings, "kiosk-door")  # the name is its device id from pairing on
    posing = post_events(store, kiosk_token(1), viewed(1, "kiosk-1"), viewed(1, "kiosk-door"))
    assert posing.status_code == 403
    error = posing.json()["error"]
    assert error.startswith("events[1].device_id:") and "kiosk-door" in error and "kiosk-1" in error
    assert store.outbox.stats().pending == 0  # the whole batch refused: nothing stored


def test_a_device_id_belongs_to_the_first_token_that_sent_for_it(store):
    assert post_events(store, kiosk_token(1), viewed(1, "pos-7")).json()["results"][0]["status"] == "accepted"
    assert post_events(store, kiosk_token(1), viewed(2, "pos-7")).json()["results"][0]["status"] == "accepted"
    other = post_events(store, kiosk_token(2), viewed(3, "pos-7"))
    assert other.status_code == 403 and "'pos-7'" in other.json()["error"]
    assert [e["seq"] for e in store.outbox.events()] == [1, 2]


def test_re_pairing_a_name_keeps_its_device_id(store):
    first = devices.pair(store.db, "kiosk-door")
    assert post_events(store, first, viewed(1, "kiosk-door")).status_code == 200
    second = devices.pair(store.db, "kiosk-door")  # a new token for the same screen
    assert post_events(store, second, viewed(2, "kiosk-door")).json()["results"][0]["status"] == "accepted"
    assert post_events(store, first, viewed(3, "kiosk-door")).status_code == 401  # the old token is gone


def test_a_kiosk_bridge_posing_as_another_device_is_stopped_and_keeps_its_events(store, kiosk, hq):
    k2 = kiosk(2)
    k2.record("search_performed", device_id="kiosk-2", payload={"query": "q", "results_count": 1})
    assert k2.sync(pull=False).drained  # kiosk-2 is now kiosk-2's
    k1 = kiosk(1)
    k1.record("search_performed", device_id="kiosk-2", payload={"query": "q", "results_count": 1})
    report = k1.sync(pull=False)
    assert report.auth_failed and "events[0].device_id" in report.error
    assert k1.outbox.stats().pending == 1 and store.outbox.stats().pending == 1
    assert store.sync(pull=False).drained
    held = hq.events(STORE)
    assert [(e["device_id"], e["seq"]) for e in held] == [("kiosk-2", 1)]  # relayed unchanged


def test_a_pairing_with_no_time_to_use_it_is_refused_at_once(store):
    paired = pair_device(store.db, store.settings, "kiosk-now", ttl_s=0)
    assert _keys(store, paired.token).status_code == 401


def test_the_tills_intake_token_cannot_send_for_a_paired_kiosk_nor_a_kiosk_for_a_till(store):
    pair_device(store.db, store.settings, "kiosk-door")
    till_event = {"type": "product_viewed", "device_id": "pos-1", "payload": {"product_id": "p"}}
    intake = store.intake_url + "/v1/intake/events"
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    accepted = requests.post(intake, json={"events": [till_event]}, headers=headers, timeout=10)
    assert accepted.status_code == 200 and accepted.json()["results"][0]["status"] == "accepted"
    posing = requests.post(intake, json={"events": [{**till_event, "device_id": "kiosk-door"}]},
                           headers=headers, timeout=10)
    assert posing.status_code == 403 and posing.json()["error"].startswith("events[0].device_id:")
    kiosk_as_till = post_events(store, kiosk_token(1), viewed(1, "pos-1"))
    assert kiosk_as_till.status_code == 403 and "'intake'" in kiosk_as_till.json()["error"]
    assert store.outbox.stats().pending == 1


def _swap(store, token: str) -> requests.Response:
    return requests.post(store.url + "/v1/devices/token", headers={"Authorization": f"Bearer {token}"},
                         timeout=10)


def test_a_pairing_qr_token_is_swapped_once_and_the_photo_is_worth_nothing(store):
    qr_token = devices.pair(store.db, "kiosk-door")
    swapped = _swap(store, qr_token)
    assert swapped.status_code == 200 and swapped.headers["cache-control"] == "no-store"
    own = swapped.json()["token"]
    assert swapped.json()["device_id"] == "kiosk-door" and own != qr_token
    assert _keys(store, own).status_code == 200
    assert devices.expires_at(store.db, "kiosk-door") is None  # used in time: no expiry any more
    for attempt in (_keys(store, qr_token), _swap(store, qr_token)):  # whoever holds a photo
        assert attempt.status_code == 401
        assert "already used" in attempt.json()["error"] and "revoke kiosk-door" in attempt.json()["error"]
    assert post_events(store, own, viewed(1, "kiosk-door")).json()["results"][0]["status"] == "accepted"
    assert _swap(store, own).status_code == 409  # once per pairing
    again = devices.pair(store.db, "kiosk-door")  # pairing again: a fresh code, swappable once
    assert _keys(store, own).status_code == 401 and _swap(store, again).status_code == 200


def test_a_configured_or_expired_token_cannot_be_swapped(store):
    assert _swap(store, kiosk_token(1)).status_code == 409
    late = devices.pair(store.db, "kiosk-late")
    _age_expiry(store, "kiosk-late")
    assert _swap(store, late).status_code == 401
    revoked = devices.pair(store.db, "kiosk-gone")
    devices.revoke(store.db, "kiosk-gone")
    assert _swap(store, revoked).status_code == 401
