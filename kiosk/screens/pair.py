"""Pair this screen: read the store bridge's pairing QR with the camera and configure the kiosk.

Shown first by a kiosk with no [hq] token (or `vitrine-kiosk --pair`). A kiosk already paired
asks for the staff PIN first. The code is checked (kiosk.logic.pairing), the store bridge must
swap its token for the device's own (the QR's is spent), the config is rewritten, and the
kiosk goes on with a bridge opened on it.
Frames come through the scan screen's pipeline (camera, or a folder in demos and tests).
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.logger import Logger
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.utils import escape_markup

from kiosk.logic import staff_access as staff
from kiosk.logic.pairing import (NOT_WRITTEN, Begun, PairCode, PairingError, check_pending, finish, in_progress,
                                 needs_pairing, pair, read_code)
from kiosk.screens.scan import ScanScreen

CHECKING = "Checking with the store bridge…"
# Only staff and technicians see this screen: without a camera it says what is wrong and what
# to do, not the shopper's "a member of staff will be glad to help" (kiosk/screens/scan.py).
NO_CAMERA = {
    "off": "The camera is switched off in this screen's configuration.",
    "missing": "No camera found.",
}
NO_CAMERA_HELP = {
    "off": 'To pair with the camera, set [kiosk] camera = "auto" in {config} and restart the kiosk.',
    "missing": ("Check the camera's cable, and that the kiosk's user may use it (the video group), "
                "then restart the kiosk."),
}
BY_HAND = ('Or pair by hand: copy the [hq] and [kiosk] lines that "vitrine-bridge pair NAME" prints '
           "on the store bridge into {config}, then restart the kiosk.")


class PairScreen(ScanScreen):
    """Staff PIN (when already paired), then the camera until a valid pairing code is read."""

    step = StringProperty("scan")  # "pin", "scan" or "checking"
    entry = StringProperty("")  # the PIN typed so far (shown masked)
    can_cancel = BooleanProperty(False)  # only a paired kiosk has somewhere to go back to
    config_path = StringProperty("")
    pin_key = NumericProperty(48)  # a PIN key's side, set in pair.kv from the room there is
    no_camera = StringProperty("")  # why no frames come: "", "off" or "missing" (NO_CAMERA)

    def enter(self, config: str | None = None, **_params: Any) -> None:
        app = App.get_running_app()
        self.config_path = str(config or app.settings.source)
        self.can_cancel = not needs_pairing(app.settings)
        self.step = self._first_step()
        self.entry = self.message = ""
        self.busy = False
        self._resume()

    def _first_step(self) -> str:
        app = App.get_running_app()
        return "pin" if self.can_cancel and not app.staff_mode else "scan"

    # -- lifecycle: no shopper idle timeout here, and the camera only once the PIN passed --
    def on_pre_enter(self, *args):
        if self.step == "scan":
            self._start_frames(App.get_running_app().settings.kiosk.camera)

    def _start_frames(self, camera: str) -> None:
        self.no_camera = ""
        super()._start_frames(camera)
        if self.calm_note:  # no frames will come: say so in a technician's words
            self.no_camera = "off" if camera == "none" else "missing"
            self.calm_note = App.get_running_app().tr(NO_CAMERA[self.no_camera])

    def no_camera_help(self, lang: str) -> str:
        """What a technician can do when there is no camera (pair.kv), in lang."""
        app = App.get_running_app()
        config = self.config_path or "config.toml"
        return "\n\n".join(app.tr(text, lang).format(config=config)
                        for text in (NO_CAMERA_HELP[self.no_camera], BY_HAND))

    # -- the staff PIN ----------------------------------------------------
    def press(self, key: str) -> None:
        """A key of the PIN pad: a digit, "back" or "ok"."""
        if self.step != "pin" or self.busy:
            return
        if key == "back":
            self.entry = self.entry[:-1]
        elif key == "ok" and self.entry:
            self._check_pin()
        elif key.isdigit() and len(self.entry) < staff.PIN_MAX_DIGITS:
            self.entry += key

    def _check_pin(self) -> None:
        app = App.get_running_app()
        gate = staff.gate_for(app)
        if not gate.configured:
            self._say("Staff mode is not set up on this kiosk.")
            return
        pin, self.entry = self.entry, ""
        self.busy = True
        app.run_async(gate.attempt, pin, on_done=self._pin_checked, on_error=self._failed)

    def _pin_checked(self, result: staff.Attempt) -> None:
        self.busy = False
        app = App.get_running_app()
        if result.ok:
            self.message = ""
            self.step = "scan"
            self._start_frames(app.settings.kiosk.camera)
        elif result.locked:
            left = staff.format_remaining(staff.gate_for(app).locked_for())
            self.message = escape_markup(app.tr("Too many wrong tries. Try again in {time}.").format(time=left))
        elif result.tries_left > 1:
            self.message = escape_markup(app.tr("Wrong PIN. {n} tries left.").format(n=result.tries_left))
        else:
            self._say("Wrong PIN. 1 try left before the pad locks.")

    # -- the pairing code -------------------------------------------------
    def handle_codes(self, codes: list) -> None:
        """Pair with the first code read, if it is a valid pairing code (UI thread)."""
        if self.step != "scan" or self.busy or not codes or self.manager is None \
                or self.manager.current != self.name:
            return
        try:
            code = read_code(codes[0].text)
        except PairingError as exc:
            self._show(exc)
            return
        app = App.get_running_app()
        self.busy = True
        self.step = "checking"
        self._say(CHECKING)
        app.recorder.flush()  # the bridge is about to be closed and opened again
        app.run_async(_pair, code, self.config_path, app.bridge, on_done=self._paired,
                      on_error=self._failed)

    def _resume(self) -> None:
        """Finish a pairing begun before this kiosk stopped (its code's token may be spent already)."""
        begun = in_progress(self.config_path)
        if begun is None:
            return
        app = App.get_running_app()
        self.busy = True
        self.step = "checking"  # no PIN: staff gave it when the pairing began
        self._say(CHECKING)
        app.run_async(_finish, begun, self.config_path, app.bridge, on_done=self._paired,
                      on_error=self._resume_failed)

    def _resume_failed(self, exc: BaseException) -> None:
        self._failed(exc)
        self.step = self._first_step()
        if self.step == "scan" and self.manager is not None and self.manager.current == self.name:
            self._start_frames(App.get_running_app().settings.kiosk.camera)  # on_pre_enter did not

    def _paired(self, bridge: Any) -> None:
        app = App.get_running_app()
        app.adopt_bridge(bridge)
        Logger.info(f"Kiosk: paired as {bridge.settings.kiosk.device_id} with {bridge.settings.hq.url}")
        self.busy = False
        self.step = "scan"
        app.staff_mode = False
        app.go("attract")

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if self.step == "checking":
            self.step = "scan"
        if isinstance(exc, PairingError):
            self._show(exc)
        else:
            Logger.error(f"Kiosk: pairing failed: {exc!r}")
            self._show(PairingError(NOT_WRITTEN, str(exc)))

    def _show(self, exc: PairingError) -> None:
        Logger.info(f"Kiosk: pairing code refused: {exc}")
        app = App.get_running_app()
        text = escape_markup(app.tr(exc.msgid).format(**exc.params))
        if exc.detail:  # may quote the store bridge's answer: shown escaped, never as markup
            text += "\n[size=" + str(int(app.theme.fs(16))) + "]" + escape_markup(exc.detail) + "[/size]"
        self.message = text

    def cancel(self) -> None:
        """Back to the attract screen, still paired as before (only when already paired)."""
        if not self.can_cancel or self.step == "checking":
            return
        app = App.get_running_app()
        app.staff_mode = False
        app.go("attract")


def _pair(code: PairCode, config: str, bridge: Any) -> Any:
    """Swap the code's token at its store bridge, write the config, reopen the bridge (worker thread)."""
    from kiosk.cli import reopen

    check_pending(bridge.status(), bridge.settings.kiosk.device_id, code)
    pair(config, code)
    return reopen(bridge, config)


def _finish(begun: Begun, config: str, bridge: Any) -> Any:
    """Finish a pairing begun before a restart, reopen the bridge (worker thread)."""
    from kiosk.cli import reopen

    finish(config, begun)
    return reopen(bridge, config)
