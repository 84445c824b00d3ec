"""My selection: the pieces saved during this visit (and the profile's), to remove,
send to the phone, or claim later from the app with a QR code."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.widgets import InfoPanel, ShopperScreen


class SelectionRow(RecycleDataViewBehavior, BoxLayout):
    """A saved piece: image, name, price and a remove control (selection.kv)."""

    product_id = StringProperty("")
    sku = StringProperty("")
    name = StringProperty("")
    price = StringProperty("")
    image = StringProperty("")

    def refresh_view_attrs(self, rv, index, data):
        for key in ("product_id", "sku", "name", "price", "image"):
            setattr(self, key, data.get(key) or "")
        return super().refresh_view_attrs(rv, index, data)


class SelectionScreen(ShopperScreen):
    """Saved items, the claim QR for anonymous shoppers, and hand-off to the phone."""

    claim_url = StringProperty("")

    def on_kv_post(self, base_widget):
        app = App.get_running_app()
        app.bind(saved_count=lambda *_: self.refresh(), lang=lambda *_: self.refresh(),
                 greeting=lambda *_: self.refresh())

    def enter(self, **_params) -> None:
        self.refresh()

    def reset(self) -> None:
        self.ids.saved_items.data = []
        self.claim_url = ""

    def refresh(self) -> None:
        """Load the saved products' cards off the UI thread."""
        app = App.get_running_app()
        session = app.session
        self.claim_url = "" if session.profile_id else session.claim_url(app.settings.kiosk.claim_url)
        saved = list(session.saved)
        lang = app.lang

        def load():
            rows = []
            for item in saved:
                product = app.data.product(item.product_id)
                if product is not None:
                    first = product.variants[0].sku if product.variants else ""
                    rows.append({"product_id": product.id, "sku": item.sku or first,
                                 "name": product.title(lang), "price": product.price.format(lang),
                                 "image": product.images[0] if product.images else ""})
            return rows

        def done(rows):
            if session is app.session:  # not a shopper who already left
                self.ids.saved_items.data = rows

        app.run_async(load, on_done=done)

    def remove(self, product_id: str) -> None:
        App.get_running_app().session.unsave(product_id)

    def send_all(self) -> None:
        """One QR code with every saved SKU."""
        app = App.get_running_app()
        skus = [row["sku"] for row in self.ids.saved_items.data if row.get("sku")]
        if not skus:
            return
        url = app.session.send_to_phone(skus, app.settings.kiosk.handoff_url)
        InfoPanel(title=app.tr("Continue on your phone"), qr_data=url,
                  message=app.tr("Scan with your phone's camera.")).open()
