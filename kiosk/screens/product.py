"""The product page: images, price, colours and sizes, stock here and elsewhere,
and the shopper's actions (save, fitting room, continue on my phone)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.logic.data_access import color_label
from kiosk.logic.freshness import parse_time, stock_freshness
from kiosk.logic.stock_view import availability, size_label
from kiosk.screens.product_looks import LookCard, TopScrollView, load_extras, plan_path  # noqa: F401 (kv)
from kiosk.widgets import InfoPanel, LocalImage, ShopperScreen, Swatch


class ProductScreen(ShopperScreen):
    """One product, in the current language."""

    product = ObjectProperty(None, allownone=True)
    color = StringProperty("")
    sku = StringProperty("", allownone=True)
    saved = BooleanProperty(False)
    stock_lines = ListProperty([])
    stock_as_of = StringProperty("")
    location_text = StringProperty("")
    plan_source = StringProperty("")
    plan_point = ListProperty([])
    has_look = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self._levels = []
        self._updated = ""
        app = App.get_running_app()
        app.bind(lang=lambda *_: (self._render(), self._load_extras()))
        app.bind(saved_count=lambda *_: self._refresh_saved())

    def enter(self, product_id: str | None = None, sku: str | None = None, **_params) -> None:
        if not product_id:
            return
        app = App.get_running_app()
        self.product = None
        self.sku = sku or ""
        self.ids.scroller.open_at_top()  # a new piece opens at its top, not where the last was left
        self._render()
        self._show_extras("", None, [])
        app.session.view_product(product_id, sku)
        app.run_async(lambda: (app.data.product(product_id), app.data.stock_for_product(product_id)),
                      on_done=lambda result: self._loaded(product_id, sku, *result))

    def reset(self) -> None:
        self.product = None
        self.sku = self.color = ""
        self._levels = []
        self._render()
        self._show_extras("", None, [])

    def _loaded(self, product_id, sku, product, levels) -> None:
        if product is None or product.id != product_id:
            return
        self.product = product
        self._levels = levels
        self._updated = max((lv.updated_at for lv in levels), default="")
        variants = product.variants
        chosen = next((v for v in variants if v.sku == sku), None)
        self.color = chosen.color if chosen else (variants[0].color if variants else "")
        sizes = [v for v in variants if v.color == self.color]
        self.sku = chosen.sku if chosen else (sizes[0].sku if len(sizes) == 1 else "")
        self._render()
        self._load_extras()

    # -- where is it? complete the look --------------------------------------
    def _load_extras(self) -> None:
        app = App.get_running_app()
        if self.product is None:
            return
        product_id, lang = self.product.id, app.lang
        app.run_async(load_extras, product_id, lang,
                      on_done=lambda result: self._show_extras(product_id, *result))

    def _show_extras(self, product_id: str, location, cards) -> None:
        """Show the location, plan and look of product_id (unless another product is shown by now)."""
        app = App.get_running_app()
        if product_id and (self.product is None or self.product.id != product_id):
            return
        self.location_text = location.text(app.lang) if location else ""
        has_point = location is not None and location.x is not None
        self.plan_source = plan_path(app.settings) if location else ""
        self.plan_point = [location.x, location.y] if has_point else []
        look = self.ids.look
        look.clear_widgets()
        for card in cards:
            look.add_widget(LookCard(product_id=card.id, name=card.name, price=card.price.format(app.lang),
                                     image=card.image or ""))
        self.has_look = bool(cards)

    # -- display -----------------------------------------------------------
    def _render(self) -> None:
        app = App.get_running_app()
        ids = self.ids
        product = self.product
        ids.name.text = product.title(app.lang) if product else ""
        ids.price.text = product.price.format(app.lang) if product else ""
        ids.description.text = product.text(app.lang) if product else ""
        ids.carousel.clear_widgets()
        for path in (product.images if product else []):
            ids.carousel.add_widget(LocalImage(path=path, max_px=[1200, 1500], fit_mode="contain"))
        self._render_choices()
        self._render_stock()
        self._refresh_saved()

    def _render_choices(self) -> None:
        app = App.get_running_app()
        product = self.product
        colors_box, sizes_box = self.ids.colors, self.ids.sizes
        colors_box.clear_widgets()
        sizes_box.clear_widgets()
        if not product:
            return
        for color in dict.fromkeys(v.color for v in product.variants):
            swatch = Swatch(text=color_label(color, app.lang), value=color, selected=color == self.color)
            swatch.bind(on_release=lambda s: self.choose_color(s.value))
            colors_box.add_widget(swatch)
        for variant in product.variants:
            if variant.color != self.color:
                continue
            swatch = Swatch(text=size_label(variant.size, app.tr), value=variant.sku,
                            selected=variant.sku == self.sku)
            swatch.bind(on_release=lambda s: self.choose_sku(s.value))
            sizes_box.add_widget(swatch)

    def _render_stock(self) -> None:
        app = App.get_running_app()
        here = f"store:{app.settings.store.id}"
        self.stock_lines = availability(self._levels, self.sku, here, app.tr) if self.product else []
        self.stock_as_of = stock_freshness(parse_time(self._updated), app.tr) if self.product else ""
        self.ids.stock.text = "\n".join(self.stock_lines)

    def _refresh_saved(self) -> None:
        app = App.get_running_app()
        self.saved = bool(self.product) and app.session.is_saved(self.product.id)

    # -- actions -----------------------------------------------------------
    def choose_color(self, color: str) -> None:
        self.color = color
        sizes = [v for v in self.product.variants if v.color == color]
        self.sku = sizes[0].sku if len(sizes) == 1 else ""
        App.get_running_app().session.choose_sku(self.sku or None)
        self._render_choices()
        self._render_stock()

    def choose_sku(self, sku: str) -> None:
        self.sku = sku
        App.get_running_app().session.choose_sku(sku)
        self._render_choices()
        self._render_stock()

    def toggle_saved(self) -> None:
        app = App.get_running_app()
        if not self.product:
            return
        if app.session.is_saved(self.product.id):
            app.session.unsave(self.product.id)
        else:
            app.session.save(self.product.id, self.sku or None)

    def _skus(self) -> list[str]:
        if self.sku:
            return [self.sku]
        return [v.sku for v in self.product.variants if v.color == self.color][:1]

    def request_fitting_room(self) -> None:
        """Record the request and show the shopper their queue number."""
        app = App.get_running_app()
        if not self.product:
            return
        if not self.sku:
            InfoPanel(title=app.tr("Which size?"), message=app.tr("Choose a size first, then ask for a fitting room.")).open()
            return
        app.session.request_fitting_room([self.sku])
        number = app.fitting_queue.next()
        InfoPanel(title=app.tr("A fitting room is on its way"), number=str(number),
                  message=app.tr("Your number. An adviser will bring this piece to you.")).open()

    def continue_on_phone(self) -> None:
        """Show a QR code that opens this piece on the shopper's phone."""
        app = App.get_running_app()
        if not self.product:
            return
        url = app.session.send_to_phone(self._skus(), app.settings.kiosk.handoff_url)
        InfoPanel(title=app.tr("Continue on your phone"), qr_data=url,
                  message=app.tr("Scan with your phone's camera.")).open()
