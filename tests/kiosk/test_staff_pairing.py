"""Pair a new screen from the staff screen of the store bridge's own kiosk (issue 11).

A real Bridge with [serve] enabled on a tmp_path database stands in for the app's bridge;
the QR is read back from a real screenshot with zxing-cpp and the token goes through the
store bridge's own bearer check (bridge.serve.auth with the server's token sources).
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import zxingcpp
from PIL import Image

from bridge.serve import auth
from bridge.serve.errors import Refused
from bridge.serve.pairing import pairing_text
from bridge.serve.server import token_sources
from bridge.store import devices

pytestmark = pytest.mark.kiosk

PUBLIC_URL = "http://store-bridge.test:8720"


@pytest.fixture
def store_kiosk(kiosk, tmp_path):
    """The app's bridge and data swapped for a bridge serving its store, on a fresh database."""
    from bridge.facade import Bridge
    from kiosk.logic.data_access import KioskData

    app = kiosk.app
    settings = app.bridge.settings
    serving = dataclasses.replace(
        settings, bridge=dataclasses.replace(settings.bridge, database=str(tmp_path / "store.db")),
        serve=dataclasses.replace(settings.serve, enabled=True, public_url=PUBLIC_URL))
    bridge = Bridge.open(serving)
    offline, offline_data = app.bridge, app.data
    app.bridge, app.data = bridge, KioskData(bridge)
    yield kiosk, bridge
    screen = app.screens["staff"]
    screen.close_pairing()
    app.staff_mode = False
    app.go("attract")
    kiosk.settle()
    app.bridge, app.data = offline, offline_data
    bridge.close()


def open_staff(kiosk) -> object:
    app = kiosk.app
    app.staff_mode = True
    app.go("staff")
    kiosk.settle()
    return app.screens["staff"]


def open_bridge_card(kiosk):
    """The staff screen with its bridge card shown: in a compact window, through its tab."""
    screen = open_staff(kiosk)
    if screen.tabbed:
        kiosk.tap(kiosk.find("tab_health"))
        kiosk.settle()
    return screen


def open_pairing(kiosk):
    screen = open_bridge_card(kiosk)
    kiosk.tap(kiosk.find("pair_screen"))
    kiosk.wait_until(lambda: screen.pairing is not None and screen.pairing.payload, message="the pairing QR")
    kiosk.settle()
    return screen, screen.pairing


def decoded(png) -> list[str]:
    with Image.open(png) as image:
        return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))
                if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_action_is_hidden_when_this_bridge_does_not_serve_its_store(kiosk):
    app = kiosk.app
    assert not app.bridge.settings.serve.enabled
    screen = open_staff(kiosk)
    button = kiosk.find("pair_screen")
    assert not screen.can_pair and button.disabled and button.width == 0
    app.staff_mode = False
    app.go("attract")
    kiosk.settle()


def test_the_qr_holds_what_the_cli_prints_and_the_token_is_accepted_then_revoked(store_kiosk):
    kiosk, bridge = store_kiosk
    screen, panel = open_pairing(kiosk)
    token = panel.token
    assert kiosk.app.settings.kiosk.device_id == "kiosk-1"  # this kiosk's own name is not handed out
    assert panel.device_name == "kiosk-2"
    expires = json.loads(panel.payload)["exp"]  # the code's expiry: tests/store/test_device_binding.py
    assert panel.payload == pairing_text("kiosk-2", PUBLIC_URL, token, expires)
    assert "kiosk-2" in " ".join(kiosk.texts())

    png = kiosk.screenshot("staff_pairing")
    assert decoded(png) == [panel.payload]

    sources = token_sources(bridge)
    assert auth.device_client(sources, token) == "kiosk-2"
    assert [d.kind for d in devices.list_devices(bridge.db) if d.name == "kiosk-2"] == ["kiosk"]
    assert devices.revoke(bridge.db, "kiosk-2")
    with pytest.raises(Refused) as refused:
        auth.device_client(sources, token)
    assert refused.value.status == 401 and "revoked" in str(refused.value)


def test_closing_the_panel_hides_the_token_and_the_next_screen_gets_the_next_name(store_kiosk):
    kiosk, _bridge = store_kiosk
    screen, panel = open_pairing(kiosk)
    token = panel.token
    kiosk.tap(kiosk.find("close_panel"))
    kiosk.settle()
    assert panel.token == "" and panel.payload == "" and panel.qr_texture is None
    assert token not in " ".join(kiosk.texts())
    _screen, again = open_pairing(kiosk)
    assert again.device_name == "kiosk-3" and again.token != token


def test_leaving_staff_mode_forgets_the_token(store_kiosk):
    kiosk, _bridge = store_kiosk
    screen, panel = open_pairing(kiosk)
    token = panel.token
    screen.exit_staff()
    kiosk.settle()
    assert kiosk.screen != "staff" and not kiosk.app.staff_mode
    assert screen.pairing is None and panel.token == "" and panel.payload == ""
    assert token not in " ".join(kiosk.texts())


SMALL = [(480, 800), (800, 480), (1080, 1920), (1920, 1080)]


@pytest.mark.parametrize("size", SMALL, ids=[f"{w}x{h}" for w, h in SMALL])
def test_the_panel_fits_and_its_qr_reads_at_small_sizes(store_kiosk, size):
    from types import SimpleNamespace

    from tests.kiosk.conftest import PORTRAIT
    from tests.kiosk.test_layout_screens import misfits

    kiosk, _bridge = store_kiosk
    kiosk.set_size(*size)
    try:
        _screen, panel = open_pairing(kiosk)
        only_panel = SimpleNamespace(size=kiosk.window.size, children=[panel])
        assert misfits(only_panel, kiosk.app.layout.min_touch) == []
        png = kiosk.screenshot(f"{size[0]}x{size[1]}-staff_pairing")
        assert decoded(png) == [panel.payload]
    finally:
        kiosk.set_size(*PORTRAIT)


WINDOWS = [(800, 1280), (1280, 800), (1080, 1920), (1920, 1080), (480, 800), (800, 480)]


@pytest.mark.parametrize("size", WINDOWS, ids=[f"{w}x{h}" for w, h in WINDOWS])
def test_the_staff_screen_with_the_action_fits_the_window(store_kiosk, size):
    from tests.kiosk.conftest import PORTRAIT
    from tests.kiosk.test_layout_screens import misfits

    kiosk, _bridge = store_kiosk
    kiosk.set_size(*size)
    try:
        screen = open_bridge_card(kiosk)
        assert screen.can_pair and kiosk.find("pair_screen").width > 0
        problems = misfits(kiosk.window, kiosk.app.layout.min_touch)
        kiosk.screenshot(f"{size[0]}x{size[1]}-staff_with_pairing")
        assert problems == []
    finally:
        kiosk.set_size(*PORTRAIT)
