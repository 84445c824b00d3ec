"""The staff screen: stock lookup (search, SKU/EAN or scan) and the bridge's health.

Catalog reads and bridge calls run through app.run_async; only their results touch widgets.
A wide window shows the three cards (lookup, stock, bridge health) at once; a compact one
shows them one at a time under tabs, and a product picked from a lookup opens the stock tab.
When the keys under the lookup's results would leave too few in view, they go to their right,
by the shopper search's rule (kiosk/layout.py `keyboard_beside`, widgets.kv `KeyboardColumn`).
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (BooleanProperty, DictProperty, ListProperty, ObjectProperty, OptionProperty,
                             StringProperty)
from kivy.uix.label import Label

from kiosk.logic.freshness import age_text, moment_text, parse_time, stock_freshness
from kiosk.screens.clienteling import open_shopper_list
from kiosk.screens.staff_pairing import open_pairing_panel
from kiosk.screens.staff_pin import StaffScreenBase
from kiosk.logic.stock_view import lookup, stock_rows
from kiosk.logic.store_devices import device_rows, token_row
from kiosk.logic.store_names import store_name
from kiosk.widgets import OnScreenKeyboard

STATUS_EVERY_S = 3.0
SEARCH_SETTLE_S = 0.25
TABS = ("lookup", "stock", "health")  # the cards, as a compact window's tabs name them
# Digits first: staff mostly type SKUs and EANs.
STAFF_KEY_ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM"]
STAFF_KEYS_PER_ROW = max(len(row) for row in STAFF_KEY_ROWS)
# Under its keys the lookup shows at least this many results, or the keys go beside them:
# one row alone is no list to pick from (1024x552 left one), and 1024x600's narrow lookup
# card, with room for two, has no room for the keys beside.
LOOKUP_ROWS_IN_VIEW = 2


class StaffKeyboard(OnScreenKeyboard):
    """The shopper keyboard's look with digits and capitals, whatever the language."""

    def build_keys(self):
        rows = self.ids.get("rows")
        if rows is None:
            return
        rows.clear_widgets()
        for row in STAFF_KEY_ROWS:
            line = Factory.BoxLayout(spacing=self.key_spacing)
            for key in row:
                button = Factory.StaffKey(text=key)
                button.key = key
                button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
                line.add_widget(button)
            rows.add_widget(line)


class StockCell(Label):
    """One cell of the stock table."""

    picked = BooleanProperty(False)
    number = BooleanProperty(False)
    empty = BooleanProperty(False)


class HealthValue(Label):
    """A value of the health panel, in the accent when it needs attention."""

    alarming = BooleanProperty(False)


