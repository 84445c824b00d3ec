"""A new kiosk pairs itself from the store bridge's QR: real QR images, a real store bridge on 127.0.0.1.

The camera is a folder of frames (the one test double); the store bridge, its registry, the
config file and the bridge the kiosk reopens are all real.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import time

import pytest
import requests
from PIL import Image

from bridge.config import load_settings
from bridge.facade import Bridge
from bridge.serve.pairing import pair_device, pairing_text
from bridge.store import devices
from kiosk.logic import pairing
from kiosk.logic import staff_access as staff
from tests.scanner.camera_frames import qr_image
from tests.store.store_rig import STORE, serving_store

PIN = "1357"
PIN_HASH = staff.hash_pin(PIN, iterations=1_000)
TOKEN = "A" * 43


def frame_of(code: Image.Image) -> Image.Image:
    """The code centred on a light 960x720 frame, as a camera would see it."""
    frame = Image.new("RGB", (960, 720), (235, 232, 228))
    frame.paste(code, ((960 - code.width) // 2, (720 - code.height) // 2))
    return frame


def code_text(**fields) -> str:
    payload = {"vitrine_pair": 1, "name": "kiosk-2", "url": "http://127.0.0.1:8720", "token": TOKEN,
               "exp": int(time.time()) + 600}
    payload.update(fields)
    return json.dumps({k: v for k, v in payload.items() if v is not None})


# -- reading a code (plain Python) -------------------------------------------------------

def test_a_code_from_the_store_bridge_is_read():
    code = pairing.read_code(code_text(url="https://store.example:8443/vitrine/"))
    assert (code.name, code.url, code.token) == ("kiosk-2", "https://store.example:8443/vitrine", TOKEN)
    assert TOKEN not in repr(code)


@pytest.mark.parametrize("text, msgid, field", [
    ("https://app.example.com/continue?h=1", pairing.NOT_A_CODE, ""),
    ('{"hello": 1}', pairing.NOT_A_CODE, ""),
    ("{" * 2000, pairing.NOT_A_CODE, ""),
    (code_text(vitrine_pair=2), pairing.NEWER, "vitrine_pair"),
    (code_text(vitrine_pair=True), pairing.INVALID, "vitrine_pair"),
    (code_text(url="ftp://store.local"), pairing.INVALID, "url"),
    (code_text(url="javascript:alert(1)"), pairing.INVALID, "url"),
    (code_text(url="http://user:pw@store.local"), pairing.INVALID, "url"),
    (code_text(url="http://store.local:99999"), pairing.INVALID, "url"),
    (code_text(url="http://store.local/?x=1"), pairing.INVALID, "url"),
    (code_text(token="short"), pairing.INVALID, "token"),
    (code_text(token="A" * 40 + "\n[b]"), pairing.INVALID, "token"),
    (code_text(name="../etc"), pairing.INVALID, "name"),
    (code_text(exp=None), pairing.INVALID, "exp"),
    (code_text(exp=int(time.time()) + 30 * 86400), pairing.INVALID, "exp"),
    (code_text(exp=int(time.time()) - 1), pairing.EXPIRED, "exp"),
    (code_text(extra="x"), pairing.INVALID, "extra"),
])
def test_a_forged_or_odd_code_is_refused_naming_the_field(text, msgid, field):
    with pytest.raises(pairing.PairingError) as refused:
        pairing.read_code(text)
    assert refused.value.msgid == msgid
    assert refused.value.detail.startswith(field)


def test_set_keys_edits_one_table_and_keeps_every_other_line():
    text = '# my kiosk\n[hq]\nurl = "http://old"  # was\ntoken = "x"\n\n[kiosk] # here\nlanguage = "en"\n'
    edited = pairing.set_keys(text, "hq", {"url": "http://new", "token": None, "token_file": "t"})
    edited = pairing.set_keys(edited, "kiosk", {"device_id": "kiosk-2"})
    edited = pairing.set_keys(edited, "store", {"id": "x"})
    assert edited.startswith("# my kiosk\n[hq]\n")
    assert 'url = "http://new"' in edited and 'token = "x"' not in edited and "http://old" not in edited
    assert '[kiosk] # here\ndevice_id = "kiosk-2"\nlanguage = "en"' in edited
    assert edited.endswith('[store]\nid = "x"\n')


def _config(tmp_path, hq: str = "") -> os.PathLike:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'# the entrance\n[store]\nid = "{STORE}"\n\n[hq]\n{hq}\ntimeout_s = 3.0\n\n'
                    '[kiosk]\nlanguage = "en"  # for the English-speaking floor\n', encoding="utf-8")
    path.chmod(0o644)
    return path


def test_write_config_points_the_kiosk_at_the_store_bridge_and_keeps_the_rest(tmp_path):
    path = _config(tmp_path, hq='url = "https://hq.example.com"\ntoken = "an-old-token-0123456789"')
    code = pairing.PairCode("kiosk-2", "http://store.local:8720", TOKEN, int(time.time()) + 600)
    pairing.write_config(path, code)
    settings = load_settings(path)
    assert (settings.hq.url, settings.hq.allow_insecure_http, settings.hq.timeout_s) == (code.url, True, 3.0)
    assert (settings.hq_token(), settings.hq.token, settings.kiosk.device_id) == (TOKEN, "", "kiosk-2")
    assert settings.kiosk.language == "en" and "# for the English-speaking floor" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the config keeps its mode; the token has its own file
    assert stat.S_IMODE(pairing.token_path(path).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.hq-token", "kiosk.toml"]


def test_a_config_that_cannot_be_edited_in_place_is_left_as_it_was(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'hq = {{ url = "https://hq.example.com" }}\n[store]\nid = "{STORE}"\n', encoding="utf-8")
    before = path.read_bytes()
    code = pairing.PairCode("kiosk-2", "https://store.local", TOKEN, int(time.time()) + 600)
    with pytest.raises(pairing.PairingError) as refused:
        pairing.write_config(path, code)
    assert refused.value.msgid == pairing.NOT_WRITTEN and str(path) in refused.value.detail
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.toml"]


def test_a_kiosk_without_a_token_needs_pairing_and_pair_is_an_option(tmp_path):
    from kiosk.cli import build_parser
    from tests.kiosk.conftest import make_settings

    assert build_parser().parse_args(["--pair"]).pair and not build_parser().parse_args([]).pair
    settings = make_settings(tmp_path)
    assert pairing.needs_pairing(settings)
    with_file = dataclasses.replace(settings, hq=dataclasses.replace(settings.hq, token_file="hq.token"))
    assert not pairing.needs_pairing(with_file)


# -- the screen ---------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    """A store bridge serving profile API v1 on a free loopback port (no HQ needed)."""
    with serving_store(tmp_path) as bridge:
        yield bridge


def _mk(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def mint(store, name: str = "kiosk-2", ttl_s: float = devices.PAIR_TTL_S):
    """A pairing of store, as `vitrine-bridge pair` makes it, pointing at its real address."""
    settings = dataclasses.replace(store.settings, serve=dataclasses.replace(store.settings.serve,
                                                                             public_url=store.url))
    return pair_device(store.db, settings, name, ttl_s=ttl_s)


def write_kiosk_config(folder, camera, **hq) -> os.PathLike:
    lines = ["# kiosk at the entrance", "[store]", f'id = "{STORE}"', 'name = "Maison Vitrine"', "",
             "[bridge]", 'database = "kiosk-new.db"  # next to this file', "", "[hq]", "timeout_s = 2.0"]
    lines += [f'{k} = "{v}"' for k, v in hq.items()]
    lines += ["", "[kiosk]", f'camera = "{camera}"', "fullscreen = false", "holdout_share = 0.0",
              f'staff_pin_hash = "{PIN_HASH}"', ""]
    path = folder / "kiosk.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class Rig:
    """The shared app running on a bridge of a kiosk config of this test, with a folder camera."""

    def __init__(self, kiosk, folder, camera=None, **hq) -> None:
        self.kiosk, self.app = kiosk, kiosk.app
        self.camera = _mk(folder / "camera")
        self.config = write_kiosk_config(folder, camera or self.camera, **hq)
        Image.new("RGB", (960, 720), (235, 232, 228)).save(self.camera / "frame.png")  # nothing in view
        staff.forget_gate(self.app)
        self.original = self.app.adopt_bridge(Bridge.open(load_settings(self.config)))
        self.first = self.app.bridge

    def show(self, text: str) -> None:
        """Hold a QR of text in front of the camera: the folder's one frame, replaced whole."""
        frame_of(qr_image(text)).save(self.camera / "next.png.part", format="PNG")
        os.replace(self.camera / "next.png.part", self.camera / "frame.png")

    def open(self) -> object:
        self.app.go("pair", config=str(self.config))
        self.kiosk.settle()
        return self.app.screens["pair"]

    def restore(self) -> None:
        if self.kiosk.screen == "pair":
            self.app.go("attract")
            self.kiosk.settle()
        self.app.staff_mode = False
        used = self.app.adopt_bridge(self.original)
        staff.forget_gate(self.app)
        used.close()
        self.first.close()  # already closed when pairing reopened it: closing again is harmless


