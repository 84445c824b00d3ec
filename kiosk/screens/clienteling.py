"""Clienteling: staff with the shopper at their side open the shopper's "For you" list on
the staff screen, only while that shopper's (identified, non-holdout) session is open.
Tapping a piece shows its stock in the staff screen's table."""

from __future__ import annotations

from typing import Callable

from kivy.app import App
from kivy.factory import Factory
from kivy.lang import Builder

from kiosk.logic.suggestions import ForYou
from kiosk.screens.for_you import load_for_you, pick_detail
from kiosk.screens.staff_panel import StaffPanel

Builder.load_string("""
<ShopperListPanel>:
    BoxLayout:
        id: rows
        orientation: 'vertical'
        size_hint_y: None
        height: self.minimum_height
""")


class ShopperListPanel(StaffPanel):
    """The open session's list, one row per piece: name, size and stock here."""


def session_is_open(app) -> bool:
    """The shopper is still here: identified, outside the holdout, session started and not ended."""
    session = app.session
    return session.personal and session.started and not session.ended


def open_shopper_list(show_product: Callable[[str, str | None], None]) -> bool:
    """Open the current shopper's list for staff; False (nothing shown) when no session is open."""
    app = App.get_running_app()
    if not session_is_open(app):
        return False
    session = app.session
    here = f"store:{app.settings.store.id}"
    panel = ShopperListPanel(title=app.tr("Shopper's list", app.lang))
    panel.open()

    def fill(picks: ForYou) -> None:
        if session is not app.session or not session_is_open(app):
            panel.dismiss(animation=False)  # the shopper left meanwhile
            return
        if picks.first_name:
            panel.title = app.tr("Shopper's list", app.lang) + f"  ·  {picks.first_name}"
        rows = panel.ids.rows
        rows.clear_widgets()
        tr = lambda msgid: app.tr(msgid, app.lang)  # noqa: E731
        for heading, items in ((tr("SAVED"), picks.saved), (tr("TO WEAR WITH THEM"), picks.goes_with)):
            if not items:
                continue
            rows.add_widget(Factory.StaffHeading(text=heading))
            for pick in items:
                row = Factory.StaffResult(text=f"{pick.name}   ·   {pick_detail(pick, tr)}")
                row.bind(on_release=lambda _r, p=pick: (panel.dismiss(), show_product(p.product_id, p.sku)))
                rows.add_widget(row)
        if picks.is_empty():
            rows.add_widget(Factory.StaffHeading(text=tr("Nothing saved yet.")))

    app.run_async(load_for_you, session, app.data, here, app.lang, on_done=fill)
    return True
