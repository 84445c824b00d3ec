"""Widgets shared by the shopper screens: buttons, the brand mark, product cards,
local images, the on-screen keyboard and QR codes. Their look is in widgets.kv."""

from __future__ import annotations

import time

import qrcode
from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Rectangle, StencilPop, StencilPush, StencilUnUse, StencilUse
from kivy.graphics.scissor_instructions import ScissorPop, ScissorPush
from kivy.graphics.texture import Texture
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.recycleview import RecycleView
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

# Key rows of the on-screen keyboard; accented keys first for French shoppers.
KEY_ROWS = {
    "fr": ["éèàçêù", "azertyuiop", "qsdfghjklm", "wxcvbn'-"],
    "en": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm'-"],
}


class TapLabel(ButtonBehavior, Label):
    """A label that acts as a button (its look comes from the .kv rule of its subclass)."""


class PillButton(TapLabel):
    """The kiosk's main button: outlined, or filled with the accent when `primary`."""

    primary = BooleanProperty(False)
    selected = BooleanProperty(False)


class IconButton(TapLabel):
    """A square text button (heart, close, arrows)."""


def held_for(touch) -> float:
    """Seconds a touch has been (or was) down, by the touch's own timestamps."""
    end = touch.time_end if touch.time_end >= touch.time_start else time.time()
    return end - touch.time_start


class BrandMark(Label):
    """The brand name, top left; a long press opens the staff PIN screen.

    Kivy's Clock counts a delay from its last frame, not from the touch, and a release
    can be handled before the frame that would have fired: so both the Clock event and
    the release go by the touch's own timestamps (the same clock at both ends).
    """

    long_press_s = NumericProperty(3.0)
    _event = None

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.ud["brand_mark"] = self
        self._wait(touch, self.long_press_s)
        return True

    def on_touch_up(self, touch):
        if touch.ud.get("brand_mark") is self and self._event is not None:
            self._event.cancel()
            self._event = None
            if held_for(touch) >= self.long_press_s:
                self._open_pin_pad()  # held long enough, though no frame has fired it yet
        return super().on_touch_up(touch)

    def _wait(self, touch, delay: float) -> None:
        self._event = Clock.schedule_once(lambda _dt: self._check(touch), delay)

    def _check(self, touch) -> None:
        left = self.long_press_s - held_for(touch)
        if left > 0.01:  # the Clock's last frame was older than the touch: not held long enough yet
            self._wait(touch, left)
            return
        self._event = None
        self._open_pin_pad()

    def _open_pin_pad(self) -> None:
        App.get_running_app().go("staff_pin")


class LocalImage(Image):
    """An image from a local file, decoded off the UI thread through the app's cache."""

    path = StringProperty("", allownone=True)
    max_px = ListProperty([480, 600])
    cached = BooleanProperty(True)  # False: a very large picture, freed with its widget's texture

    def on_path(self, _instance, path):
        self.texture = None
        if not path or path.startswith(("http://", "https://")):
            return  # not cached locally yet: the placeholder stays
        app = App.get_running_app()
        size = (int(self.max_px[0]), int(self.max_px[1]))
        app.images.request(path, size, self._loaded, keep=self.cached)

    def _loaded(self, path, texture):
        if path == self.path:  # a recycled card may show another product by now
            self.texture = texture


