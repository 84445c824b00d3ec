"""The screen change: a short dip through the page colour, drawn without frame buffers,
and a screen manager that tells both screens when a change cuts another one short."""

from __future__ import annotations

from kivy.uix.screenmanager import ScreenManager, TransitionBase

from kiosk.clipping import drop_stencil


class KioskScreenManager(ScreenManager):
    """A ScreenManager whose screens always hear on_enter and on_leave.

    Kivy's ScreenManager stops a running transition when `current` changes again, and
    stopping only removes the old screen: neither screen gets on_enter / on_leave. The
    kiosk changes screens from timers and key presses while a transition runs (idle
    reset, a scanned code, Enter on the attract screen), and its screens start timers and
    the camera in on_pre_enter and stop them in on_leave: a screen that missed on_leave
    kept its camera open and its idle timer running, which later yanked whoever was at
    the kiosk to another screen.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Screens dip in place (DipTransition), never slide out of the window: nothing to clip,
        # and the stencil cost two full-window passes a frame on software GL (kiosk/clipping.py).
        drop_stencil(self)

    def on_current(self, instance, value):
        finish_transition(self.transition)
        super().on_current(instance, value)


def finish_transition(transition: TransitionBase) -> None:
    """End a running transition at once, as its animation ending would (events included)."""
    if not transition.is_active:
        return
    transition.stop()
    transition.screen_in.dispatch("on_enter")
    transition.screen_out.dispatch("on_leave")


class DipTransition(TransitionBase):
    """The old screen fades out to the page colour, then the new one fades in.

    Kivy's FadeTransition renders both screens into two window-sized FBOs (colour and
    stencil) and keeps them after the change: 32 MB at 1080x1920, and two extra
    full-screen passes per frame on software GL. Fading each screen's opacity in turn
    costs nothing but the screens themselves; the window's clear colour is the page.
    """

    def on_progress(self, progress):
        # First half: the old screen leaves; second half: the new one arrives.
        self.screen_out.opacity = max(0.0, 1.0 - 2.0 * progress)
        self.screen_in.opacity = max(0.0, 2.0 * progress - 1.0)

    def on_complete(self):
        self.screen_in.opacity = 1.0
        self.screen_out.opacity = 1.0
        super().on_complete()
