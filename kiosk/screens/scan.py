"""The scan screen: a shopper's app QR code (identify) or a product's barcode (product).

Frames come from the camera (Kivy Camera), a folder (demos, tests) or nowhere; a
DecodeLoop decodes them in its own thread and hands codes over through Clock.
The camera is released when the screen is left. Text read from a code is only
ever shown escaped, never acted on beyond the cases below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.logger import Logger
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from kiosk.scanning import classify as scanned
from kiosk.scanning import frames
from kiosk.logic.data_access import TokenRefused
from kiosk.logic.idle import IdleState, IdleWatch

SCAN_FPS = 8.0
DEDUPE_S = 3.0
IDLE_CHECK_S = 0.5
PREVIEW_FPS = 4.0

# What a shopper reads when their app code is refused, per TokenRefused.reason.
REFUSED = {
    "expired": "This code has expired. Refresh it in the app and try again.",
    "not yet valid": "This code is not valid yet. Check the time on your phone and try again.",
    "replayed": "This code has already been used. Refresh it in the app and try again.",
    "unknown key": "We cannot check this code right now. Please ask a member of staff.",
}
REFUSED_OTHER = "We could not read this code as a Vitrine app code. Please try again."


class ScanGuide(Widget):
    """Four accent corners showing where to hold the code (drawn in scan.kv)."""

    corner = NumericProperty(0)


class ScanScreen(Screen):
    """Camera preview with a framing guide; identifies shoppers or opens products."""

    purpose = StringProperty("identify")
    message = StringProperty("")
    calm_note = StringProperty("")
    has_preview = BooleanProperty(False)
    busy = BooleanProperty(False)
    came_from = StringProperty("attract")
    idle_timeout_s = NumericProperty(0)  # 0: the shopper's idle timeout
    _loop: Any = None
    _camera: Any = None
    _feed: Any = None
    _watch: IdleWatch | None = None
    _idle_event = None
    _preview_event = None

    def enter(self, purpose: str = "identify", back: str | None = None, **params) -> None:
        self.purpose = purpose if purpose in ("identify", "product") else "identify"
        self.message = ""
        self.busy = False
        current = self.manager.current if self.manager else None
        if back:
            self.came_from = back
        elif current and current != self.name:
            self.came_from = current

    # -- lifecycle ------------------------------------------------------
    def on_pre_enter(self, *args):
        kiosk = App.get_running_app().settings.kiosk
        self._watch = IdleWatch(self.idle_timeout_s or kiosk.idle_timeout_s, 0)
        self._idle_event = Clock.schedule_interval(self._check_idle, IDLE_CHECK_S)
        self._start_frames(kiosk.camera)

    def on_leave(self, *args):
        if self._idle_event is not None:
            self._idle_event.cancel()
            self._idle_event = None
        self._stop_frames()

    def on_touch_down(self, touch):
        if self._watch is not None:
            self._watch.touch()
        return super().on_touch_down(touch)

    def _check_idle(self, _dt):
        if self._watch is not None and self._watch.state() is not IdleState.ACTIVE:
            self.cancel()

    # -- frames ---------------------------------------------------------
    def _start_frames(self, camera: str) -> None:
        app = App.get_running_app()
        self.calm_note = ""
        self.has_preview = False
        if camera == "none":
            self.calm_note = app.tr("The camera is switched off on this kiosk. "
                                    "A member of staff will be glad to help.", app.lang)
            return
        if camera == "auto":
            source = self._open_camera()
        else:
            source = self._open_folder(app.settings.path(camera))
        if source is None:
            self.calm_note = app.tr("The camera is not available right now. "
                                    "A member of staff will be glad to help.", app.lang)
            return
        self._loop = frames.DecodeLoop(source, self._codes_from_thread, fps=SCAN_FPS, dedupe_s=DEDUPE_S)
        self._loop.start()

    def _open_folder(self, folder: Path) -> Any:
        """Frames from image files (demos and tests), shown in the preview as they are read."""
        try:
                source = frames.FolderSource(folder, fps=SCAN_FPS, loop=True)
        except frames.FrameSourceError as exc:
            Logger.warning(f"Kiosk: scan folder {folder} unusable: {exc}")
            return None
        self._feed = _LatestFrame(source)
        self._preview_event = Clock.schedule_interval(self._show_latest, 1.0 / PREVIEW_FPS)
        self.has_preview = True
        return self._feed

    def _open_camera(self) -> Any:
        """Camera index 0 through Kivy; None when there is none (the screen stays calm)."""
        try:
            from kivy.uix.camera import Camera

            camera = Camera(index=0, resolution=(1280, 720), play=False, fit_mode="cover")
            if getattr(camera, "_camera", None) is None:
                return None
            camera.play = True
        except Exception as exc:  # noqa: BLE001 - no camera provider, no device, busy device
            Logger.info(f"Kiosk: no camera: {exc}")
            return None
        self._camera = camera
        self.ids.preview_box.add_widget(camera, index=len(self.ids.preview_box.children))
        feed = frames.CallbackSource()
        self._feed = feed
        self._preview_event = Clock.schedule_interval(self._push_camera_frame, 1.0 / SCAN_FPS)
        self.has_preview = True
        return feed

    def _push_camera_frame(self, _dt) -> None:
        texture = self._camera.texture if self._camera is not None else None
        if texture is None:
            return
        self._feed.push_pixels(texture.pixels, texture.width, texture.height)

    def _show_latest(self, _dt) -> None:
        frame = self._feed.take_preview() if isinstance(self._feed, _LatestFrame) else None
        if frame is None:
            return
        height, width = frame.shape[:2]
        texture = Texture.create(size=(width, height), colorfmt="rgb")
        texture.blit_buffer(frame[::-1].tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.ids.preview.texture = texture

    def _stop_frames(self) -> None:
        if self._preview_event is not None:
            self._preview_event.cancel()
            self._preview_event = None
        if self._loop is not None:
            self._loop.stop()
            self._loop = None
        if self._camera is not None:
            # Stopping and removing the widget releases the device for the next visit.
            self._camera.play = False
            self.ids.preview_box.remove_widget(self._camera)
            self._camera = None
        self._feed = None
        self.ids.preview.texture = None
        self.has_preview = False

    # -- results --------------------------------------------------------
    def _codes_from_thread(self, codes: list) -> None:
        # Called on the decode thread: hop to the UI thread before touching anything.
        Clock.schedule_once(lambda _dt: self.handle_codes(codes))

    def handle_codes(self, codes: list) -> None:
        """Act on the first code read (UI thread)."""
        if self.busy or not codes or self.manager is None or self.manager.current != self.name:
            return
        app = App.get_running_app()
        kiosk = app.settings.kiosk
        self.busy = True  # one code at a time; the catalog lookup runs off the UI thread

        def classify() -> scanned.Scanned:
            return scanned.classify(codes[0], catalog=app.data,
                                    handoff_prefix=scanned.url_prefix(kiosk.handoff_url),
                                    claim_prefix=scanned.url_prefix(kiosk.claim_url))

        def classified(item: scanned.Scanned) -> None:
            self.busy = False
            if self.manager is not None and self.manager.current == self.name:
                self.handle(item)

        def failed(exc: BaseException) -> None:
            self.busy = False
            Logger.error(f"Kiosk: scanned code not classified: {exc!r}")

        app.run_async(classify, on_done=classified, on_error=failed)

    def handle(self, item: scanned.Scanned) -> None:
        """One classified code: identify, open a product, or explain."""
        app = App.get_running_app()
        if item.kind == scanned.APP_TOKEN and app.staff_mode:
            self._say("This is a shopper's app code; staff mode only looks up products.")
        elif item.kind == scanned.APP_TOKEN:
            self._say(item.message)
            self._identify(item.text)
        elif item.kind == scanned.PRODUCT and item.product is not None:
            self._open_product(item)
        elif item.kind == scanned.NOT_RECOGNISED:
            # The label renders markup: the code's own text arrives escaped, never interpreted.
            self.message = app.tr(item.message, app.lang) + "\n" + scanned.display_text(item.text)
        else:
            self._say(item.message)  # product not in the catalog, hand-off or claim link

    def _say(self, msgid: str) -> None:
        app = App.get_running_app()
        self.message = escape_markup(app.tr(msgid, app.lang))

    def _identify(self, token: str) -> None:
        app = App.get_running_app()
        self.busy = True
        self._say("One moment…")
        app.run_async(app.data.verify_app_token, token, on_done=self._identified, on_error=self._refused)

    def _identified(self, profile_id: str) -> None:
        app = App.get_running_app()
        self.busy = False
        app.session.identify(profile_id)
        # An identified shopper outside the holdout sees their "For you" list first.
        app.go("for_you" if app.session.personal and not app.staff_mode else self._back_screen())

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        if not isinstance(exc, TokenRefused):
            Logger.error(f"Kiosk: app token check failed: {exc!r}")
            self._say(REFUSED_OTHER)
            return
        Logger.info(f"Kiosk: app token refused: {exc}")
        self._say(REFUSED.get(exc.reason, REFUSED_OTHER))

    def _open_product(self, item: Any) -> None:
        app = App.get_running_app()
        if app.staff_mode:
            app.go("staff", product_id=item.product.id, sku=item.sku)
        else:
            app.go("product", product_id=item.product.id, sku=item.sku)

    # -- leaving --------------------------------------------------------
    def _back_screen(self) -> str:
        app = App.get_running_app()
        if app.staff_mode:
            return "staff"
        if self.came_from in ("scan", "staff", "staff_pin"):
            return "attract"
        return self.came_from

    def cancel(self) -> None:
        """Back to where the shopper (or staff member) came from."""
        App.get_running_app().go(self._back_screen())


class _LatestFrame:
    """Wraps a frame source and keeps the last frame read, for the preview."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._latest = None

    @property
    def done(self) -> bool:
        return self._source.done

    def read(self) -> Any:
        frame = self._source.read()
        if frame is not None:
            self._latest = frame
        return frame

    def take_preview(self) -> Any:
        frame, self._latest = self._latest, None
        return frame

    def close(self) -> None:
        self._source.close()
