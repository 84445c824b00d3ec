"""Browse: categories, filters by size and colour, sort, and a grid of product cards.

In a compact landscape window (800x480) the header is one slim bar, the categories one
scrolling row, and the filters wait behind one "Filters" button that opens a panel: the
filter row itself moves into it, so the grid keeps at least one whole row of photos.

The grid is a RecycleView, so only the cards on screen are widgets; its data grows a
page at a time from Catalog.browse as the shopper nears the end, queried off the UI
thread, so 50,000 products cost only what is actually scrolled through.
"""

from __future__ import annotations

from kivy.app import App
from kivy.factory import Factory
from kivy.clock import Clock
from kivy.properties import (AliasProperty, BooleanProperty, DictProperty, ListProperty, NumericProperty,
                             ObjectProperty, StringProperty)
from kivy.uix.modalview import ModalView

from kiosk.logic.data_access import category_label, color_label
from kiosk.widgets import ShopperScreen, reparent

FIRST_PAGE = 48
PAGE = 240  # about twenty screens of cards; memory grows only as far as the shopper scrolls
SORTS = [("featured", "Featured"), ("newest", "New in"), ("price_asc", "Price: low to high"),
         ("price_desc", "Price: high to low"), ("name", "Name")]


MOST_COLUMNS = 6  # a fit by height never makes cards narrower than a sixth of the grid


def grid_columns(width: float, card_px: float, caption_px: float, fit_height: float | None = None) -> int:
    """Columns of ~card_px wide cards across width; with fit_height, enough for one row to fit it.

    A row is as tall as browse.kv's cards: a 4:5 photo a column wide, and the caption.
    """
    cols = max(2, int(width / card_px))
    if fit_height:
        while cols < MOST_COLUMNS and width / cols * 1.25 + caption_px > fit_height:
            cols += 1
    return cols


def card_rows(cards: list, lang: str) -> list[dict]:
    """RecycleView data for product cards (prices formatted once, here)."""
    return [{"product_id": c.id, "name": c.name, "price": c.price.format(lang), "image": c.image}
            for c in cards]


class BrowseFilterPanel(ModalView):
    """The filters of a compact window: size, colour and sort, Clear, and "Show N pieces"."""

    screen = ObjectProperty(None)
    total = NumericProperty(0)

    def clear(self) -> None:
        """Every filter and the sort back to their defaults."""
        self.screen.choose(size_filter="", color_filter="", sort="featured")


