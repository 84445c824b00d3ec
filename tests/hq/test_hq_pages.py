"""The store and chain pages: the dashboard token, a CSV of every table, what bridges report in heartbeats."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests
from hq_helpers import OTHER_TOKEN, TOKEN
from test_hq_attribution import NOVEMBER, ORDERS_TOKEN, seed

from hq.embedded import serve_in_thread
from hq.state import Access

DASHBOARD_TOKEN = "test-dashboard-token"
QUARANTINED = [{"file": "outbox.db", "at": "2026-11-23T14:00:00Z", "events": 1200}]
DEVICES = [{"device_id": "kiosk-1", "kind": "kiosk", "last_seen_at": "2026-11-23T14:05:00Z", "pending": 3,
            "revoked": False},
           {"device_id": "tablet-9", "kind": "staff", "last_seen_at": None, "pending": None, "revoked": True}]
BEAT = {"store_id": "paris-marais", "bridge_id": "paris-marais-bridge-1", "version": "0.2.0",
        "quarantined": QUARANTINED, "devices": DEVICES}
STORE_PATHS = ["/", "/chain", "/stores/paris-marais", "/stores/paris-marais/attribution.json", "/attribution.json",
               "/stores/paris-marais/stats.json", "/stores/paris-marais/gaps.json",
               "/stores/paris-marais/tables/daily.csv", "/chain/tables/stores.csv"]


@pytest.fixture
def hq(database, catalog_dir):
    running = serve_in_thread(database, tokens={"paris-marais": TOKEN, "lyon-presquile": OTHER_TOKEN},
                              catalog_dir=catalog_dir,
                              access=Access(orders_token=ORDERS_TOKEN, dashboard_token=DASHBOARD_TOKEN))
    yield running
    running.stop()


def test_no_store_data_without_the_dashboard_token(hq):
    seed(hq.url)
    for path in STORE_PATHS:
        assert requests.get(hq.url + path, timeout=10).status_code == 401, path
        wrong = requests.get(hq.url + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert wrong.status_code == 401 and "paris" not in wrong.text, path
        assert requests.get(hq.url + path, params={"token": "nope"}, timeout=10).status_code == 401, path
        right = requests.get(hq.url + path, headers={"Authorization": f"Bearer {DASHBOARD_TOKEN}"}, timeout=10)
        assert right.status_code == 200, path
    assert requests.get(hq.url + "/healthz", timeout=10).status_code == 200
    assert requests.get(hq.url + "/v1/openapi.json", timeout=10).status_code == 200
    with requests.Session() as browser:  # ?token= once, then the cookie carries it
        first = browser.get(hq.url + "/chain", params={"token": DASHBOARD_TOKEN, **NOVEMBER}, timeout=10)
        assert first.status_code == 200 and "HttpOnly" in first.headers["Set-Cookie"]
        assert browser.get(hq.url + "/stores/paris-marais", params=NOVEMBER, timeout=10).status_code == 200


def test_every_table_has_its_csv(hq):
    seed(hq.url)
    auth = {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}
    requests.post(hq.url + "/v1/heartbeats", json=BEAT, headers={"Authorization": f"Bearer {TOKEN}"},
                  timeout=10).raise_for_status()
    for page in ("/stores/paris-marais", "/chain"):
        html = requests.get(hq.url + page, params=NOVEMBER, headers=auth, timeout=10).text
        tables = html.count("<table>")
        links = re.findall(r'href="([^"]+\.csv\?[^"]*)"', html)
        assert tables >= 4 and len(links) == tables, page
        for link in links:
            answer = requests.get(hq.url + link.replace("&amp;", "&"), headers=auth, timeout=10)
            assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv"), link
            rows = list(csv.reader(io.StringIO(answer.text)))
            assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), link
    daily = requests.get(hq.url + "/stores/paris-marais/tables/daily.csv", params=NOVEMBER, headers=auth, timeout=10)
    rows = list(csv.reader(io.StringIO(daily.text)))
    assert len(rows) == 31 and rows[3] == ["2026-11-03", "1", "0", "0.0%", "0", "1", "1", "129.00", "0.00"]
    attribution = requests.get(hq.url + "/stores/paris-marais/tables/attribution.csv", params=NOVEMBER,
                               headers=auth, timeout=10).text
    assert "identified shopper,2,238.50" in attribution
    missing = requests.get(hq.url + "/stores/paris-marais/tables/nope.csv", headers=auth, timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "no such table: nope"


def test_store_page_shows_what_bridges_report(hq):
    session = {"Authorization": f"Bearer {TOKEN}"}
    url = hq.url + "/v1/heartbeats"
    assert requests.post(url, json=BEAT, headers=session, timeout=10).status_code == 204
    html = requests.get(hq.url + "/stores/paris-marais", headers={"Authorization": f"Bearer {DASHBOARD_TOKEN}"},
                        timeout=10).text
    assert '<span class="warn">outbox.db</span>' in html and '<td class="n">1200</td>' in html
    assert "tablet-9" in html and '<span class="warn">revoked</span>' in html
    served = requests.get(hq.url + "/stores/paris-marais/tables/served_devices.csv",
                          headers={"Authorization": f"Bearer {DASHBOARD_TOKEN}"}, timeout=10).text
    assert "paris-marais-bridge-1,tablet-9,staff,,—,yes" in served


@pytest.mark.parametrize("change, error", [
    ({"quarantined": {"file": "x"}}, "quarantined: must be a list"),
    ({"quarantined": [{"at": "2026-11-23T14:00:00Z", "events": 1}]}, "quarantined[0].file: required"),
    ({"quarantined": [{**QUARANTINED[0], "at": "yesterday"}]}, "quarantined[0].at: required"),
    ({"quarantined": [{**QUARANTINED[0], "events": -1}]}, "quarantined[0].events: required"),
    ({"devices": [{**DEVICES[0], "kind": ""}]}, "devices[0].kind: required"),
    ({"devices": [DEVICES[0], {**DEVICES[1], "revoked": "no"}]}, "devices[1].revoked: required"),
    ({"devices": [{**DEVICES[0], "pending": 1.5}]}, "devices[0].pending: must be an integer"),
    ({"devices": [{**DEVICES[0], "last_seen_at": 5}]}, "devices[0].last_seen_at: must be"),
    ({"devices": ["kiosk-1"]}, "devices[0]: must be an object"),
])
def test_heartbeat_extensions_are_checked(hq, change, error):
    answer = requests.post(hq.url + "/v1/heartbeats", json={**BEAT, **change},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"].startswith(error)


def test_openapi_describes_attribution_orders_and_heartbeat_extensions():
    import json

    from openapi_spec_validator import validate

    from hq.web.pages import OPENAPI_PATH

    spec = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    validate(spec)
    assert {"/v1/orders", "/stores/{store_id}/attribution.json", "/attribution.json"} <= set(spec["paths"])
    assert {"quarantined", "devices"} <= set(spec["components"]["schemas"]["Heartbeat"]["properties"])
    assert "holdout" in spec["components"]["schemas"]["SessionPayload"]["properties"]
    assert "handoff_id" in spec["components"]["schemas"]["ReceiptPayload"]["properties"]


def test_the_served_command_takes_the_dashboard_and_orders_tokens(tmp_path):
    from hq_process import kill_hq, start_hq
    from test_hq_attribution import ORDER_O5

    proc, url = start_hq(str(tmp_path / "hq.db"), tokens={"paris-marais": TOKEN},
                         extra=("--dashboard-token", DASHBOARD_TOKEN, "--orders-token", ORDERS_TOKEN,
                                "--attribution-window-days", "30"))
    try:
        assert requests.get(url + "/chain", timeout=10).status_code == 401
        assert requests.get(url + "/chain", params={"token": DASHBOARD_TOKEN}, timeout=10).status_code == 200
        orders = requests.post(url + "/v1/orders", json={"orders": [ORDER_O5]},
                               headers={"Authorization": f"Bearer {ORDERS_TOKEN}"}, timeout=10)
        assert orders.json()["results"] == [{"order_id": "O5", "status": "accepted"}]
    finally:
        kill_hq(proc)
