"""The attract screen: the lookbook cross-fading full screen until someone touches it."""

from __future__ import annotations

from pathlib import Path

from kivy.animation import Animation
from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import ObjectProperty

from kiosk.widgets import ShopperScreen

LOOKBOOK_DIR = Path(__file__).resolve().parents[2] / "assets" / "lookbook"
SLIDE_S = 6.0
FADE_S = 1.6


def veil_texture(steps: int = 128, strength: float = 0.66) -> Texture:
    """A vertical black gradient, dense at the bottom and clear at the top, for legible type."""
    rows = bytearray()
    for i in range(steps):  # row 0 is the bottom of a Kivy texture
        alpha = strength * (1 - i / (steps - 1)) ** 1.7
        rows += bytes((0, 0, 0, int(alpha * 255)))
    texture = Texture.create(size=(1, steps), colorfmt="rgba")
    texture.blit_buffer(bytes(rows), colorfmt="rgba", bufferfmt="ubyte")
    return texture


def lookbook_images(folder: Path = LOOKBOOK_DIR) -> list[str]:
    """The lookbook's photos, in name order."""
    return sorted(str(p) for p in folder.glob("*.jpg")) if folder.is_dir() else []


class AttractScreen(ShopperScreen):
    """Full-screen images, the brand, and an invitation to touch."""

    veil = ObjectProperty(None)

    def __init__(self, **kwargs):
        self.veil = veil_texture()
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget):
        self.images = lookbook_images()
        self._index = 0
        self._event = None
        self._show_current()

    def _show_current(self) -> None:
        if self.images:
            self.ids.front.path = self.images[self._index]

    def on_pre_enter(self, *_):
        self._show_current()  # decoded during the transition

    def on_enter(self, *_):
        if len(self.images) > 1 and self._event is None:
            self._event = Clock.schedule_interval(self._next, SLIDE_S)

    def on_leave(self, *_):
        if self._event is not None:
            self._event.cancel()
            self._event = None
        # Full-screen photos weigh 9 MB each on software GL: let them go while the shopper browses.
        for image in (self.ids.front, self.ids.back):
            Animation.cancel_all(image)
            image.path = ""
        self.ids.front.opacity, self.ids.back.opacity = 1, 0

    def _next(self, _dt):
        self._index = (self._index + 1) % len(self.images)
        front, back = self.ids.front, self.ids.back
        Animation.cancel_all(back)  # a fade still running on it must neither fight nor clear the new photo
        back.path = self.images[self._index]
        back.opacity = 0
        Animation(opacity=1, d=FADE_S, t="in_out_sine").start(back)
        fade_out = Animation(opacity=0, d=FADE_S, t="in_out_sine")
        # Once hidden, the old photo (9 MB at 1200x1800) is let go: one full-screen photo held, not two.
        fade_out.bind(on_complete=lambda _anim, image: setattr(image, "path", ""))
        fade_out.start(front)
        # The faded-in image becomes the front one for the next slide.
        self.ids.front, self.ids.back = back, front

    def start_by_key(self) -> None:
        """A key on a keyboard or keypad starts the visit, as a touch does (kiosk/focus.py)."""
        App.get_running_app().go("browse")

    def on_touch_up(self, touch):
        if self.collide_point(*touch.pos) and self.manager and self.manager.current == self.name:
            App.get_running_app().go("browse")
            return True
        return super().on_touch_up(touch)