class StaffScreen(StaffScreenBase):
    """Stock per size and colour, bridge health and Sync now."""

    query = StringProperty("")
    results = ListProperty([])
    product_name = StringProperty("")
    stock_note = StringProperty("")
    selected_sku = StringProperty("", allownone=True)
    status = DictProperty({})
    store_devices = ObjectProperty(None, allownone=True)  # the store bridge's devices, None: no store bridge
    sync_message = StringProperty("")
    syncing = BooleanProperty(False)
    store_label = StringProperty("")
    can_pair = BooleanProperty(False)  # this kiosk's bridge serves the store: it can pair new screens
    pairing = ObjectProperty(None, allownone=True)  # the open PairingPanel
    tabbed = BooleanProperty(False)  # a compact window: one card at a time (staff.kv binds it)
    beside = BooleanProperty(False)  # the lookup's keys beside its results (staff.kv binds it)
    tab = OptionProperty("lookup", options=TABS)  # the card shown when tabbed
    health_alarming = BooleanProperty(False)  # a health row needs attention: its tab shows a dot
    _status_event = None
    _devices_busy = False
    _cards: dict | None = None

    def on_kv_post(self, base_widget):
        self._search_trigger = Clock.create_trigger(self._search, SEARCH_SETTLE_S)
        # Strong references: a card off screen is out of the widget tree, and ids are weak.
        self._cards = {name: self.ids[name].__self__
                       for name in ("body", "side", "tabs", "lookup_panel", "stock_panel", "health_panel")}
        self._arrange()
        self._place_keys()

    def on_beside(self, *_args) -> None:
        self._place_keys()

    def _place_keys(self) -> None:
        """The lookup's keys over its results, or to their right as in the shopper search."""
        if self._cards is None:
            return  # still building: on_kv_post places them
        panel, entry = self._cards["lookup_panel"], self.ids.lookup_entry.__self__
        # BoxLayout children are stored last first: the last index is the top, or the left.
        place = 0 if self.beside else len(panel.children) - 1
        if panel.children.index(entry) != place:
            panel.remove_widget(entry)
            panel.add_widget(entry, index=0 if self.beside else len(panel.children))

    def on_tabbed(self, *_args) -> None:
        self._arrange()

    def on_tab(self, *_args) -> None:
        if not self.tabbed:
            return  # a wide window shows every card whatever the tab
        self._arrange()
        focus = getattr(App.get_running_app(), "focus", None)
        if focus is not None and focus.focused is not None and focus.focused.get_root_window() is None:
            # The keyboard focus went with the card it was on: it lands on the tab now shown.
            focus.focus(self.ids[f"tab_{self.tab}"].__self__)

    def _arrange(self) -> None:
        """Put the cards in the body: all three when wide; the tabs and the chosen card when tabbed."""
        cards = self._cards
        if cards is None:
            return  # still building: on_kv_post arranges
        body, side = cards["body"], cards["side"]
        for name in ("tabs", "lookup_panel", "side", "stock_panel", "health_panel"):
            widget = cards[name]
            if widget.parent is not None:
                widget.parent.remove_widget(widget)
        if self.tabbed:
            body.add_widget(cards["tabs"])
            body.add_widget(cards[f"{self.tab}_panel"])
        else:
            side.add_widget(cards["stock_panel"])
            side.add_widget(cards["health_panel"])
            body.add_widget(cards["lookup_panel"])
            body.add_widget(side)

    def enter(self, product_id: str | None = None, sku: str | None = None, **params) -> None:
        if product_id:
            self.show_product(product_id, sku)

    def on_pre_enter(self, *args):
        super().on_pre_enter(*args)
        store = App.get_running_app().settings.store
        # Staff read which shop this kiosk belongs to: "Maison Vitrine  ·  Paris Marais".
        self.store_label = f"{store.name}  ·  {store_name(f'store:{store.id}')}"
        self.can_pair = App.get_running_app().data.serves_store()
        self.refresh_status()
        self._status_event = Clock.schedule_interval(lambda dt: self.refresh_status(), STATUS_EVERY_S)

    def on_leave(self, *args):
        super().on_leave(*args)
        self.close_pairing()  # leaving staff mode forgets the token
        if self._status_event is not None:
            self._status_event.cancel()
            self._status_event = None

    def reset(self) -> None:
        """Forget the last lookup (called by app.end_session)."""
        self.query = ""
        self.results = []
        self.ids.results.clear_widgets()  # the rows of the last lookup, not only its data
        self.product_name = ""
        self.stock_note = ""
        self.sync_message = ""
        self.tab = "lookup"
        self._fill_stock([])

    # -- lookup ---------------------------------------------------------
    def on_key(self, key: str) -> None:
        """A key of the on-screen keyboard."""
        if key == "backspace":
            self.query = self.query[:-1]
        elif key == "clear":
            self.query = ""
        else:
            self.query += key
        self._search_trigger()

    def _search(self, _dt=None) -> None:
        app = App.get_running_app()
        query = self.query
        app.run_async(lookup, app.data, query, app.lang,
                      on_done=lambda found: self._show_results(query, found))

    def _show_results(self, query: str, found: list[dict]) -> None:
        if query != self.query:
            return  # typed on since: a newer search is coming
        self.results = found
        box = self.ids.results
        box.clear_widgets()
        for item in found:
            row = Factory.StaffResult(text=f"{item['name']}   ·   {item['detail']}")
            row.bind(on_release=lambda _b, item=item: self.show_product(item["product_id"], item["sku"]))
            box.add_widget(row)
        if len(found) == 1:
            self.show_product(found[0]["product_id"], found[0]["sku"])

    def open_shopper_list(self) -> None:
        """Clienteling: the open session's "For you" list; a piece opens its stock here."""
        open_shopper_list(self.show_product)

    def pair_new_screen(self) -> None:
        """Mint a token for a new kiosk of this store and show its pairing QR."""
        self.close_pairing()
        self.pairing = open_pairing_panel()

    def close_pairing(self) -> None:
        if self.pairing is not None:
            self.pairing.dismiss(animation=False)
            self.pairing = None

    def scan_product(self) -> None:
        App.get_running_app().go("scan", purpose="product")

    # -- stock ----------------------------------------------------------
    def show_product(self, product_id: str, sku: str | None = None) -> None:
        """Load the product's stock everywhere, off the UI thread."""
        app = App.get_running_app()
        data = app.data

        def load():
            product = data.product(product_id)
            return product, data.stock_for_product(product_id) if product else []

        self.selected_sku = sku or ""
        self.tab = "stock"  # when tabbed, staff asked for this product's stock: show it
        app.run_async(load, on_done=lambda found: self._show_stock(*found))

    def _show_stock(self, product: Any, levels: list) -> None:
        app = App.get_running_app()
        if product is None:
            self.product_name = app.tr("Product not found", app.lang)
            self._fill_stock([])
            return
        here = f"store:{app.settings.store.id}"
        table = stock_rows(product, levels, here, app.lang)
        self.product_name = product.title(app.lang)
        note = stock_freshness(table["as_of"], lambda msgid: app.tr(msgid, app.lang)) or \
            app.tr("no stock figures yet", app.lang)
        if table["others"]:
            where = "  ·  ".join(f"{store_name(loc)} {n}" for loc, n in sorted(table["others"].items()))
            note += "\n" + app.tr("Other stores: {where}", app.lang).format(where=where)
        self.stock_note = note
        self._fill_stock(table["rows"])

    def _fill_stock(self, rows: list[dict]) -> None:
        grid = self.ids.stock
        grid.clear_widgets()
        for row in rows:
            picked = row["sku"] == self.selected_sku
            cells = [row["size"], row["color"], str(row["here"]), str(row["other"]), str(row["online"])]
            for i, text in enumerate(cells):
                grid.add_widget(StockCell(text=text, picked=picked, number=i >= 2,
                                                  empty=i >= 2 and text == "0"))

    # -- bridge health --------------------------------------------------
    def refresh_status(self) -> None:
        app = App.get_running_app()
        app.run_async(app.data.status, on_done=self._show_status, on_error=self._status_failed)
        if not self._devices_busy:  # one network call at a time, however slow the store bridge
            self._devices_busy = True
            app.run_async(app.data.store_devices, on_done=self._show_devices,
                          on_error=lambda _exc: self._show_devices(None))

    def _show_status(self, status: dict) -> None:
        self.status = status

    def _show_devices(self, devices: list[dict] | None) -> None:
        self._devices_busy = False
        self.store_devices = devices

    def on_store_devices(self, _instance, _devices) -> None:
        self.on_status(self, self.status)

    def on_status(self, _instance, status: dict) -> None:
        app = App.get_running_app()
        grid = self.ids.health
        grid.clear_widgets()
        tr = lambda text: app.tr(text, app.lang)  # noqa: E731
        rows = self.status_rows(status, app.lang) + device_rows(self.store_devices, tr)
        for label, value, alarming in rows:
            grid.add_widget(Factory.HealthLabel(text=label))
            grid.add_widget(HealthValue(text=value, alarming=alarming))
        self.health_alarming = any(alarming for _label, _value, alarming in rows)

    def _status_failed(self, exc: BaseException) -> None:
        self.status = {"last_error": str(exc)}

    def status_rows(self, status: dict, lang: str) -> list[tuple[str, str, bool]]:
        """(label, value, alarming) rows of the health panel."""
        app = App.get_running_app()
        tr = lambda text: app.tr(text, lang)  # noqa: E731
        pending = status.get("pending")
        dead = status.get("dead_letters") or 0
        reachable = status.get("hq_reachable")
        last_push = moment_text(parse_time(status.get("last_push_at")), tr) or tr("never")
        rows = [
            (tr("Waiting to send"), "—" if pending is None else str(pending + (status.get("in_flight") or 0)),
             False),
            (tr("Oldest waiting"), age_text(status.get("oldest_pending_age_s")),
             (status.get("oldest_pending_age_s") or 0) > 3600),
            (tr("Last successful send"), last_push, False),
            (tr("Dead letters"), str(dead), dead > 0),
            (tr("Headquarters"), tr("unknown") if reachable is None else
             tr("reachable") if reachable else tr("unreachable"), reachable is False),
            token_row(status, tr),
        ]
        stranded = status.get("quarantined") or []
        if stranded:  # a corrupt database was moved aside: its events wait for `recover`
            events = sum(q.get("events") or 0 for q in stranded)
            rows.append((tr("Damaged database"), tr(
                "{events} events set aside: run vitrine-bridge recover").format(events=events), True))
        if status.get("last_error"):
            rows.append((tr("Last error"), str(status["last_error"]), True))
        return rows

    def sync_now(self) -> None:
        app = App.get_running_app()
        self.syncing = True
        self.sync_message = app.tr("Syncing…", app.lang)
        app.run_async(app.data.sync, on_done=self._synced, on_error=self._sync_failed)

    def _synced(self, report: Any) -> None:
        app = App.get_running_app()
        self.syncing = False
        if getattr(report, "auth_failed", False):
            text = app.tr("Headquarters refused the store token.", app.lang)
        elif getattr(report, "error", None):
            # The bridge's error text is technical English; it stays in the "Last error" row.
            text = app.tr("Not sent yet: the events wait safely here. See the last error below.", app.lang)
        else:
            text = app.tr("Sync done: {acked} sent, {pending} waiting.", app.lang).format(
                acked=getattr(report, "acked", 0), pending=getattr(report, "pending", 0))
        self.sync_message = text
        self.refresh_status()

    def _sync_failed(self, exc: BaseException) -> None:
        app = App.get_running_app()
        self.syncing = False
        self.sync_message = app.tr("Sync failed: {error}", app.lang).format(error=exc)
        self.refresh_status()
