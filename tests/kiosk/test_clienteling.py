"""The staff screen's two modal panels are one StaffPanel (kiosk/screens/staff_panel.py):
the same frame, title and Close; each rule only fills the body."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kiosk


def test_the_shoppers_list_and_the_pairing_panel_share_one_staff_panel(kiosk):
    from kiosk.screens.clienteling import ShopperListPanel
    from kiosk.screens.staff_pairing import PairingPanel
    from kiosk.screens.staff_panel import StaffPanel
    from tests.kiosk.test_for_you import identify

    assert issubclass(ShopperListPanel, StaffPanel) and issubclass(PairingPanel, StaffPanel)
    app = kiosk.app
    identify(kiosk)
    app.staff_mode = True
    app.go("staff")
    kiosk.settle()
    try:
        kiosk.tap(kiosk.find("shopper_list"))
        panel = kiosk.wait_until(lambda: kiosk.find(lambda w: isinstance(w, ShopperListPanel)))
        kiosk.wait_until(lambda: panel.ids.rows.children, message="the shopper's rows")
        kiosk.settle()
        # The list sits in the shared body, between the shared title and the shared Close.
        box = panel.ids.panel_box
        assert [type(w).__name__ for w in reversed(box.children)] == ["Label", "BoxLayout", "PillButton"]
        assert panel.ids.rows.parent is panel.ids.panel_body.__self__
        assert panel.ids.panel_title.text == panel.title and "Camille" in panel.title
        kiosk.tap(kiosk.find("close_panel"))
        kiosk.settle()
        assert panel.parent is None and not kiosk.find(lambda w: isinstance(w, StaffPanel))
    finally:
        app.staff_mode = False
