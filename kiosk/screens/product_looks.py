"""The product page's lower half: "Where is it?" (location and store plan) and
"Complete the look" (pieces of the same collection in other categories, in stock here)."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.properties import ListProperty

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


def scroll_to_top(scroller) -> None:
    """Show a ScrollView's top, whatever was scrolled there before."""
    scroller.scroll_y = 1
    # The scroll effect keeps its own position and would move the page back on the next
    # layout: bring its bounds and value in line with the top (Kivy 2.3's own resync).
    scroller._update_effect_bounds()


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
