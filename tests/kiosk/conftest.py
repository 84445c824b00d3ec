"""Fixtures for the kiosk tests: one real Kivy app in a real window (Xvfb).

Kivy cannot start a second App in one process, so the app is built once per test
session and each test gets it back reset (shopper forgotten, attract screen, window
1080x1920). The bridge behind it is real: a fresh SQLite database in a temp dir,
seeded from assets/catalog/ with bridge.catalog.seed_from_assets.

Fixtures:
- `kiosk_env` (session): starts Xvfb when DISPLAY is unset (3840x3840x24,
  -nolisten tcp) and sets KIVY_NO_ARGS, KIVY_NO_CONSOLELOG and a temp KIVY_HOME.
- `kiosk_app` (session): the running VitrineKioskApp; its bridge's HQ is unreachable (holdout_share=0:
  tests that need the holdout draw it themselves; the sample store plan; idle_timeout_s=60, countdown_s=2 —
  the idle test shortens app.idle.idle_timeout_s itself —
  staff_long_press_s=0.6, claim/handoff URLs under https://app.test/).
- `online_bridge` (session): a second real Bridge on the same database whose HQ is a
  reference HQ on 127.0.0.1 (hq.embedded.serve_in_thread; profiles p-camille, p-james…);
  the `online` fixture hands it to the app (app.bridge and app.data) and puts the offline one back.
- `kiosk` (per test): a KioskDriver over it:
    .app, .bridge, .screen (current screen name), .pump(), .wait_until(pred, timeout=5.0)
    (pumps the event loop while polling: never sleep), .tap(widget),
    .long_press(widget, seconds), .type(text) on the search screen's on-screen keyboard,
    .find(id_or_predicate) (first widget in the window, including panels),
    .find_all(predicate), .texts() (every text in the widget tree), .set_size(w, h),
    .screenshot(name) (screenshots/<portrait|landscape>/<name>.png), and
    .outbox_events(type=None) (events this test stored in the outbox, as dicts).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.support.xvfb import start_xvfb

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"
HQ_TOKEN = "kiosk-test-token"
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)


def pytest_collection_modifyitems(items):
    """An unclosed file or socket in a kiosk test fails it instead of scrolling by.

    The every-screen-at-every-size test goes last: it drives the one shared window through
    4K frames and textures, which left later tests (5 s timeouts) missing taps on a busy machine.
    """
    items.sort(key=lambda item: item.path.name == "test_layout_screens.py")  # stable: others keep their order
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"))
            # A file closed by the garbage collector warns from a finalizer, which pytest reports as this.
            item.add_marker(pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"))


@pytest.fixture(scope="session")
def kiosk_env(tmp_path_factory):
    xvfb = start_xvfb()
    home = tmp_path_factory.mktemp("kivy-home")
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_HOME=str(home),
                      KIVY_NO_FILELOG="1")
    yield
    if xvfb is not None:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def make_settings(folder: Path, hq_url: str = "http://127.0.0.1:9", **kiosk):
    """Test settings: a database in folder, short timers, test URLs."""
    from bridge.config import parse_settings

    values = dict(idle_timeout_s=60.0, countdown_s=2.0, staff_long_press_s=0.6, fullscreen=False,
                  handoff_url="https://app.test/continue?h={handoff_id}&skus={skus}",
                  claim_url="https://app.test/claim/{claim_code}", language="fr",
                  holdout_share=0.0, store_plan=str(REPO / "assets" / "store_plan.png"))
    values.update(kiosk)
    return parse_settings({
        "store": {"id": "paris-marais", "name": "Maison Vitrine"},
        "bridge": {"database": str(folder / "kiosk.db")},
        "hq": {"url": hq_url, "timeout_s": 2.0},
        "kiosk": values,
    }, source=str(folder / "config.toml"))


@pytest.fixture(scope="session")
def kiosk_app(kiosk_env, tmp_path_factory):
    from kivy.config import Config

    Config.set("graphics", "width", str(PORTRAIT[0]))
    Config.set("graphics", "height", str(PORTRAIT[1]))
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("graphics", "multisamples", "0")  # as kiosk/cli.py configures it
    from kivy.base import EventLoop

    from bridge.facade import Bridge
    from bridge.store.catalog import seed_from_assets
    from kiosk.app import VitrineKioskApp

    folder = tmp_path_factory.mktemp("kiosk-bridge")
    bridge = Bridge.open(make_settings(folder))
    # VITRINE_TEST_CATALOG seeds from another folder (e.g. one made by tests/bench/make_catalog.py).
    seed_from_assets(bridge.catalog, "paris-marais", assets_dir=os.environ.get("VITRINE_TEST_CATALOG"))
    app = VitrineKioskApp(bridge)
    app._run_prepare()  # build and show the window without entering App.run()'s loop
    # Fades cost several full-screen frames each on software GL; tests need not watch them.
    from kivy.uix.screenmanager import NoTransition

    app.manager.transition = NoTransition()
    for _ in range(5):
        EventLoop.idle()
    yield app
    # stop() tears the window down; pumping the loop after it only touches dead widgets.
    app.stop()
    bridge.close()


@pytest.fixture(scope="session")
def online_bridge(kiosk_app, tmp_path_factory):
    from dataclasses import replace

    from bridge.facade import Bridge
    from hq.embedded import serve_in_thread

    folder = tmp_path_factory.mktemp("kiosk-hq")
    hq = serve_in_thread(folder / "hq.db", port=0, tokens={"paris-marais": HQ_TOKEN})
    settings = kiosk_app.settings
    bridge = Bridge.open(replace(settings, hq=replace(settings.hq, url=hq.url, token=HQ_TOKEN)))
    yield bridge
    bridge.close()
    hq.stop()


@pytest.fixture
def online(kiosk, online_bridge):
    """The kiosk driver with the app's bridge reaching a real HQ for this test."""
    from kiosk.logic.data_access import KioskData

    offline, offline_data = kiosk.app.bridge, kiosk.app.data
    kiosk.app.bridge, kiosk.app.data = online_bridge, KioskData(online_bridge)
    yield kiosk
    kiosk.app.bridge, kiosk.app.data = offline, offline_data


