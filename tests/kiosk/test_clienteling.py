"""The staff screen's two modal panels are one StaffPanel (kiosk/screens/staff_panel.py):
the same frame, title and Close; each rule only fills the body."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kiosk


@pytest.mark.parametrize("size", [(1080, 1920), (800, 480)], ids=["1080x1920", "800x480"])
def test_the_shoppers_list_and_the_pairing_panel_share_one_staff_panel(kiosk, size):
    from kiosk.screens.clienteling import ShopperListPanel
    from kiosk.screens.staff_pairing import PairingPanel
    from kiosk.screens.staff_panel import StaffPanel
    from tests.kiosk.conftest import PORTRAIT
    from tests.kiosk.test_for_you import identify

    assert issubclass(ShopperListPanel, StaffPanel) and issubclass(PairingPanel, StaffPanel)
    app = kiosk.app
    kiosk.set_size(*size)  # 800x480: the list is longer than the panel, Close must still show
    identify(kiosk)
    app.staff_mode = True
    app.go("staff")
    kiosk.settle()
    try:
        kiosk.tap(kiosk.find("shopper_list"))
        panel = kiosk.wait_until(lambda: kiosk.find(lambda w: isinstance(w, ShopperListPanel)))
        kiosk.wait_until(lambda: panel.ids.rows.children, message="the shopper's rows")
        kiosk.settle()
        # The list sits in the shared body, under the shared title; Close stays in sight below it.
        box = panel.ids.panel_box
        assert list(reversed(box.children)) == [panel.ids.panel_title.__self__, panel.ids.panel_body.__self__]
        assert panel.ids.rows.parent is panel.ids.panel_body.__self__
        close = kiosk.find("close_panel")
        assert close.to_window(close.x, close.y)[1] >= panel.y  # inside the panel, not scrolled away
        assert panel.ids.panel_title.text == panel.title and "Camille" in panel.title
        kiosk.tap(kiosk.find("close_panel"))
        # Close releases at once, but the panel leaves the window only when its fade ends:
        # wait for that, not for a fixed number of frames.
        kiosk.wait_until(lambda: panel.parent is None, message="the panel leaves the window")
        assert not kiosk.find(lambda w: isinstance(w, StaffPanel))
    finally:
        app.staff_mode = False
        kiosk.set_size(*PORTRAIT)
