"""The product page's lower half: "Where is it?" (location and store plan) and
"Complete the look" (pieces of the same collection in other categories, in stock here)."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import ListProperty
from kivy.uix.scrollview import ScrollView

from kivy.uix.image import Image

from kiosk.widgets import ProductCard

LOOK_SIZE = 6  # two rows of three


class StorePlan(Image):
    """The store plan image with a marker at `point` ((x, y) from 0 to 1, y from the top)."""

    point = ListProperty([])
    marker = ListProperty([])  # where the marker is drawn (widget coordinates), [] for none

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._place, size=self._place, texture=self._place, point=self._place)

    def _place(self, *_) -> None:
        if len(self.point) != 2 or not self.texture:
            self.marker = []
            return
        width, height = self.norm_image_size
        left, bottom = self.center_x - width / 2, self.center_y - height / 2
        self.marker = [left + self.point[0] * width, bottom + (1 - self.point[1]) * height]


class LookCard(ProductCard):
    """A "Complete the look" cell (product.kv): a product card outside a RecycleView."""


class TopScrollView(ScrollView):
    """A ScrollView that opens at its top and stays there while its content grows (cards
    arriving from a worker thread), until the shopper touches it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._hold = False
        self._retop = Clock.create_trigger(self._to_top)
        self.bind(viewport_size=lambda *_: self._hold and self._retop())

    def open_at_top(self) -> None:
        """Show the top now and after every content change until the next touch."""
        self._hold = True
        self._to_top()

    def _to_top(self, *_) -> None:
        self.scroll_y = 1
        # Kivy recomputes scroll_y from its scroll effect, whose bounds lag a content change:
        # resync them, or the page slides down as the content grows.
        self._update_effect_bounds()

    def on_scroll_start(self, touch, check_children=True):
        if self.collide_point(*touch.pos):
            self._hold = False  # the shopper scrolls or taps: their position wins
        return super().on_scroll_start(touch, check_children)


def plan_path(settings) -> str:
    """The configured store plan's file, or "" when none is set or the file is missing."""
    value = settings.kiosk.store_plan
    if not value:
        return ""
    path = Path(settings.path(value))
    return str(path) if path.is_file() else ""


def load_extras(product_id: str, lang: str) -> tuple:
    """(location, look cards) of a product in this store, read off the UI thread."""
    app = App.get_running_app()
    store_id = app.settings.store.id
    location = app.data.location(product_id, store_id)
    cards = app.data.complete_the_look(product_id, location=f"store:{store_id}", lang=lang, limit=LOOK_SIZE)
    return location, cards
