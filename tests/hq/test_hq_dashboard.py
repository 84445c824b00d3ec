"""Heartbeats, the HTML pages for headquarters staff, and the OpenAPI document."""

from __future__ import annotations

import requests
from hq_helpers import OTHER_TOKEN, batch, event
from openapi_spec_validator import validate

BEAT = {"store_id": "paris-marais", "bridge_id": "paris-marais-bridge-1", "version": "0.1.0", "pending": 42,
        "oldest_pending_age_s": 310.4, "dead_letters": 3, "last_push_at": "2026-11-23T14:05:09Z"}


def test_heartbeats_keep_the_latest_per_bridge(hq, session):
    url = hq.url + "/v1/heartbeats"
    assert session.post(url, json={**BEAT, "pending": 1}, timeout=10).status_code == 204
    assert session.post(url, json=BEAT, timeout=10).status_code == 204
    [beat] = hq.heartbeats()
    assert beat["pending"] == 42 and beat["store_id"] == "paris-marais" and beat["received_at"]
    assert session.post(url, json={**BEAT, "pending": -1}, timeout=10).json()["error"].startswith("pending:")
    assert session.post(url, json={"pending": 1}, timeout=10).json()["error"].startswith("bridge_id:")
    other = requests.post(url, json=BEAT, headers={"Authorization": f"Bearer {OTHER_TOKEN}"}, timeout=10)
    assert other.status_code == 403
    assert requests.post(url, json=BEAT, timeout=10).status_code == 401


def test_store_page_shows_counts_heartbeat_and_gaps(hq, session):
    events = [event(1), event(2), event(6), event(7, etype="item_saved", payload={"product_id": "rm-1"}),
              event(8, seq=1, device="pos-1", etype="search_performed",
                    payload={"query": "<script>", "results_count": 0})]
    session.post(hq.url + "/v1/events", json=batch(events), timeout=10).raise_for_status()
    session.post(hq.url + "/v1/heartbeats", json=BEAT, timeout=10).raise_for_status()

    page = requests.get(hq.url + "/stores/paris-marais", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "5 events received" in html
    assert "<td>product_viewed</td><td class=\"n\">3</td>" in html
    assert "<td>item_saved</td><td class=\"n\">1</td>" in html
    assert "paris-marais-bridge-1" in html and "0.1.0" in html and "310 s" in html
    assert "<td>kiosk-1</td><td class=\"n\">4</td><td class=\"n\">7</td><td><span class=\"warn\">3–5</span>" in html
    assert "<script" not in html

    index = requests.get(hq.url + "/", timeout=10).text
    assert '<a href="/stores/paris-marais">paris-marais</a>' in index
    assert "lyon-presquile" in index


def test_openapi_document_is_served_and_valid(hq):
    answer = requests.get(hq.url + "/v1/openapi.json", timeout=10)
    assert answer.status_code == 200
    spec = answer.json()
    validate(spec)
    assert {"/v1/events", "/v1/catalog", "/v1/stock", "/v1/profiles/{profile_id}", "/v1/keys",
            "/v1/heartbeats", "/v1/claims/{claim_code}", "/v1/images/{name}"} <= set(spec["paths"])
    event_types = spec["components"]["schemas"]["Event"]["properties"]["type"]["enum"]
    from hq.validation import EVENT_TYPES

    assert set(event_types) == EVENT_TYPES