@pytest.fixture
def rig(kiosk, tmp_path):
    made = []

    def make(camera=None, **hq) -> Rig:
        made.append(Rig(kiosk, tmp_path, camera, **hq))
        return made[-1]

    yield make
    for r in made:
        r.restore()


def message(screen) -> str:
    return screen.message


@pytest.mark.kiosk
def test_a_new_kiosk_pairs_from_the_qr_and_goes_on_to_the_attract_screen(kiosk, rig, store):
    r = rig()
    screen = r.open()
    assert screen.step == "scan" and not screen.can_cancel  # nothing to go back to
    assert "Associer cet écran" in kiosk.texts()
    kiosk.screenshot("pair")
    paired = mint(store)
    r.show(paired.text)
    kiosk.wait_until(lambda: kiosk.screen == "attract", message="paired, on the attract screen")

    settings = load_settings(r.config)
    assert (settings.hq.url, settings.kiosk.device_id) == (store.url, "kiosk-2")
    assert settings.bridge.database == "kiosk-new.db"
    token = settings.hq_token()  # the kiosk's own: the QR's was swapped for it
    assert len(token) >= 32 and token != paired.token
    text = r.config.read_text(encoding="utf-8")
    assert text.startswith("# kiosk at the entrance") and token not in text
    secret = pairing.token_path(r.config)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text() == token
    photo = requests.get(store.url + "/v1/keys", headers={"Authorization": f"Bearer {paired.token}"}, timeout=10)
    assert photo.status_code == 401 and "already used" in photo.json()["error"]  # a photo of the QR: spent
    assert not [p for p in r.config.parent.iterdir() if p.name.endswith(".tmp")]

    app = kiosk.app
    assert app.bridge is not r.first and app.settings.kiosk.device_id == "kiosk-2"
    assert devices.expires_at(store.db, "kiosk-2") is None  # the check was the token's first use
    app.bridge.record("search_performed", device_id=app.settings.kiosk.device_id,
                      payload={"query": "q", "results_count": 1})
    assert app.bridge.sync(pull=False).drained
    assert [e["device_id"] for e in store.outbox.events()] == ["kiosk-2"]


