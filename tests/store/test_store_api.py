"""A kiosk bridge whose [hq] url is the store bridge: events, feeds, tokens, over real HTTP."""

from __future__ import annotations

import gzip
import json

import requests

from bridge.store import devices
from tests.store.store_rig import INTAKE_TOKEN, STORE, kiosk_token


def _search(bridge, n: int, device: str) -> list[str]:
    return [bridge.record("search_performed", device_id=device,
                          payload={"query": f"q{i}", "results_count": i}) for i in range(n)]


def _post(url: str, body: object, token: str, path: str = "/v1/events", **kw) -> requests.Response:
    return requests.post(url + path, json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=10, **kw)


def test_kiosk_events_reach_hq_through_the_store_bridge_with_their_own_seqs(store, kiosk, hq):
    k1, k2 = kiosk(1), kiosk(2)
    ids = _search(k1, 7, "kiosk-1") + _search(k2, 5, "kiosk-2")
    assert k1.sync(pull=False).drained and k2.sync(pull=False).drained
    assert store.outbox.stats().pending == 12 and hq.event_count() == 0  # stored, not yet sent
    assert store.sync(pull=False).drained
    held = {e["id"]: e for e in hq.events(STORE)}
    assert set(held) == set(ids)
    assert sorted(e["seq"] for e in held.values() if e["device_id"] == "kiosk-1") == list(range(1, 8))
    assert sorted(e["seq"] for e in held.values() if e["device_id"] == "kiosk-2") == list(range(1, 6))
    assert hq.gaps() in ({}, {STORE: {}}) or not any(hq.gaps().values())


def test_an_id_already_held_is_duplicate_and_never_stored_twice(store, kiosk):
    event = {"id": "ev-1", "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
             "device_id": "kiosk-1", "seq": 1, "profile_id": None, "claim_code": None,
             "payload": {"product_id": "rm-1001"}}
    body = {"store_id": STORE, "bridge_id": "k1", "sent_at": "2026-11-23T10:00:01Z", "events": [event]}
    first = _post(store.url, body, kiosk_token(1))
    again = _post(store.url, body, kiosk_token(1))
    assert first.json() == {"results": [{"id": "ev-1", "status": "accepted"}]}
    assert again.json() == {"results": [{"id": "ev-1", "status": "duplicate"}]}
    store.sync(pull=False)
    assert _post(store.url, body, kiosk_token(1)).json()["results"][0]["status"] == "duplicate"
    assert store.outbox.stats().acked == 1 and store.outbox.stats().pending == 0


def test_events_without_seq_or_with_bad_fields_are_rejected_one_by_one(store):
    good = {"id": "ev-2", "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
            "device_id": "kiosk-1", "seq": 4, "payload": {"product_id": "p"}}
    no_seq = {**good, "id": "ev-3", "seq": None}
    bad_type = {**good, "id": "ev-4", "type": "nope"}
    body = {"store_id": STORE, "events": [good, no_seq, bad_type, 7]}
    results = _post(store.url, body, kiosk_token(1)).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected"]
    assert results[1]["error"].startswith("seq:") and results[2]["error"].startswith("type:")
    assert [e["seq"] for e in store.outbox.events()] == [4]


def test_another_stores_id_is_403_and_a_wrong_token_401_nothing_stored(store):
    event = {"id": "ev-5", "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
             "device_id": "kiosk-1", "seq": 1, "payload": {"product_id": "p"}}
    other = _post(store.url, {"store_id": "lyon", "events": [event]}, kiosk_token(1))
    assert other.status_code == 403 and "lyon" in other.json()["error"]
    wrong = _post(store.url, {"store_id": STORE, "events": [event]}, "not-a-token-of-this-store")
    assert wrong.status_code == 401
    assert store.outbox.stats().pending == 0


def test_a_revoked_kiosk_is_refused_and_keeps_its_events(store, kiosk):
    token = devices.pair(store.db, "kiosk-9")
    k9 = kiosk(9, token=token)
    _search(k9, 3, "kiosk-9")
    assert k9.sync(pull=False).drained
    assert devices.revoke(store.db, "kiosk-9")
    _search(k9, 2, "kiosk-9")
    report = k9.sync(pull=False)
    assert report.auth_failed and "revoked" in report.error
    assert k9.outbox.stats().pending == 2 and store.outbox.stats().pending == 3
    listed = {d.name: d for d in devices.list_devices(store.db)}
    assert listed["kiosk-9"].revoked and listed["kiosk-9"].last_seen_at


def test_kiosk_pulls_catalog_stock_keys_and_images_from_the_store_copy(store, kiosk, hq):
    store.sync(pull=True)
    k1 = kiosk(1)
    report = k1.sync(pull=True)
    assert report.pull_error is None and report.products == store.catalog.count() > 0
    assert k1.jwks() == store.jwks() and k1.jwks()["keys"]
    stocked = store.db.read().execute("SELECT count(*) FROM stock").fetchone()[0]
    assert k1.db.read().execute("SELECT count(*) FROM stock").fetchone()[0] == stocked
    cached = k1.db.read().execute("SELECT count(*) FROM image_cache WHERE path IS NOT NULL").fetchone()[0]
    assert cached > 0  # downloaded from the store bridge, which has them from HQ
    # A second pull moves nothing: the store bridge's change feed has nothing new.
    assert k1.sync(pull=True).products == 0


