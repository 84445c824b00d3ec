"""The HQ pages in a real browser: headless Chromium loads each page with the dashboard token and saves a
screenshot to screenshots/hq/ (look at them); the DOM it built is checked for the seeded month's figures."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from chromium import Chromium, ChromiumUnavailable
from hq_helpers import OTHER_TOKEN, TOKEN
from test_hq_attribution import NOVEMBER, ORDERS_TOKEN, seed
from test_hq_pages import BEAT, DASHBOARD_TOKEN

from hq.embedded import serve_in_thread
from hq.state import Access

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "hq"


@pytest.fixture
def browser(tmp_path):
    try:
        return Chromium.find(tmp_path)
    except ChromiumUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def hq(tmp_path, catalog_dir):
    running = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": TOKEN, "lyon-presquile": OTHER_TOKEN},
                              catalog_dir=catalog_dir,
                              access=Access(orders_token=ORDERS_TOKEN, dashboard_token=DASHBOARD_TOKEN))
    seed(running.url)
    requests.post(running.url + "/v1/heartbeats", json=BEAT, headers={"Authorization": f"Bearer {TOKEN}"},
                  timeout=10).raise_for_status()
    yield running
    running.stop()


def test_store_and_chain_pages_in_chromium(hq, browser):
    query = urlencode({**NOVEMBER, "token": DASHBOARD_TOKEN})
    store_url = f"{hq.url}/stores/paris-marais?{query}"
    browser.screenshot(store_url, SCREENSHOTS / "store-paris-marais.png", height=3000)
    browser.screenshot(f"{hq.url}/chain?{query}", SCREENSHOTS / "chain.png")
    for name in ("store-paris-marais.png", "chain.png"):
        assert (SCREENSHOTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = browser.dom(store_url)
    assert "<h1>Store paris-marais</h1>" in dom
    assert dom.count("<svg") == 5  # three activity charts, revenue, holdout
    assert "<td>identified shopper</td><td class=\"n\">2</td><td class=\"n\">238.50</td>" in dom
    assert "<td>hand-off bought online</td><td class=\"n\">1</td><td class=\"n\">250.00</td>" in dom
    assert "<title>2026-11-21 hand-off: 250</title>" in dom  # the order's bar, with its tooltip
    assert "outbox.db" in dom and "tablet-9" in dom
    refused = browser.dom(f"{hq.url}/stores/paris-marais?{urlencode(NOVEMBER)}")
    assert "dashboard token is required" in refused and "238.50" not in refused