@pytest.mark.kiosk
def test_forged_expired_and_refused_codes_say_why_and_change_nothing(kiosk, rig, store):
    r = rig()
    before = r.config.read_bytes()
    screen = r.open()

    r.show(code_text(url="ftp://" + "x" * 10))
    kiosk.wait_until(lambda: "falsifié" in message(screen), message="the forged code refused")
    assert "url" in message(screen)

    late = mint(store, "kiosk-late", ttl_s=0)
    r.show(late.text)
    kiosk.wait_until(lambda: "expiré" in message(screen), message="the expired code refused")

    revoked = mint(store, "kiosk-gone")
    devices.revoke(store.db, "kiosk-gone")
    r.show(revoked.text)
    kiosk.wait_until(lambda: "refusé" in message(screen) and "revoked" in message(screen),
                     message="the revoked code refused by the store bridge")

    forged_token = pairing_text("kiosk-3", store.url, "B" * 43, int(time.time()) + 600)
    r.show(forged_token)
    kiosk.wait_until(lambda: "unknown token" in message(screen), message="an unknown token refused")
    kiosk.screenshot("pair_refused")

    assert kiosk.screen == "pair" and kiosk.app.bridge is r.first
    assert r.config.read_bytes() == before and not pairing.token_path(r.config).exists()


@pytest.mark.kiosk
def test_a_paired_kiosk_asks_the_staff_pin_before_reading_a_new_code(kiosk, rig, store):
    r = rig(url="http://127.0.0.1:9", token="an-old-token-0123456789")
    screen = r.open()
    assert screen.step == "pin" and screen.can_cancel and not screen.has_preview
    for key in "0000":
        kiosk.tap(kiosk.find(f"pin_{key}"))
    kiosk.tap(kiosk.find("pin_ok"))
    kiosk.wait_until(lambda: "Code incorrect" in message(screen), message="a wrong PIN refused")
    assert screen.step == "pin"
    kiosk.screenshot("pair_pin")
    r.show(mint(store).text)  # a code in view changes nothing before the PIN
    kiosk.pump(10)
    assert kiosk.screen == "pair" and screen.step == "pin"

    for key in PIN:
        kiosk.tap(kiosk.find(f"pin_{key}"))
    kiosk.tap(kiosk.find("pin_ok"))
    kiosk.wait_until(lambda: kiosk.screen == "attract", message="PIN, then the code: paired")
    assert load_settings(r.config).hq_token() != "an-old-token-0123456789"
    assert 'token = "an-old-token' not in r.config.read_text(encoding="utf-8")


