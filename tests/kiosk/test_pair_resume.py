"""The pair screen finishes a pairing the kiosk began before it was killed (between swap and config).

The pairing runs in a child process killed once the store bridge swapped the QR's token
(tests/store/pairing_child.py); the shared app then shows the pair screen as a restart does.
"""

from __future__ import annotations

import pytest

from bridge.config import load_settings
from bridge.store import devices
from kiosk.logic import pairing
from tests.kiosk.test_pair_screen import mint, rig, store  # noqa: F401 - fixtures
from tests.store.test_pairing_retry import killed_after_the_swap, live_tokens, works


@pytest.mark.kiosk
def test_a_new_kiosk_killed_mid_pairing_finishes_it_on_the_pair_screen(kiosk, rig, store):  # noqa: F811
    r = rig()  # no token yet: the kiosk starts on the pair screen
    paired = mint(store)
    lost = killed_after_the_swap(r.config, paired.text)
    assert pairing.in_progress(r.config) is not None
    r.open()
    kiosk.wait_until(lambda: kiosk.screen == "attract", message="the pairing finished, on the attract screen")
    token = load_settings(r.config).hq_token()
    assert kiosk.app.settings.kiosk.device_id == "kiosk-2" and kiosk.app.bridge is not r.first
    assert works(store, token) and not works(store, lost) and not works(store, paired.token)
    assert live_tokens(store, "kiosk-2") == [devices.digest(token)]
    assert pairing.in_progress(r.config) is None


@pytest.mark.kiosk
def test_a_paired_kiosk_whose_code_expired_meanwhile_asks_for_the_pin_again(kiosk, rig, store):  # noqa: F811
    r = rig(url="http://127.0.0.1:9", token="an-old-token-0123456789")
    before = r.config.read_bytes()
    paired = mint(store)
    killed_after_the_swap(r.config, paired.text)
    with store.db.write() as conn:  # the restart came after the code's 15 minutes
        conn.execute("UPDATE pairing_swaps SET expires_at = '2000-01-01T00:00:00.000Z'")
    screen = r.open()
    kiosk.wait_until(lambda: "410" in screen.message and not screen.busy, message="the retry refused")
    assert screen.step == "pin" and kiosk.screen == "pair" and kiosk.app.bridge is r.first
    assert r.config.read_bytes() == before and pairing.in_progress(r.config) is None