def test_a_till_sale_at_the_store_bridge_lowers_stock_on_the_kiosk(store, kiosk):
    store.sync(pull=True)
    k1 = kiosk(1)
    k1.sync(pull=True)
    sku, location, before = store.db.read().execute(
        "SELECT sku, location, on_hand FROM stock WHERE location = ? AND on_hand > 1 LIMIT 1",
        (f"store:{STORE}",)).fetchone()
    price = {"amount": "10.00", "currency": "EUR"}
    receipt = {"receipt_id": "R-1", "register_id": "pos-1", "occurred_at": "2026-11-23T10:00:00+01:00",
               "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "total": price}],
               "subtotal": price, "tax": {"amount": "0.00", "currency": "EUR"}, "total": price,
               "tenders": [{"method": "cash", "amount": price}]}
    answer = _post(store.intake_url, {"receipts": [receipt]}, INTAKE_TOKEN, path="/v1/intake/receipts")
    assert answer.json()["results"][0]["status"] == "accepted", answer.text
    report = k1.sync(pull=True)
    assert report.stock_levels == 1
    got = k1.db.read().execute("SELECT on_hand FROM stock WHERE sku = ? AND location = ?",
                               (sku, location)).fetchone()[0]
    assert got == before - 1


def test_heartbeats_record_each_device_and_the_store_reports_them_to_hq(store, kiosk, hq):
    k1 = kiosk(1)
    _search(k1, 2, "kiosk-1")
    assert k1.heartbeat()
    seen = {d.name: d for d in devices.list_devices(store.db)}
    assert seen["kiosk-1"].pending == 2 and seen["kiosk-1"].last_seen_at
    assert store.heartbeat()
    sent = hq.heartbeats()[-1]
    body = sent.get("body", sent)
    if isinstance(body, str):
        body = json.loads(body)
    assert {"device_id": "kiosk-1", "kind": "client", "last_seen_at": seen["kiosk-1"].last_seen_at,
            "pending": 2, "revoked": False} in body["devices"]


def test_profiles_pass_through_to_hq(store, kiosk, hq):
    k1 = kiosk(1)
    assert k1.fetch_profile("nobody-with-this-id") is None


def test_gzip_batches_as_a_kiosk_bridge_sends_them_are_read(store):
    event = {"id": "ev-9", "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
             "device_id": "kiosk-1", "seq": 1, "payload": {"product_id": "p"}}
    data = gzip.compress(json.dumps({"store_id": STORE, "events": [event]}).encode())
    answer = requests.post(store.url + "/v1/events", data=data, timeout=10, headers={
        "Authorization": f"Bearer {kiosk_token(1)}", "Content-Type": "application/json",
        "Content-Encoding": "gzip"})
    assert answer.json()["results"][0]["status"] == "accepted"


def test_with_hq_down_the_store_bridge_goes_on_serving_its_kiosks(tmp_path, hq, opened):
    from bridge.config import load_settings
    from bridge.errors import HQError
    from bridge.facade import Bridge
    from bridge.serve import BridgeServer
    from tests.store.store_rig import kiosk_config, store_config

    (tmp_path / "s").mkdir()
    store = Bridge.open(load_settings(store_config(tmp_path / "s", hq.url, 0, 0)))
    opened.append(store)
    store.sync(pull=True)  # the catalog, while HQ was up
    store.close()
    opened.remove(store)
    down = Bridge.open(load_settings(store_config(tmp_path / "s", "http://127.0.0.1:9", 0, 0)))
    opened.append(down)
    server = BridgeServer(down)
    server.start()
    try:
        k1 = Bridge.open(load_settings(kiosk_config(tmp_path, 1, f"http://127.0.0.1:{server.serve_port}")))
        opened.append(k1)
        ids = _search(k1, 4, "kiosk-1")
        report = k1.sync(pull=True)
        assert report.drained and report.pull_error is None and k1.catalog.count() == down.catalog.count() > 0
        assert {e["id"] for e in down.outbox.events()} == set(ids)
        try:
            k1.fetch_profile("p-camille")
        except HQError as exc:
            assert "503" in str(exc)
        else:
            raise AssertionError("a profile was answered with HQ down")
        assert down.sync(pull=False).error  # HQ unreachable: the events wait at the store bridge
        assert down.outbox.stats().pending == 4
    finally:
        server.stop()


def test_a_kiosk_lists_the_devices_of_its_store_bridge_and_hq_has_none(store, kiosk, open_direct):
    k1 = kiosk(1)
    assert k1.heartbeat()
    listed = k1.store_devices()
    assert [(d["device_id"], d["revoked"]) for d in listed] == [("kiosk-1", False)]
    assert open_direct().store_devices() is None  # straight to HQ: no store bridge, no list


def test_a_receipt_relayed_by_a_till_bridge_lowers_the_store_stock_once(store):
    store.sync(pull=True)
    sku, before = store.db.read().execute(
        "SELECT sku, on_hand FROM stock WHERE location = ? AND on_hand > 2 LIMIT 1", (f"store:{STORE}",)).fetchone()
    price = {"amount": "10.00", "currency": "EUR"}
    event = {"id": "pos-9-1", "type": "receipt", "occurred_at": "2026-11-23T10:00:00Z", "device_id": "pos-9",
             "seq": 1, "payload": {"receipt_id": "R-9", "register_id": "pos-9",
                                   "lines": [{"sku": sku, "quantity": 2, "unit_price": price, "total": price}],
                                   "subtotal": price, "tax": {"amount": "0.00", "currency": "EUR"},
                                   "total": price, "tenders": [{"method": "cash", "amount": price}]}}
    body = {"store_id": STORE, "events": [event]}
    assert _post(store.url, body, kiosk_token(1)).json()["results"][0]["status"] == "accepted"
    assert _post(store.url, body, kiosk_token(1)).json()["results"][0]["status"] == "duplicate"
    level = store.db.read().execute("SELECT on_hand FROM stock WHERE sku = ? AND location = ?",
                                    (sku, f"store:{STORE}")).fetchone()[0]
    assert level == before - 2
