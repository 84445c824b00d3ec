"""`vitrine-bridge pair`, `revoke` and `devices` on a store bridge's configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PIL import Image

from tests.store.store_rig import ROOT, store_config


def _cli(config, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridge.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_pair_prints_url_token_and_qr_revoke_and_devices_list_them(tmp_path):
    config = store_config(tmp_path, "http://127.0.0.1:9", 8799, 0,
                          serve={"public_url": "http://store.local:8799/"})
    paired = _cli(config, "pair", "kiosk-entrance", "--qr", str(tmp_path / "pair.png"))
    assert paired.returncode == 0, paired.stderr
    assert 'url = "http://store.local:8799"' in paired.stdout
    assert "allow_insecure_http = true" in paired.stdout  # a LAN URL in clear: the kiosk must opt in
    token = paired.stdout.split('token = "', 1)[1].split('"', 1)[0]
    assert len(token) >= 32 and ("█" in paired.stdout or "▀" in paired.stdout)  # the terminal QR
    assert Image.open(tmp_path / "pair.png").size[0] > 100

    listed = json.loads(_cli(config, "devices", "--json").stdout)
    assert [(d["device_id"], d["kind"], d["revoked"]) for d in listed] == [("kiosk-entrance", "kiosk", False)]
    assert _cli(config, "revoke", "kiosk-entrance").returncode == 0
    assert json.loads(_cli(config, "devices", "--json").stdout)[0]["revoked"] is True
    missing = _cli(config, "revoke", "nobody")
    assert missing.returncode == 1 and "no device named 'nobody'" in missing.stderr
    bad = _cli(config, "pair", "../etc")
    assert bad.returncode == 1 and "device name" in bad.stderr


def test_pair_refuses_on_a_bridge_that_does_not_serve(tmp_path):
    config = store_config(tmp_path, "http://127.0.0.1:9", 8799, 0, serve={"enabled": False})
    answer = _cli(config, "pair", "kiosk-1")
    assert answer.returncode == 1 and "[serve] enabled" in answer.stderr