@pytest.mark.kiosk
def test_a_kiosk_with_events_waiting_under_its_old_name_is_not_renamed(kiosk, rig, store):
    r = rig()  # device id kiosk-1 (the default), no token yet
    kiosk.app.bridge.record("search_performed", device_id="kiosk-1", payload={"query": "q", "results_count": 1})
    screen = r.open()
    paired = mint(store, "kiosk-2")
    r.show(paired.text)
    kiosk.wait_until(lambda: "kiosk-1" in message(screen) and "événements" in message(screen),
                     message="the pending events named")
    assert kiosk.app.bridge is r.first and not pairing.token_path(r.config).exists()
    again = mint(store, "kiosk-1")  # paired again under its own name: it goes on
    r.show(again.text)
    kiosk.wait_until(lambda: kiosk.screen == "attract", message="paired as kiosk-1")
    assert kiosk.app.bridge.sync(pull=False).drained
    assert [e["device_id"] for e in store.outbox.events()] == ["kiosk-1"]
    swapped = requests.post(store.url + "/v1/devices/token", timeout=10,
                            headers={"Authorization": f"Bearer {paired.token}"})
    assert swapped.status_code == 200  # the refused code was not spent: usable on another screen


@pytest.mark.kiosk
def test_cancel_leaves_a_paired_kiosk_as_it_was(kiosk, rig):
    r = rig(url="http://127.0.0.1:9", token="an-old-token-0123456789")
    before = r.config.read_bytes()
    r.open()
    kiosk.tap(kiosk.find("cancel"))
    kiosk.settle()
    assert kiosk.screen == "attract" and kiosk.app.bridge is r.first
    assert r.config.read_bytes() == before


LAYOUT_SIZES = [(480, 800), (800, 480), (1920, 1080), (2160, 3840)]


@pytest.mark.kiosk
@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=[f"{w}x{h}" for w, h in LAYOUT_SIZES])
def test_both_steps_fit_the_window(kiosk, rig, size):
    from tests.kiosk.test_layout_screens import misfits, shoot

    r = rig(url="http://127.0.0.1:9", token="an-old-token-0123456789")
    kiosk.set_size(*size)
    screen = r.open()
    screen.message = "Ce code d’association est abîmé ou falsifié. Créez-en un nouveau sur le serveur du magasin."
    found = {}
    for step in ("pin", "scan"):
        screen.step = step
        kiosk.settle()
        shoot(kiosk, f"{size[0]}x{size[1]}-pair_{step}")
        problems = misfits(kiosk.window, kiosk.app.layout.min_touch)
        if problems:
            found[step] = problems
    assert not found, found


# The shopper's words when there is no camera (kiosk/screens/scan.py): not for this screen.
SHOPPER_WORDS = ("membre de l’équipe", "member of staff")


@pytest.mark.kiosk
@pytest.mark.parametrize("camera, problem", [("none", "désactivée dans la configuration"),
                                             ("no-such-camera-folder", "Aucune caméra détectée")])
def test_without_a_camera_the_pair_screen_tells_a_technician_what_to_do(kiosk, rig, camera, problem):
    from tests.kiosk.test_layout_screens import misfits, shoot

    r = rig(camera=camera)
    screen = r.open()
    assert screen.step == "scan" and not screen.has_preview
    texts = " ".join(kiosk.texts())
    assert problem in screen.calm_note and problem in texts
    assert not [words for words in SHOPPER_WORDS if words in texts]
    help_text = screen.ids.instruction.text
    assert str(r.config) in help_text and "vitrine-bridge pair" in help_text and "redémarrez la borne" in help_text
    if camera == "none":
        assert '[kiosk] camera = "auto"' in help_text
    else:
        assert "câble" in help_text and "groupe video" in help_text
    assert "Présentez à la caméra" not in texts  # no camera to show the code to

    kiosk.app.lang = "en"
    kiosk.pump(2)
    assert "restart the kiosk" in screen.ids.instruction.text and str(r.config) in screen.ids.instruction.text
    kiosk.app.lang = "fr"
    for size in ((800, 480), (480, 800)):
        kiosk.set_size(*size)
        kiosk.settle()
        shoot(kiosk, f"{size[0]}x{size[1]}-pair_no_camera_{camera.split('-')[0]}")
        assert not misfits(kiosk.window, kiosk.app.layout.min_touch), size