class KioskDriver:
    """Drives the app through real touch events and reads what the bridge stored."""

    def __init__(self, app) -> None:
        from kivy.base import EventLoop
        from kivy.core.window import Window

        self.app = app
        self.bridge = app.bridge
        self.window = Window
        self._loop = EventLoop
        self._since = self._last_pos()

    # -- the event loop ---------------------------------------------------
    def pump(self, frames: int = 1) -> None:
        for _ in range(frames):
            self._loop.idle()

    def wait_until(self, predicate, timeout: float = 20.0, message: str = "") -> object:
        """Pump frames until predicate() is truthy; fail after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
            self.pump()

    def settle(self) -> None:
        """Wait for the screen transition to end and a couple of frames to lay out."""
        self.wait_until(lambda: not self.app.manager.transition.is_active, message="transition")
        self.pump(3)

    @property
    def screen(self) -> str:
        return self.app.manager.current

    # -- touches ----------------------------------------------------------
    def _point(self, widget) -> tuple[float, float]:
        x, y = widget.to_window(*widget.center)
        assert 0 <= x < self.window.width and 0 <= y < self.window.height, \
            f"{widget!r} is off screen at {(x, y)}"
        return x, y

    def tap(self, widget) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(*self._point(widget))
        touch.touch_down()
        self.pump()
        touch.update_time_end()  # as Kivy's real input providers stamp a release
        touch.touch_up()
        self.pump()
        self._released(touch)

    def _released(self, touch) -> None:
        """Wait until every widget that grabbed touch has had its release.

        A scroll view hands a tap to the button inside it 0.2 s after the finger lifts (Kivy
        ScrollView._do_touch_up): without this wait a test's last tap could land in the next
        test, on whatever screen that one shows.
        """
        self.wait_until(lambda: not [ref for ref in touch.grab_list if ref() is not None],
                        message="the tap's release to reach every widget that grabbed it")

    def long_press(self, widget, seconds: float) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(*self._point(widget))
        touch.touch_down()
        start = time.monotonic()
        self.wait_until(lambda: time.monotonic() - start >= seconds, timeout=seconds + 5)
        touch.update_time_end()
        touch.touch_up()
        self.pump(2)
        self._released(touch)

    def type(self, text: str) -> None:
        """Type on the search screen's on-screen keyboard, key by key."""
        keyboard = self.app.screens["search"].ids.keyboard
        for char in text:
            key = next((w for w in keyboard.walk(restrict=True) if getattr(w, "key", None) == char), None)
            assert key is not None, f"no key {char!r} on the {keyboard.layout} keyboard"
            self.tap(key)

    # -- the widget tree --------------------------------------------------
    def walk(self):
        for root in list(self.window.children):
            yield from root.walk(restrict=True)

    def find(self, what):
        """The first widget whose id is `what` (a string) or that satisfies it (a callable)."""
        found = self.find_all(what)
        return found[0] if found else None

    def find_all(self, what) -> list:
        if isinstance(what, str):
            name = what
            screen = self.app.manager.current_screen
            owners = [screen, *self.window.children]
            found = []
            for owner in owners:
                for widget in owner.walk(restrict=True):
                    if widget.ids.get(name) is not None and widget.ids[name] not in found:
                        found.append(widget.ids[name])
            return found
        return [w for w in self.walk() if what(w)]

    def texts(self) -> list[str]:
        """Every non-empty text shown in the window (labels, buttons, inputs)."""
        texts = []
        for widget in self.walk():
            text = getattr(widget, "text", None)
            if isinstance(text, str) and text.strip():
                texts.append(text)
        return texts

    # -- the window -------------------------------------------------------
    def set_size(self, width: int, height: int) -> None:
        self.window.size = (width, height)
        self.wait_until(lambda: tuple(self.window.size) == (width, height), message="window size")
        self.pump(3)  # SDL hands the resize to the X server while it handles its events
        # Software GL (Mesa) sizes its buffers when the viewport is set, by asking X; Kivy set it
        # before X had the new size, so the buffers may keep an older one and screenshots came
        # back partly black (a QR code missed). Set it again now that X has it.
        self.window.update_viewport()
        self.pump(3)

    def screenshot(self, name: str) -> Path:
        self.settle()
        self.pump(10)  # let images decoded off the UI thread reach the screen
        orientation = "portrait" if self.window.height >= self.window.width else "landscape"
        folder = SCREENSHOTS / orientation
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.png"
        self.window.update_viewport()  # GL's buffers at the window's size (see set_size)
        # Draw into the back buffer and read it before any flip: that buffer is what we drew.
        self.window.dispatch("on_draw")
        # Window.screenshot appends a counter to the name; take it and move it in place.
        made = Path(self.window.screenshot(name=str(folder / f"{name}-shot.png")))
        shutil.move(made, target)
        return target

    # -- the outbox -------------------------------------------------------
    def _last_pos(self) -> int:
        self.app.recorder.flush()
        row = self.bridge.db.read().execute("SELECT COALESCE(MAX(pos), 0) FROM outbox").fetchone()
        return row[0]

    def outbox_events(self, type: str | None = None) -> list[dict]:
        """Events stored since this test started, oldest first."""
        self.app.recorder.flush()  # the app records from a worker thread
        rows = self.bridge.db.read().execute(
            "SELECT body FROM outbox WHERE pos > ? ORDER BY pos", (self._since,)).fetchall()
        events = [json.loads(r[0]) for r in rows]
        return [e for e in events if type is None or e["type"] == type]


@pytest.fixture
def kiosk(kiosk_app):
    """A driver over the shared app, reset to a fresh shopper on the attract screen."""
    driver = KioskDriver(kiosk_app)
    if driver.window.size != PORTRAIT:
        driver.set_size(*PORTRAIT)
    kiosk_app.staff_mode = False
    kiosk_app.set_accessibility(large_text=False, high_contrast=False, low_reach=False)
    kiosk_app.lang = kiosk_app.settings.kiosk.language
    kiosk_app.end_session("done")
    driver.settle()
    driver._since = driver._last_pos()
    yield driver
    kiosk_app.end_session("done")
    driver.settle()
