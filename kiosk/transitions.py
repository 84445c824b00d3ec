"""The screen change: a short dip through the page colour, drawn without frame buffers."""

from __future__ import annotations

from kivy.uix.screenmanager import TransitionBase


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
