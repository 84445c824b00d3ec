"""The kiosk application: screens, language, theme, the shopper's session and idle reset.

    app = VitrineKioskApp(bridge)      # a bridge.facade.Bridge, already open
    app.run()

Screens call `app.go(name, **params)`; background work goes through `app.run_async`,
whose results come back on the UI thread through Clock.
"""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.logger import Logger
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout

from kiosk.i18n import Translator
from kiosk.layout import make_layout
from kiosk.speech.engine import LazyEspeak
from kiosk.speech.guide import AudioGuide
from kiosk.images import ImageCache
from kiosk.logic.background_recorder import BackgroundRecorder
from kiosk.logic.data_access import KioskData
from kiosk.logic.idle import IdleState, IdleWatch
from kiosk.logic.session import FittingQueue, Session
from kiosk.screens import SCREENS
from kiosk.theme import make_theme, register_fonts
from kiosk.transitions import DipTransition, KioskScreenManager
from kiosk.widgets import dismiss_panels

KIOSK_DIR = Path(__file__).resolve().parent


class VitrineKioskApp(App):
    """The in-store touchscreen, handed an open Bridge."""

    lang = StringProperty("fr")
    theme = ObjectProperty(None, rebind=True)  # rebind: `app.theme.fg` in .kv follows a new Theme
    current = StringProperty("attract")
    greeting = StringProperty("")
    saved_count = NumericProperty(0)
    staff_mode = BooleanProperty(False)
    personal = BooleanProperty(False)  # identified and outside the holdout: "For you" is offered
    portrait = BooleanProperty(True)
    layout = ObjectProperty(None, rebind=True)  # kiosk.layout.Layout of the current window size
    audio_guide = BooleanProperty(False)  # the audio guidance mode is on (kiosk/speech/)
    first_screen = "attract"  # "pair" for a kiosk that has no store bridge yet (kiosk/cli.py)

    def __init__(self, bridge: Any, settings: Any = None, **kwargs: Any) -> None:
        self.bridge = bridge
        self.data = KioskData(bridge)  # what the screens read and ask; they never hold the bridge
        self.settings = settings or bridge.settings
        super().__init__(**kwargs)
        kiosk = self.settings.kiosk
        self.title = self.settings.store.name
        self.lang = kiosk.language
        self.layout = self._window_layout(Window.size)
        self.theme = make_theme(large_text=kiosk.large_text, high_contrast=kiosk.high_contrast,
                                low_reach=kiosk.low_reach, layout=self.layout)
        self.tr_catalog = Translator()
        # ~24 cards (0.5 MB each), the screen and the next one: on software GL textures are RAM.
        self.images = ImageCache(max_bytes=12 << 20)
        self.fitting_queue = FittingQueue()
        self.idle = IdleWatch(kiosk.idle_timeout_s, kiosk.countdown_s)
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="kiosk-work")
        self._profiles_asked: set[str] = set()
        self.recorder = BackgroundRecorder(bridge.record)  # the UI thread never waits on an fsync
        self.session = self._new_session()
        self.screens: dict[str, Any] = {}
        self.guide = AudioGuide(LazyEspeak(), tr=self.tr, lang=lambda: self.lang)

    # -- building ----------------------------------------------------------
    def build(self):
        register_fonts()
        Builder.load_file(str(KIOSK_DIR / "widgets.kv"))
        self.manager = KioskScreenManager(transition=DipTransition(duration=0.2))
        for name, module_name, class_name in SCREENS:
            screen = self._load_screen(name, module_name, class_name)
            if screen is not None:
                self.screens[name] = screen
                self.manager.add_widget(screen)
        self.manager.bind(current=lambda _m, value: setattr(self, "current", value))
        self.overlay = Factory.CountdownOverlay()
        # Only in the tree while shown: even a transparent full-screen layer costs a
        # blended full-screen pass per frame on software GL.
        self.overlay.bind(shown=self._place_overlay)
        root = FloatLayout()
        root.add_widget(self.manager)
        self.bind(theme=self._paint_window)
        self._paint_window()
        Window.bind(on_touch_down=self._on_any_touch, size=self._on_window_size)
        self._on_window_size(Window, Window.size)
        Clock.schedule_interval(self._check_idle, 0.25)
        from kiosk.focus import FocusRing  # needs the Window

        self.focus = FocusRing(self, self.guide)
        self._apply_lockdown()
        self.manager.current = "attract"
        if self.first_screen != "attract":
            self.go(self.first_screen)
        return root

    def _load_screen(self, name: str, module_name: str, class_name: str):
        """Load a screen's .kv then instantiate it; a screen not written yet is skipped."""
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            Logger.warning(f"Kiosk: screen {name!r} is not available ({module_name})")
            return None
        kv = Path(module.__file__).with_suffix(".kv")
        try:
            if kv.exists() and str(kv) not in Builder.files:
                Builder.load_file(str(kv))
            return getattr(module, class_name)(name=name)
        except Exception:
            # One broken screen must not keep the whole kiosk dark.
            Logger.exception(f"Kiosk: screen {name!r} failed to build; it is left out")
            return None

    def _place_overlay(self, overlay, shown) -> None:
        root = self.manager.parent
        if shown and overlay.parent is None:
            root.add_widget(overlay)
        elif not shown and overlay.parent is not None:
            overlay.parent.remove_widget(overlay)

    def _paint_window(self, *_) -> None:
        # The window's clear colour is the page colour, so no screen paints a full-screen background.
        Window.clearcolor = self.theme.bg

    def _apply_lockdown(self) -> None:
        try:
            lockdown = importlib.import_module("kiosk.lockdown")
        except ModuleNotFoundError as exc:
            if exc.name != "kiosk.lockdown":
                raise
            return
        lockdown.apply(self)

    def on_stop(self):
        self.session.end("staff" if self.staff_mode else "done")
        self.recorder.close()  # what the shopper did is stored before the process exits
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.images.shutdown()
        self.guide.engine.close()

    # -- navigation --------------------------------------------------------
    def go(self, name: str, **params: Any) -> None:
        """Show screen `name`, passing params to its enter()."""
        screen = self.screens.get(name)
        if screen is None:
            Logger.warning(f"Kiosk: no screen {name!r}")
            return
        if name != "product":
            self.session.leave_product()
        enter = getattr(screen, "enter", None)
        if enter is not None:
            enter(**params)
        self.manager.current = name

    def tr(self, msgid: str, lang: str | None = None) -> str:
        """msgid translated into lang (default: the current language)."""
        return self.tr_catalog(msgid, lang or self.lang)

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "fr" else "fr"

    def on_lang(self, *_):
        self._refresh_greeting()

    def toggle_accessibility(self) -> None:
        """Open the accessibility panel (larger text, high contrast, low reach)."""
        Factory.AccessibilityPanel().open()

    def toggle_audio_guide(self) -> None:
        """Audio guidance on (it says how to use it, then the screen) or off."""
        self.audio_guide = self.guide.toggle(self.focus.screen_words())

    def set_accessibility(self, **options: bool) -> None:
        current = dict(large_text=self.theme.large_text, high_contrast=self.theme.high_contrast,
                       low_reach=self.theme.low_reach)
        current.update(options)
        self.theme = make_theme(**current, layout=self.layout)

    @staticmethod
    def _window_layout(size) -> Any:
        from kivy.metrics import Metrics

        return make_layout(max(1, int(size[0])), max(1, int(size[1])), density=Metrics.density)

    def _on_window_size(self, _window, size) -> None:
        layout = self._window_layout(size)
        if layout != self.layout:
            self.layout = layout
            self.theme = self.theme.with_layout(layout)
        self.portrait = size[1] >= size[0]

    def adopt_bridge(self, bridge: Any) -> Any:
        """Go on with bridge (opened on the config pairing wrote); return the previous one, not closed."""
        previous = self.bridge
        self.recorder.close()
        self.bridge, self.settings = bridge, bridge.settings
        self.data = KioskData(bridge)
        self.recorder = BackgroundRecorder(bridge.record)
        self.session = self._new_session()  # events carry the device id pairing gave
        from kiosk.logic import staff_access

        staff_access.forget_gate(self)  # its saved lockout lives in the previous bridge's database
        return previous

    # -- background work ---------------------------------------------------
    def run_async(self, fn: Callable[..., Any], *args: Any,
                  on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run fn(*args) in a worker thread; on_done/on_error are called on the UI thread."""

        def finished(future):
            exc = future.exception()
            if exc is not None:
                handler = on_error or (lambda e: Logger.error(f"Kiosk: background task failed: {e!r}"))
                Clock.schedule_once(lambda _dt: handler(exc))
            elif on_done is not None:
                result = future.result()
                Clock.schedule_once(lambda _dt: on_done(result))

        self._pool.submit(fn, *args).add_done_callback(finished)

    # -- the shopper's session ---------------------------------------------
    def _new_session(self) -> Session:
        session = Session(self.recorder, device_id=self.settings.kiosk.device_id,
                          holdout_share=self.settings.kiosk.holdout_share)
        session.bind(self._on_session_change)
        return session

    def _on_session_change(self, session: Session) -> None:
        if session is not self.session:
            return
        self.saved_count = len(session.saved)
        self.personal = session.personal
        self._refresh_greeting()
        if session.profile_id and session.session_id not in self._profiles_asked:
            self._profiles_asked.add(session.session_id)  # ask HQ once per visit
            self.run_async(self.bridge.fetch_profile, session.profile_id,
                           on_done=lambda profile: profile and session.apply_profile(profile),
                           on_error=lambda exc: self._profile_failed(session, exc))

    def _profile_failed(self, session: Session, exc: BaseException) -> None:
        Logger.info(f"Kiosk: profile not fetched: {exc}")
        session.profile_unavailable()

    def _refresh_greeting(self) -> None:
        session = self.session
        if not session.profile_id:
            self.greeting = ""
        elif session.first_name:
            self.greeting = self.tr("Hello %s") % session.first_name
        else:
            self.greeting = self.tr("Welcome")

    def end_session(self, reason: str) -> None:
        """Forget the shopper (idle, done, staff) and return to the attract screen."""
        self.session.end(reason)
        self.session = self._new_session()
        self.saved_count = 0
        self.personal = False
        self.greeting = ""
        self.overlay.shown = False
        dismiss_panels(Window)
        self.guide.off()  # the next shopper starts without it
        self.focus.focus_cleared()
        self.audio_guide = False
        for screen in self.screens.values():
            reset = getattr(screen, "reset", None)
            if reset is not None:
                reset()
        self.idle.touch()
        self.go("attract")

    def _on_any_touch(self, _window, touch) -> None:
        self.focus.focus_cleared()  # a touch user needs no keyboard ring; a key brings it back
        self.someone_is_here()

    def someone_is_here(self) -> None:
        """A touch or a key press: the idle timer restarts, and the first one starts the visit."""
        self.idle.touch()
        if self.overlay.shown:
            self.overlay.shown = False
        if not self.staff_mode and self.current not in ("staff", "staff_pin", "pair"):
            self.session.start()

    def _check_idle(self, _dt) -> None:
        if self.staff_mode or not self.session.started:
            self.overlay.shown = False
            return
        state = self.idle.state()
        if state is IdleState.ACTIVE:
            self.overlay.shown = False
        elif state is IdleState.COUNTDOWN:
            self.overlay.seconds = self.idle.countdown_left()
            self.overlay.shown = True
        else:
            self.end_session("idle")