class ProductCard(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """A grid cell: image, name and price; tapping it opens the product page."""

    product_id = StringProperty("")
    name = StringProperty("")
    price = StringProperty("")
    image = StringProperty("", allownone=True)

    def refresh_view_attrs(self, rv, index, data):
        self.product_id = data.get("product_id", "")
        self.name = data.get("name", "")
        self.price = data.get("price", "")
        self.image = data.get("image") or ""
        return super().refresh_view_attrs(rv, index, data)

    def on_release(self):
        if self.product_id:
            App.get_running_app().go("product", product_id=self.product_id)


class KeyButton(TapLabel):
    """One key of the on-screen keyboard."""

    key = StringProperty("")
    inset = NumericProperty(0)  # the drawn key sits this far inside its touch area
    width_hint = NumericProperty(0.2)  # share of its row, for keys sized in .kv (space bar row)


class OnScreenKeyboard(BoxLayout):
    """AZERTY with é è à ç for French, QWERTY for English; dispatches on_key(key)."""

    layout = StringProperty("fr")
    __events__ = ("on_key",)

    def on_kv_post(self, base_widget):
        self.build_keys()

    def on_layout(self, *_):
        self.build_keys()

    def build_keys(self):
        rows = self.ids.get("rows")
        if rows is None:
            return
        rows.clear_widgets()
        for row in KEY_ROWS.get(self.layout, KEY_ROWS["en"]):
            line = BoxLayout(spacing=self.key_spacing)
            for key in row:
                button = KeyButton(text=key, key=key)
                button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
                line.add_widget(button)
            rows.add_widget(line)

    key_spacing = NumericProperty(6)

    def press(self, key: str) -> None:
        self.dispatch("on_key", key)

    def on_key(self, key):
        pass


class QRImage(Image):
    """A QR code of `data`, drawn with the qrcode library into a texture."""

    data = StringProperty("")

    def on_data(self, _instance, data):
        self.texture = qr_texture(data) if data else None


def qr_texture(data: str, border: int = 2) -> Texture:
    """A crisp black-on-white texture of data's QR code (one pixel per module, scaled up)."""
    code = qrcode.QRCode(border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    scale = 8
    size = len(matrix) * scale
    rows = []
    for row in reversed(matrix):  # Kivy textures start at the bottom
        line = b"".join((b"\x00\x00\x00" if cell else b"\xff\xff\xff") * scale for cell in row)
        rows.extend([line] * scale)
    texture = Texture.create(size=(size, size), colorfmt="rgb")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(b"".join(rows), colorfmt="rgb", bufferfmt="ubyte")
    return texture


class Swatch(ButtonBehavior, BoxLayout):
    """A colour or size choice on the product page."""

    text = StringProperty("")
    selected = BooleanProperty(False)
    value = ObjectProperty(None)


class ShopperScreen(Screen):
    """Base of the shopper screens: `enter(**params)` when shown, `reset()` to forget the shopper."""

    def enter(self, **params) -> None:
        """Called by app.go() before the screen is shown."""

    def reset(self) -> None:
        """Forget everything about the shopper shown on this screen."""


class CountdownOverlay(FloatLayout):
    """The "Still there?" overlay; a touch anywhere dismisses it (the app resets the timer)."""

    seconds = NumericProperty(0)
    shown = BooleanProperty(False)

    def on_touch_down(self, touch):
        if not self.shown:
            return False
        return True  # swallow it: the touch only means "I am still here"

    def on_touch_move(self, touch):
        return self.shown

    def on_touch_up(self, touch):
        return self.shown


class TopBar(BoxLayout):
    """Brand mark, greeting, FR | EN, accessibility and Done, with the navigation tabs
    on a second row in portrait and inline in landscape (widgets.kv)."""

    def on_kv_post(self, base_widget):
        app = App.get_running_app()
        app.bind(portrait=lambda *_: self._place_nav(), layout=lambda *_: self._place_nav())
        self._place_nav()

    def _place_nav(self) -> None:
        app = App.get_running_app()
        nav, top_row = self.ids.nav, self.ids.top_row
        below = app.portrait or app.layout.compact  # a narrow landscape has no room for it inline
        if nav.parent is (self if below else top_row):
            return
        if nav.parent is not None:
            nav.parent.remove_widget(nav)
        if below:
            self.add_widget(nav)
        else:
            # After the greeting: children are stored in reverse order.
            top_row.add_widget(nav, index=len(top_row.children) - 2)


class ShopperFrame(BoxLayout):
    """A screen's column: its TopBar goes to the bottom in the low-reach layout."""

    low_reach = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self.on_low_reach(self, self.low_reach)

    def on_low_reach(self, _instance, low_reach):
        bars = [c for c in self.children if isinstance(c, TopBar)]
        for bar in bars:
            self.remove_widget(bar)
            # BoxLayout stacks children[-1] at the top and children[0] at the bottom.
            self.add_widget(bar, index=0 if low_reach else len(self.children))


class InfoPanel(ModalView):
    """A calm centred panel: a title, a message, an optional big number or QR code."""

    title = StringProperty("")
    message = StringProperty("")
    number = StringProperty("")
    qr_data = StringProperty("")


def dismiss_panels(window) -> None:
    """Close every open panel (the shopper left: nothing of theirs may stay on screen)."""
    for child in list(window.children):
        if isinstance(child, ModalView):
            child.dismiss(animation=False)


class ClippedRecycleView(RecycleView):
    """A RecycleView clipped with the GL scissor instead of the stencil buffer.

    The stencil costs two extra passes over the whole grid every frame, which on
    software GL halves the scroll frame rate; a scissor rectangle is free. It only
    works for unrotated widgets, which the kiosk's grids are.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        stencil = (StencilPush, StencilUse, StencilUnUse, StencilPop)
        for group in (self.canvas.before, self.canvas.after):
            children = list(group.children)
            for i, instruction in enumerate(children):
                if isinstance(instruction, stencil):
                    group.remove(instruction)
                    following = children[i + 1] if i + 1 < len(children) else None
                    if isinstance(following, Rectangle) and isinstance(instruction, (StencilPush, StencilUnUse)):
                        group.remove(following)
        self._scissor = ScissorPush(x=0, y=0, width=1, height=1)
        self.canvas.before.insert(0, self._scissor)
        self.canvas.after.add(ScissorPop())
        self.bind(pos=self._clip, size=self._clip)

    def _clip(self, *_):
        x, y = self.to_window(self.x, self.y)
        self._scissor.x, self._scissor.y = int(x), int(y)
        self._scissor.width, self._scissor.height = int(self.width) + 1, int(self.height) + 1
