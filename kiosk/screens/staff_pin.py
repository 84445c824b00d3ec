"""The staff PIN pad: large digits, masked entry, wrong-PIN and lockout messages.

Reached by a long press on the brand mark. The lockout lives in kiosk.logic.staff_access (one
StaffGate per app), so leaving this screen and coming back does not reset it.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.logic import staff_access as staff
from kiosk.logic.idle import IdleState, IdleWatch

IDLE_CHECK_S = 0.5
# Staff read stock out to a customer: they get longer than a shopper before the reset.
STAFF_IDLE_FACTOR = 3


class StaffScreenBase(Screen):
    """Shared by the staff screens: staff_mode while shown, and their own idle timeout."""

    came_from = StringProperty("attract")
    idle_timeout_s = NumericProperty(0)  # 0: STAFF_IDLE_FACTOR x the shopper's timeout
    _watch: IdleWatch | None = None
    _idle_event = None

    def on_pre_enter(self, *args):
        app = App.get_running_app()
        app.staff_mode = True
        out = getattr(self.manager.transition, "screen_out", None)
        if out is not None and out is not self:
            self.came_from = out.name
        kiosk = app.settings.kiosk
        limit = self.idle_timeout_s or STAFF_IDLE_FACTOR * (kiosk.idle_timeout_s + kiosk.countdown_s)
        self._watch = IdleWatch(limit, 0)
        self._idle_event = Clock.schedule_interval(self._check_idle, IDLE_CHECK_S)

    def on_leave(self, *args):
        if self._idle_event is not None:
            self._idle_event.cancel()
            self._idle_event = None

    def on_touch_down(self, touch):
        if self._watch is not None:
            self._watch.touch()
        return super().on_touch_down(touch)

    def _check_idle(self, _dt):
        if self._watch is not None and self._watch.state() is IdleState.EXPIRED:
            self.exit_staff()

    def exit_staff(self) -> None:
        """Leave staff mode for the attract screen, closing any shopper session as "staff"."""
        app = App.get_running_app()
        app.staff_mode = False
        session = app.session
        if getattr(session, "started", False) and not getattr(session, "ended", False):
            app.end_session("staff")
        else:
            app.go("attract")


class StaffPinScreen(StaffScreenBase):
    """Masked PIN entry over a 3x4 pad; OK checks the PIN off the UI thread."""

    entry = StringProperty("")
    message = StringProperty("")
    error = BooleanProperty(False)
    locked_for = NumericProperty(0)
    busy = BooleanProperty(False)
    _tick = None

    def enter(self, **params) -> None:
        self.entry = ""
        self.message = ""
        self.error = False
        self.busy = False
        self._refresh_lock()

    def on_pre_enter(self, *args):
        super().on_pre_enter(*args)
        self._refresh_lock()
        self._tick = Clock.schedule_interval(lambda dt: self._refresh_lock(), 1.0)

    def on_leave(self, *args):
        super().on_leave(*args)
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self.entry = ""

    @property
    def gate(self) -> staff.StaffGate:
        return staff.gate_for(App.get_running_app())

    def press(self, key: str) -> None:
        """A key of the pad: a digit, "back" or "ok"."""
        if self.busy or self.locked_for > 0:
            return
        if key == "back":
            self.entry = self.entry[:-1]
        elif key == "ok":
            self.submit()
        elif key.isdigit() and len(self.entry) < staff.PIN_MAX_DIGITS:
            self.entry += key
            self.error = False
            self.message = ""

    def submit(self) -> None:
        app = App.get_running_app()
        if not self.gate.configured:
            self._say(app.tr("Staff mode is not set up on this kiosk.", app.lang), error=True)
            return
        if not self.entry:
            return
        pin, self.entry = self.entry, ""
        self.busy = True
        app.run_async(self.gate.attempt, pin, on_done=self._checked, on_error=self._failed)

    def _checked(self, result: staff.Attempt) -> None:
        self.busy = False
        app = App.get_running_app()
        if result.ok:
            self.message = ""
            app.go("staff")
            return
        if result.locked:
            self._refresh_lock()
            return
        text = app.tr("Wrong PIN. {n} tries left.", app.lang) if result.tries_left > 1 \
            else app.tr("Wrong PIN. 1 try left before the pad locks.", app.lang)
        self._say(text.format(n=result.tries_left), error=True)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self._say(str(exc), error=True)

    def _say(self, text: str, *, error: bool) -> None:
        self.message = text
        self.error = error

    def _refresh_lock(self) -> None:
        app = App.get_running_app()
        left = self.gate.locked_for()
        was_locked = self.locked_for > 0
        self.locked_for = left
        if left > 0:
            text = app.tr("Too many wrong tries. Try again in {time}.", app.lang)
            self._say(text.format(time=staff.format_remaining(left)), error=True)
        elif was_locked:
            self._say(app.tr("You can try again.", app.lang), error=False)

    def cancel(self) -> None:
        """Back where the staff member came from (a shopper screen keeps its session)."""
        app = App.get_running_app()
        app.staff_mode = False
        back = self.came_from if self.came_from not in ("staff_pin", "staff", "scan") else "attract"
        app.go(back)
