"""Widgets shared by the shopper screens: buttons, the brand mark, product cards,
local images, the on-screen keyboard and QR codes. Their look is in widgets.kv."""

from __future__ import annotations

import time

import qrcode
from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics.scissor_instructions import ScissorPop, ScissorPush
from kivy.graphics.opengl import GL_BLEND, glDisable, glEnable
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
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.clipping import cover_coords, drop_stencil

# Key rows of the on-screen keyboard; accented keys first for French shoppers.
KEY_ROWS = {
    "fr": ["éèàçêù", "azertyuiop", "qsdfghjklm", "wxcvbn'-"],
    "en": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm'-"],
}
KEYS_PER_ROW = max(len(row) for rows in KEY_ROWS.values() for row in rows)  # the widest row, any language


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
    """An image from a local file, decoded off the UI thread through the app's cache.

    Drawn as one rectangle (widgets.kv), not Kivy's Image with its stencil: "cover"
    crops by texture coordinates instead of clipping a larger picture. exact=True
    (cover only): decoded at the widget's own pixel size and drawn pixel for pixel,
    sharp at any window size, and cheaper to fill on software GL than a scaled photo.
    """

    path = StringProperty("", allownone=True)
    max_px = ListProperty([480, 600])
    cached = BooleanProperty(True)  # False: a very large picture, freed with its widget's texture
    exact = BooleanProperty(False)
    opaque = BooleanProperty(False)  # a photo (JPEG) with no pixel to blend with what lies under it
    draw_pos = ListProperty([0, 0])
    draw_size = ListProperty([0, 0])
    draw_coords = ListProperty([0, 0, 1, 0, 1, 1, 0, 1])

    def __init__(self, **kwargs):
        self._request = Clock.create_trigger(self._load)  # one request per path and size settled
        super().__init__(**kwargs)
        self.bind(pos=self._frame, size=self._frame, texture=self._frame, fit_mode=self._frame)
        self.bind(size=lambda *_: self.exact and self._request())

    def on_path(self, _instance, path):
        self.texture = None
        self._load()  # now, not next frame: a cached photo shows in the same frame, no blink

    def _load(self, *_) -> None:
        path = self.path
        if not path or path.startswith(("http://", "https://")):
            return  # not cached locally yet: the placeholder stays
        if self.exact:
            size = (round(self.width), round(self.height))
            if size[0] < 2 or size[1] < 2:
                return  # not laid out yet: its size will ask again
        else:
            size = (int(self.max_px[0]), int(self.max_px[1]))
        App.get_running_app().images.request(path, size, self._loaded, keep=self.cached, crop=self.exact)

    def _loaded(self, path, texture):
        if path == self.path:  # a recycled card may show another product by now
            self.texture = texture

    _unblended = False

    def blend_off(self, *_) -> None:
        """Before the photo is drawn: no blending if it is opaque and fully shown (widgets.kv).

        Blending reads every pixel under the photo back; software GL fills an opaque
        photo about a fifth faster without it. A fading screen or photo still blends.
        """
        if self.opaque and self.texture is not None and self.color[3] >= 1 and self._fully_shown():
            glDisable(GL_BLEND)
            self._unblended = True

    def blend_on(self, *_) -> None:
        """After the photo is drawn: blending back on for everything else."""
        if self._unblended:
            glEnable(GL_BLEND)
            self._unblended = False

    def _fully_shown(self) -> bool:
        widget = self
        while widget is not None:
            if widget.opacity < 1:
                return False
            if widget.parent is widget:  # the Window is its own parent
                break
            widget = widget.parent
        return True

    def _frame(self, *_) -> None:
        texture = self.texture
        if texture is None:
            self.draw_pos, self.draw_size = list(self.pos), [0, 0]
        elif self.fit_mode == "cover":
            self.draw_pos, self.draw_size = list(self.pos), list(self.size)
            self.draw_coords = list(cover_coords(texture, (self.width, self.height)))
        else:  # the picture fits inside the widget: nothing to crop
            width, height = self.norm_image_size
            self.draw_pos = [self.center_x - width / 2, self.center_y - height / 2]
            self.draw_size = [width, height]
            self.draw_coords = list(texture.tex_coords)


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
    own_padding = ListProperty([])  # a screen's padding for it instead of the page's gutter (widgets.kv)

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


