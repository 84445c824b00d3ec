"""Fixtures of the store tests: a reference HQ, a store bridge served in this process, kiosk bridges."""

from __future__ import annotations

import pytest

from bridge.config import load_settings
from tests.store.store_rig import free_port, kiosk_config, small_catalog, store_config


@pytest.fixture
def hq(tmp_path):
    """The reference HQ with a small catalog of our own (real images), in this process."""
    from hq.embedded import serve_in_thread

    running = serve_in_thread(tmp_path / "hq.db", catalog_dir=small_catalog(tmp_path / "catalog"))
    yield running
    running.stop()


@pytest.fixture
def opened():
    """Bridges opened by a test, closed at its end."""
    bridges = []
    yield bridges
    for b in reversed(bridges):
        b.close()


@pytest.fixture
def store(tmp_path, hq, opened):
    """A store bridge serving profile API v1 on a free port, in this process (not sending by itself)."""
    from bridge.facade import Bridge
    from bridge.serve import BridgeServer

    config = store_config(tmp_path, hq.url, serve_port=0, intake_port=0)
    bridge = Bridge.open(load_settings(config))
    opened.append(bridge)
    server = BridgeServer(bridge)
    server.start()
    bridge.url = f"http://127.0.0.1:{server.serve_port}"
    bridge.intake_url = f"http://127.0.0.1:{server.port}"
    bridge.acquire_sender()
    yield bridge
    server.stop()


@pytest.fixture
def kiosk(tmp_path, store, opened):
    """open kiosk bridge i (its [hq] url is the store bridge)."""
    from bridge.facade import Bridge

    def open_(i: int, **overrides):
        b = Bridge.open(load_settings(kiosk_config(tmp_path, i, store.url, **overrides)))
        opened.append(b)
        return b
    return open_


@pytest.fixture
def port():
    return free_port


@pytest.fixture
def open_direct(tmp_path, hq, opened):
    """open a bridge talking straight to HQ."""
    from bridge.facade import Bridge
    from tests.store.store_rig import HQ_TOKEN

    def open_():
        b = Bridge.open(load_settings(kiosk_config(tmp_path, 99, hq.url, token=HQ_TOKEN)))
        opened.append(b)
        return b
    return open_
