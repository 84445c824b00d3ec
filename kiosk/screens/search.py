"""Search: an on-screen keyboard and results as the shopper types.

Each keystroke restarts a short debounce; the query runs in a worker thread and
an answer for text that has since changed is dropped. search_performed is recorded
once the shopper pauses (or opens a result), not on every key.

When under the results the keyboard would leave them less than one whole row of cards
(kiosk/layout.py `keyboard_beside`: 800x480, 1024x552, 1024x600) it sits beside
the results and the query field moves above it, so a whole row of cards stays in view.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.screens.browse import card_rows
from kiosk.widgets import ShopperScreen, reparent

DEBOUNCE_S = 0.25
PAUSE_S = 1.5
MAX_QUERY = 60


class SearchScreen(ShopperScreen):
    """Typed text, result cards, and the keyboard."""

    query = StringProperty("")
    results_count = NumericProperty(-1)  # -1: nothing searched yet
    pause_s = NumericProperty(PAUSE_S)  # how long a pause counts as "the shopper settled"
    beside = BooleanProperty(False)  # keyboard beside the results: set in search.kv from app.layout

    def on_kv_post(self, base_widget):
        self._generation = 0
        self._search_soon = Clock.create_trigger(self._search, DEBOUNCE_S)
        self._settle = Clock.create_trigger(self._record, self.pause_s)
        self.bind(pause_s=lambda *_: setattr(self._settle, "timeout", self.pause_s))
        App.get_running_app().bind(lang=lambda *_: self.query and self._search_soon())
        self._place_field()

    def on_beside(self, *_) -> None:
        self._place_field()

    def _place_field(self) -> None:
        """The query field and count above the results, or above the keys when beside them."""
        if not hasattr(self, "_generation"):
            return  # search.kv sets beside before on_kv_post: placed there
        field, main, side = (self.ids[name].__self__ for name in ("field", "main", "side"))  # weak proxies
        home = side if self.beside else main
        if field.parent is not home:  # on top: BoxLayout children are stored bottom first
            reparent(field, home, index=len(home.children))

    def reset(self) -> None:
        self._settle.cancel()
        self._search_soon.cancel()
        self._generation += 1
        self.query = ""
        self.results_count = -1
        self.ids.results.data = []

    def on_key(self, key: str) -> None:
        """A key of the on-screen keyboard."""
        if key == "backspace":
            self.query = self.query[:-1]
        elif key == "clear":
            self.query = ""
        elif len(self.query) < MAX_QUERY:
            self.query += key
        self._settle.cancel()
        self._search_soon()

    def _search(self, _dt=None) -> None:
        app = App.get_running_app()
        query = self.query
        self._generation += 1
        generation = self._generation
        if not query.strip():
            self.ids.results.data = []
            self.results_count = -1
            return

        def done(rows):
            if generation != self._generation:
                return  # the shopper typed on: this answer is stale
            self.ids.results.data = rows
            self.results_count = len(rows)
            self._settle()

        app.run_async(lambda: card_rows(app.data.search(query, lang=app.lang), app.lang),
                      on_done=done)

    def _record(self, _dt=None) -> None:
        if self.query.strip() and self.results_count >= 0:
            App.get_running_app().session.searched(self.query, self.results_count)

    def on_pre_leave(self, *_):
        # Opening a result counts as the shopper having settled on this query.
        self._settle.cancel()
        self._record()