def reparent(widget: Widget, into: Widget, index: int = 0) -> None:
    """Move widget into `into` at index (Kivy's child order: 0 is the last child, the bottom of
    a vertical BoxLayout), unless it is there already."""
    if widget.parent is into:
        return
    if widget.parent is not None:
        widget.parent.remove_widget(widget)
    into.add_widget(widget, index=index)


class TopBar(BoxLayout):
    """Brand mark, greeting, FR | EN, accessibility and Done, with the navigation tabs
    on a second row in portrait and inline in landscape (widgets.kv).

    A landscape window keeps them inline while they fit beside the rest and the whole
    greeting: one slim bar, so the page below keeps its height; a greeted shopper's name is
    never cut short for the tabs (at 1024x600 they go to a second row instead).
    """

    def on_kv_post(self, base_widget):
        app = App.get_running_app()
        self._replace = Clock.create_trigger(lambda _dt: self._place_nav())
        app.bind(portrait=self._replace, layout=self._replace, greeting=self._replace, theme=self._replace)
        self.bind(width=self._replace)
        self.ids.nav.bind(minimum_width=self._replace)
        for name in ("brand", "lang_switch", "access_toggle", "done"):
            self.ids[name].bind(width=self._replace)
        self._place_nav()

    def _nav_fits_inline(self) -> bool:
        """The tabs fit on the top row beside its fixed parts and the whole greeting, if any."""
        app = App.get_running_app()
        row, greeting, nav = (self.ids[name].__self__ for name in ("top_row", "greeting", "nav"))
        fixed = [c for c in row.children if c is not greeting and c is not nav]
        gaps = row.spacing * (len(fixed) + 1)  # between the fixed parts, the greeting and the tabs
        room = self.width - self.padding[0] - self.padding[2] - row.padding[0] - row.padding[2]
        return sum(c.width for c in fixed) + gaps + nav.minimum_width + _text_width(greeting) <= room

    def _place_nav(self) -> None:
        app = App.get_running_app()
        nav, top_row = self.ids.nav.__self__, self.ids.top_row.__self__  # ids are proxies: `is` needs these
        # A narrow window has no room for the tabs inline; in landscape they stay inline unless
        # they would cut the shopper's greeting short.
        below = app.portrait or not self._nav_fits_inline()
        if below:
            reparent(nav, self)
        elif nav.parent is not top_row:
            # After the greeting: children are stored in reverse order.
            reparent(nav, top_row, index=len(top_row.children) - 2)


def _text_width(label: Label) -> float:
    """The width of label's text on one line, unshortened (its texture may be shortened)."""
    if not label.text:
        return 0.0
    return CoreLabel(text=label.text, font_name=label.font_name, font_size=label.font_size).get_extents(label.text)[0]


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


class ScissorClip:
    """Mixin for a StencilView (RecycleView, ScrollView) clipped with the GL scissor instead.

    The stencil costs two extra passes over the view every frame and, outside any other
    stencil, a clear of the whole window's stencil buffer, which on software GL halves
    the scroll frame rate (kiosk/clipping.py); a scissor rectangle is free. It only works
    for unrotated widgets, which the kiosk's grids and rows are.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._scissor = ScissorPush(x=0, y=0, width=1, height=1)
        self.canvas.before.insert(0, self._scissor)
        self.canvas.after.add(ScissorPop())
        self.bind(pos=self._clip, size=self._clip)

    def on_kv_post(self, base_widget):
        # Not in __init__: a view declared in a .kv file gets its class rules (and with
        # them the stencil) only after __init__ has returned.
        drop_stencil(self)
        return super().on_kv_post(base_widget)

    def _clip(self, *_):
        x, y = self.to_window(self.x, self.y)
        self._scissor.x, self._scissor.y = int(x), int(y)
        self._scissor.width, self._scissor.height = int(self.width) + 1, int(self.height) + 1


class ClippedRecycleView(ScissorClip, RecycleView):
    """A RecycleView clipped with the GL scissor (ScissorClip)."""


class ClippedScrollView(ScissorClip, ScrollView):
    """A ScrollView clipped with the GL scissor (ScissorClip)."""