class BrowseScreen(ShopperScreen):
    """The catalog grid."""

    category = StringProperty("")
    size_filter = StringProperty("")
    color_filter = StringProperty("")
    sort = StringProperty("featured")
    total = NumericProperty(0)
    loading = BooleanProperty(False)
    size_labels = DictProperty({})
    color_labels = DictProperty({})
    categories = ListProperty([])
    compact = BooleanProperty(False)  # a short landscape window: set in browse.kv from app.layout

    def _active_filters(self) -> int:
        return bool(self.size_filter) + bool(self.color_filter)

    active_filters = AliasProperty(_active_filters, bind=("size_filter", "color_filter"), cache=True)

    def on_kv_post(self, base_widget):
        self._generation = 0
        self._loaded_filters = None
        self._panel = BrowseFilterPanel(screen=self)
        self._panel.bind(on_dismiss=self._filters_closed)
        self.bind(total=self._panel.setter("total"))
        App.get_running_app().bind(lang=lambda *_: self._on_language())
        self._place_filters()

    # -- where the filters are ----------------------------------------------
    def on_compact(self, *_) -> None:
        self._place_filters()

    def _place_filters(self) -> None:
        """The filter row above the grid, or in the panel in a compact window."""
        if not hasattr(self, "_panel"):
            return  # browse.kv sets compact before on_kv_post: placed there
        row, body, slot = (ids[name].__self__ for ids, name in  # ids are weak proxies: `is` needs the widgets
                           ((self.ids, "filter_row"), (self.ids, "body"), (self._panel.ids, "slot")))
        if self.compact:
            reparent(row, slot)
            return
        self._panel.dismiss(animation=False)
        reparent(row, body, index=1)  # above the grid (BoxLayout children are stored reversed)

    def open_filters(self) -> None:
        """Open the filters panel (compact windows only)."""
        if self.compact and self._panel.parent is None:
            self._panel.open()

    def _filters_closed(self, _panel) -> None:
        # A keyboard user goes on from the button that opened the panel, not from the top.
        focus = getattr(App.get_running_app(), "focus", None)
        if focus is not None and focus.focused is not None and self._inside_panel(focus.focused):
            focus.focus(self.ids.filters_button.__self__)

    def _inside_panel(self, widget) -> bool:
        node = widget
        while node is not None and node is not node.parent:
            if node is self._panel:
                return True
            node = node.parent
        return False

    def enter(self, category: str | None = None, **_params) -> None:
        if category is not None:
            self.category = category
        if self._loaded_filters is None:
            self._load_filters()
        if self._loaded_filters != self._query():
            self.reload()

    def reset(self) -> None:
        self.category = self.size_filter = self.color_filter = ""
        self.sort = "featured"
        self.ids.grid.scroll_y = 1
        for button in self.ids.categories.children:
            button.selected = getattr(button, "category", None) == ""
        if self._loaded_filters is not None:
            self.reload()

    # -- filters -----------------------------------------------------------
    def _load_filters(self) -> None:
        app = App.get_running_app()
        catalog = app.data
        app.run_async(lambda: (catalog.categories(app.lang), catalog.sizes(), catalog.colors()),
                      on_done=self._filters_loaded)

    def _filters_loaded(self, result) -> None:
        categories, sizes, colors = result
        self.categories = categories
        self._sizes, self._colors = sizes, colors
        self._label_filters()

    def _label_filters(self) -> None:
        app = App.get_running_app()
        row = self.ids.categories
        row.clear_widgets()
        for category in [""] + self.categories:
            text = category_label(category, app.lang) if category else app.tr("All")
            # CategoryPill (browse.kv) sizes itself to its text for every window and type size.
            button = Factory.CategoryPill(text=text, selected=category == self.category)
            button.bind(on_release=lambda _b, c=category: self.choose(category=c))
            button.category = category
            row.add_widget(button)
        self.size_labels = {app.tr("All sizes"): "", **{s: s for s in getattr(self, "_sizes", [])}}
        self.color_labels = {app.tr("All colours"): "",
                             **{color_label(c, app.lang): c for c in getattr(self, "_colors", [])}}

    def choose(self, **filters) -> None:
        """Change category, size_filter, color_filter or sort, then reload the grid."""
        for key, value in filters.items():
            setattr(self, key, value or "")
        for button in self.ids.categories.children:
            button.selected = getattr(button, "category", None) == self.category
        self.reload()

    def label_of(self, labels: dict, value: str) -> str:
        return next((label for label, v in labels.items() if v == value), "")

    def sort_labels(self, lang: str) -> dict[str, str]:
        app = App.get_running_app()
        return {app.tr(label, lang): key for key, label in SORTS}

    def _on_language(self) -> None:
        if getattr(self, "_sizes", None) is not None:
            self._label_filters()
        if self._loaded_filters is not None:
            self.reload()

    # -- the grid ----------------------------------------------------------
    def _query(self) -> dict:
        app = App.get_running_app()
        return dict(lang=app.lang, category=self.category or None, size=self.size_filter or None,
                    color=self.color_filter or None, sort=self.sort)

    def reload(self) -> None:
        """Fetch the first page; later pages come as the shopper nears the end. Stale answers are dropped."""
        app = App.get_running_app()
        catalog = app.data
        query = self._query()
        self._loaded_filters = query
        self._generation += 1
        generation = self._generation
        self.loading = True

        def first_page():
            count = catalog.count(category=query["category"], size=query["size"], color=query["color"])
            return count, card_rows(catalog.browse(**query, limit=FIRST_PAGE), query["lang"])

        def done(result):
            if generation != self._generation:
                return
            self.total, rows = result
            self.ids.grid.data = rows
            self.ids.grid.scroll_y = 1
            self.loading = False

        app.run_async(first_page, on_done=done)

    def on_scroll(self, grid) -> None:
        """Near the end of what is loaded: fetch the next page (only one request at a time)."""
        if self.loading or len(grid.data) >= self.total:
            return
        layout = self.ids.grid_layout
        below_px = grid.scroll_y * max(0.0, layout.height - grid.height)
        if below_px > grid.height * 2:
            return
        app = App.get_running_app()
        query = self._loaded_filters
        last_id, loaded = grid.data[-1]["product_id"], len(grid.data)  # page by key
        generation = self._generation
        self.loading = True

        def done(rows):
            if generation != self._generation:
                return
            self._append(rows)
            self.loading = False

        app.run_async(lambda: card_rows(app.data.page_after(last_id, loaded, **query, limit=PAGE),
                                        query["lang"]), on_done=done)

    def _append(self, rows: list[dict]) -> None:
        # Keep the shopper's place: scroll_y is a fraction, and the content just grew.
        grid = self.ids.grid
        layout = self.ids.grid_layout
        hidden = max(1.0, layout.height - grid.height)
        from_top = (1 - grid.scroll_y) * hidden
        grid.data = grid.data + rows

        def restore(_dt):
            grid.scroll_y = max(0.0, 1 - from_top / max(1.0, layout.height - grid.height))

        Clock.schedule_once(restore, 0)
