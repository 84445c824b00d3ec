"""A pairing swap is retry-safe: a kiosk killed between the swap and its config ends paired,
with one live token; a replayed QR with another request id is refused (issue 11, pairing)."""

from __future__ import annotations

import dataclasses
import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest
import requests

from bridge.config import load_settings
from bridge.serve.pairing import pair_device
from bridge.store import devices
from kiosk.logic import pairing
from tests.store.store_rig import ROOT, STORE, serving_store

REQUEST = "kiosk-request-0123456789"


@pytest.fixture
def store(tmp_path):
    """A store bridge serving profile API v1 on a free loopback port (no HQ needed)."""
    with serving_store(tmp_path) as bridge:
        yield bridge


def mint(store, name: str = "kiosk-2"):
    settings = dataclasses.replace(store.settings, serve=dataclasses.replace(store.settings.serve,
                                                                             public_url=store.url))
    return pair_device(store.db, settings, name)


def swap(store, token: str, request_id: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if request_id is not None:
        headers["Swap-Request-Id"] = request_id
    return requests.post(store.url + "/v1/devices/token", headers=headers, timeout=10)


def works(store, token: str) -> bool:
    answer = requests.get(store.url + "/v1/keys", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def live_tokens(store, name: str) -> list[str]:
    """The digests the registry would accept for name (one column: at most one by construction)."""
    rows = store.db.read().execute("SELECT token_sha256 FROM devices WHERE name = ? AND revoked_at IS NULL",
                                   (name,)).fetchall()
    return [r[0] for r in rows if r[0]]


def issued(store, qr_token: str) -> int:
    return store.db.read().execute("SELECT issued FROM pairing_swaps WHERE pairing_sha256 = ?",
                                   (devices.digest(qr_token),)).fetchone()[0]


# -- the store bridge's side -------------------------------------------------------------

def test_the_same_request_swaps_again_and_the_first_token_stops_working(store):
    qr = mint(store).token
    first = swap(store, qr, REQUEST)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    again = swap(store, qr, REQUEST)  # the answer was lost: the kiosk asks again
    assert again.status_code == 200 and again.json()["device_id"] == "kiosk-2"
    token_1, token_2 = first.json()["token"], again.json()["token"]
    assert len({qr, token_1, token_2}) == 3  # never the same token twice
    assert works(store, token_2) and not works(store, token_1) and not works(store, qr)
    assert live_tokens(store, "kiosk-2") == [devices.digest(token_2)] and issued(store, qr) == 2


def test_a_replayed_qr_with_another_request_id_is_refused_with_409(store):
    qr = mint(store).token
    own = swap(store, qr, REQUEST).json()["token"]
    stolen = swap(store, qr, "a-thief-request-id-000000")
    assert stolen.status_code == 409
    error = stolen.json()["error"]
    assert "already swapped" in error and "another request" in error and "revoke kiosk-2" in error
    no_id = swap(store, qr)  # an older client, or a thief without an id: as before
    assert no_id.status_code == 401 and "already used" in no_id.json()["error"]
    assert works(store, own) and live_tokens(store, "kiosk-2") == [devices.digest(own)]


def test_a_code_swapped_without_a_request_id_is_never_swapped_again(store):
    qr = mint(store).token
    own = swap(store, qr).json()["token"]  # an older kiosk: no request id
    assert swap(store, qr, REQUEST).status_code == 409
    assert works(store, own)


def test_two_requests_racing_for_one_code_get_one_token(store):
    qr = mint(store).token
    start = threading.Barrier(2)
    answers: dict[str, requests.Response] = {}

    def race(request_id: str) -> None:
        start.wait()
        answers[request_id] = swap(store, qr, request_id)

    threads = [threading.Thread(target=race, args=(f"racing-request-{i}-0000000",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers.values())
    assert codes == [200, 409], [a.text for a in answers.values()]
    winner = next(a for a in answers.values() if a.status_code == 200).json()["token"]
    assert live_tokens(store, "kiosk-2") == [devices.digest(winner)] and issued(store, qr) == 1


def test_no_retry_once_the_code_has_expired(store):
    qr = mint(store).token
    own = swap(store, qr, REQUEST).json()["token"]
    with store.db.write() as conn:  # the 15 minutes are over
        conn.execute("UPDATE pairing_swaps SET expires_at = '2000-01-01T00:00:00.000Z'")
    late = swap(store, qr, REQUEST)
    assert late.status_code == 410 and "pair again" in late.json()["error"]
    assert works(store, own)  # the token issued in time stays the device's


def test_pairing_again_ends_the_old_codes_retries(store):
    qr = mint(store).token
    swap(store, qr, REQUEST)
    fresh_qr = mint(store).token  # the store manager pairs the screen again
    assert swap(store, qr, REQUEST).status_code == 401
    assert swap(store, fresh_qr, REQUEST).status_code == 200


@pytest.mark.parametrize("request_id", ["short", "x" * 65, "has spaces in it ......"])
def test_a_malformed_request_id_is_refused_and_spends_nothing(store, request_id):
    qr = mint(store).token
    bad = swap(store, qr, request_id)
    assert bad.status_code == 400 and bad.json()["error"].startswith("Swap-Request-Id:")
    assert swap(store, qr, REQUEST).status_code == 200


def test_a_configured_or_revoked_token_with_a_request_id_is_still_refused(store):
    from tests.store.store_rig import kiosk_token

    assert swap(store, kiosk_token(1), REQUEST).status_code == 409
    qr = mint(store).token
    swap(store, qr, REQUEST)
    devices.revoke(store.db, "kiosk-2")
    assert swap(store, qr, REQUEST).status_code == 401


# -- the kiosk killed between the swap and the config -------------------------------------

def kiosk_config(folder) -> os.PathLike:
    path = folder / "kiosk.toml"
    path.write_text(f'# the entrance\n[store]\nid = "{STORE}"\n\n[hq]\ntimeout_s = 3.0\n\n'
                    f'[bridge]\ndatabase = "kiosk.db"\n\n[kiosk]\nlanguage = "en"\n', encoding="utf-8")
    return path


def killed_after_the_swap(config, qr_text: str) -> str:
    """Run the kiosk's pairing in a child, kill it once the swap answered; the token it was given."""
    child = subprocess.Popen([sys.executable, "-m", "tests.store.pairing_child", str(config), qr_text],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = child.stdout.readline()  # blocks until the child swapped (or died: then "")
        assert line.startswith("swapped "), f"the child did not swap: {line!r}"
        record = pairing.progress_path(config)
        assert stat.S_IMODE(record.stat().st_mode) == 0o600  # it holds the QR's token
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()
    return line.split()[1]


def test_a_kiosk_killed_between_swap_and_config_ends_paired_on_restart(store, tmp_path):
    config = kiosk_config(tmp_path)
    paired = mint(store)
    lost = killed_after_the_swap(config, paired.text)
    assert works(store, lost)  # swapped: the QR is spent, and the config does not have it
    assert pairing.needs_pairing(load_settings(config)) and not works(store, paired.token)

    begun = pairing.in_progress(config)  # the restart finds the pairing in progress
    assert begun is not None and paired.token not in repr(begun)
    settings = pairing.finish(config, begun)

    token = load_settings(config).hq_token()
    assert settings.kiosk.device_id == "kiosk-2" and works(store, token)
    assert not works(store, lost)  # the token given to the dead process is revoked
    assert live_tokens(store, "kiosk-2") == [devices.digest(token)] and issued(store, paired.token) == 2
    assert pairing.in_progress(config) is None and not pairing.progress_path(config).exists()
    stolen = swap(store, paired.token, "a-thief-request-id-000000")
    assert stolen.status_code == 409 and works(store, token)


def test_a_restart_after_the_code_expired_says_pair_again_and_forgets_the_record(store, tmp_path):
    config = kiosk_config(tmp_path)
    paired = mint(store)
    lost = killed_after_the_swap(config, paired.text)
    with store.db.write() as conn:
        conn.execute("UPDATE pairing_swaps SET expires_at = '2000-01-01T00:00:00.000Z'")
    with pytest.raises(pairing.PairingError) as refused:
        pairing.finish(config, pairing.in_progress(config))
    assert refused.value.msgid == pairing.REFUSED and "410" in refused.value.detail
    assert pairing.in_progress(config) is None and pairing.needs_pairing(load_settings(config))
    assert works(store, lost)  # still the device's only token: revoke it to pair again
    assert live_tokens(store, "kiosk-2") == [devices.digest(lost)]


def test_an_unreachable_bridge_keeps_the_record_for_the_next_try(store, tmp_path):
    config = kiosk_config(tmp_path)
    paired = mint(store)
    code = pairing.read_code(paired.text)
    begun = pairing.begin(config, dataclasses.replace(code, url="http://127.0.0.1:9"))
    with pytest.raises(pairing.PairingError) as refused:
        pairing.finish(config, begun, timeout_s=2)
    assert refused.value.msgid == pairing.UNREACHABLE
    assert pairing.in_progress(config) == begun


def test_reading_the_same_code_again_keeps_its_request(tmp_path):
    config = kiosk_config(tmp_path)
    code = pairing.PairCode("kiosk-2", "http://127.0.0.1:9", "Q" * 43, int(time.time()) + 600)
    first = pairing.begin(config, code)
    assert pairing.begin(config, code).request_id == first.request_id
    other = pairing.begin(config, dataclasses.replace(code, token="R" * 43))
    assert other.request_id != first.request_id and pairing.in_progress(config) == other


def test_a_damaged_record_is_dropped(tmp_path):
    config = kiosk_config(tmp_path)
    pairing.progress_path(config).write_text('{"vitrine_pairing": 1, "name": "../x"}', encoding="utf-8")
    assert pairing.in_progress(config) is None and not pairing.progress_path(config).exists()


def test_a_paired_kiosk_with_a_pairing_in_progress_starts_on_the_pair_screen(tmp_path):
    config = kiosk_config(tmp_path)
    pairing.write_config(config, pairing.PairCode("kiosk-1", "http://127.0.0.1:9", "P" * 43,
                                                  int(time.time()) + 600))
    assert not pairing.starts_on_pair_screen(load_settings(config))  # paired: the attract screen
    pairing.begin(config, pairing.PairCode("kiosk-2", "http://127.0.0.1:9", "Q" * 43, int(time.time()) + 600))
    assert pairing.starts_on_pair_screen(load_settings(config))


def test_a_record_whose_code_expired_is_dropped(tmp_path):
    config = kiosk_config(tmp_path)
    exp = int(time.time()) + 600
    begun = pairing.begin(config, pairing.PairCode("kiosk-2", "http://127.0.0.1:9", "Q" * 43, exp))
    assert pairing.in_progress(config, now=exp - 1) == begun
    assert pairing.in_progress(config, now=exp) is None and not pairing.progress_path(config).exists()
