""""For you": an identified shopper's saved pieces and what goes with them, their size in
stock here first (kiosk/logic/suggestions.py). Shown only to sessions outside the holdout,
and only what the shop-floor view holds: first name and saved items."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty

from kiosk.logic.suggestions import ForYou, Pick, for_you, shop_floor_view
from kiosk.logic.stock_view import size_label
from kiosk.screens.product_looks import TopScrollView  # noqa: F401 (for_you.kv)
from kiosk.widgets import ProductCard, ShopperScreen


class PickCard(ProductCard):
    """A product card with the shopper's size and its stock here (for_you.kv)."""

    detail = StringProperty("")


def pick_detail(pick: Pick, tr) -> str:
    """"Size M · 3 here", or "Size M · Not in this store"."""
    stock = tr("Last one here") if pick.here == 1 else (tr("%d in stock here") % pick.here if pick.here
                                                        else tr("Not in this store"))
    if not pick.size or size_label(pick.size, tr) == tr("One size"):
        return stock
    return f"{tr('Size %s') % pick.size}  ·  {stock}"


def load_for_you(session, data, here: str, lang: str) -> ForYou:
    """The shopper's list, read off the UI thread (any screen that shows it calls this)."""
    return for_you(shop_floor_view(session), data, here=here, lang=lang)


class ForYouScreen(ShopperScreen):
    """Their saved pieces, then pieces to wear with them."""

    title = StringProperty("")
    offline = BooleanProperty(False)
    empty = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        app = App.get_running_app()
        app.bind(lang=self._on_change, saved_count=self._on_change, greeting=self._on_change)

    def _on_change(self, *_) -> None:
        if App.get_running_app().current == self.name:
            self.refresh()

    def enter(self, **_params) -> None:
        self.ids.scroller.open_at_top()
        self.refresh()

    def reset(self) -> None:
        self.title = ""
        self.offline = self.empty = False
        self.ids.saved.clear_widgets()
        self.ids.goes_with.clear_widgets()

    def refresh(self) -> None:
        app = App.get_running_app()
        session = app.session
        if not session.personal:
            return  # the holdout and anonymous shoppers get no personal list
        here, lang = f"store:{app.settings.store.id}", app.lang
        app.run_async(load_for_you, session, app.data, here, lang,
                      on_done=lambda picks: session is app.session and self.show(picks))

    def show(self, picks: ForYou) -> None:
        app = App.get_running_app()
        self.title = app.tr("For you, %s") % picks.first_name if picks.first_name else app.tr("For you")
        self.offline = picks.offline
        self.empty = picks.is_empty()
        for box, items in ((self.ids.saved, picks.saved), (self.ids.goes_with, picks.goes_with)):
            box.clear_widgets()
            for pick in items:
                box.add_widget(PickCard(product_id=pick.product_id, name=pick.name, price=pick.price,
                                        image=pick.image, detail=pick_detail(pick, app.tr)))
