"""bridge.serve.pairing: the one way a store bridge mints a device token (CLI and staff screen)."""

from __future__ import annotations

import dataclasses
import json

import pytest
import zxingcpp
from PIL import Image

from bridge.config import load_settings
from bridge.errors import VitrineError
from bridge.facade import Bridge
from bridge.serve.pairing import next_device_name, pair_device, qr_modules, save_qr_png
from bridge.store import devices
from tests.store.store_rig import store_config


@pytest.fixture
def bridge(tmp_path):
    settings = load_settings(store_config(tmp_path, "http://127.0.0.1:9", 8799, 0, kiosks=2,
                                          serve={"public_url": "http://store.local:8799/"}))
    with Bridge.open(settings) as opened:
        yield opened


def test_pair_device_mints_a_registry_token_and_the_payload_the_qr_holds(bridge, tmp_path):
    paired = pair_device(bridge.db, bridge.settings, "kiosk-door")
    assert paired.url == "http://store.local:8799" and paired.kind == "kiosk"
    assert json.loads(paired.text) == {"vitrine_pair": 1, "name": "kiosk-door", "url": paired.url,
                                       "token": paired.token, "exp": paired.expires}
    assert devices.find_token(bridge.db, paired.token).name == "kiosk-door"
    with Image.open(save_qr_png(paired.text, tmp_path / "qr.png")) as image:
        assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [paired.text]
    rows = qr_modules(paired.text, border=4)
    assert len(rows) == len(rows[0]) and not any(rows[0]) and any(rows[4])  # quiet zone, then the code


def test_pair_device_refuses_when_the_bridge_does_not_serve(bridge):
    settings = dataclasses.replace(bridge.settings, serve=dataclasses.replace(bridge.settings.serve, enabled=False))
    with pytest.raises(VitrineError, match=r"\[serve\] enabled"):
        pair_device(bridge.db, settings, "kiosk-9")
    assert devices.list_devices(bridge.db) == []


def test_next_device_name_skips_registry_configured_and_own_names(bridge):
    # [serve.tokens] holds kiosk-1 and kiosk-2; this machine's own [kiosk] device_id is kiosk-1.
    assert next_device_name(bridge.db, bridge.settings) == "kiosk-3"
    pair_device(bridge.db, bridge.settings, "kiosk-3")
    devices.revoke(bridge.db, "kiosk-3")  # a revoked name stays taken: its events keep that name
    assert next_device_name(bridge.db, bridge.settings) == "kiosk-4"
    assert next_device_name(bridge.db, bridge.settings, "till") == "till-1"
