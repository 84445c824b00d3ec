"""Every shopper screen, in portrait and landscape: laid out inside the window, and
saved to screenshots/<orientation>/ for a human to look at."""

from __future__ import annotations

import pytest

from conftest import LANDSCAPE, PORTRAIT

pytestmark = pytest.mark.kiosk


def inside_window(kiosk, widget) -> bool:
    x, y = widget.to_window(widget.x, widget.y)
    return x >= -1 and y >= -1 and x + widget.width <= kiosk.window.width + 1 \
        and y + widget.height <= kiosk.window.height + 1


def assert_controls_visible(kiosk, *ids):
    kiosk.settle()  # layouts run on the next frames
    for name in ids:
        widget = kiosk.find(name)
        assert widget is not None, name
        assert inside_window(kiosk, widget), f"{name} is outside the {kiosk.window.size} window"
        assert min(widget.size) >= 48, f"{name} is smaller than a 48 px touch target: {widget.size}"


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_screen_fits_and_is_captured(kiosk, size):
    app = kiosk.app
    kiosk.set_size(*size)
    kiosk.wait_until(lambda: app.screens["attract"].ids.front.texture is not None, message="lookbook")
    kiosk.screenshot("attract")

    kiosk.tap(app.screens["attract"])
    browse = app.screens["browse"]
    kiosk.wait_until(lambda: kiosk.screen == "browse" and browse.ids.grid.data and not browse.loading)
    assert_controls_visible(kiosk, "brand", "nav_browse", "nav_search", "nav_selection",
                            "lang_switch", "done", "size_filter", "color_filter", "sort_filter")
    kiosk.screenshot("browse")

    product_id = browse.ids.grid.data[2]["product_id"]
    app.go("product", product_id=product_id)
    product = app.screens["product"]
    kiosk.wait_until(lambda: product.product is not None and product.ids.carousel.slides)
    kiosk.wait_until(lambda: product.ids.carousel.current_slide.texture is not None, message="image")
    assert_controls_visible(kiosk, "heart", "fitting_room", "to_phone", "save")
    kiosk.screenshot("product")
    kiosk.tap(product.ids.heart)

    app.go("search")
    kiosk.settle()
    kiosk.type("robe")
    search = app.screens["search"]
    kiosk.wait_until(lambda: search.results_count > 0)
    assert_controls_visible(kiosk, "key_space", "key_back")
    kiosk.screenshot("search")

    app.go("selection")
    kiosk.wait_until(lambda: app.screens["selection"].ids.saved_items.data)
    assert_controls_visible(kiosk, "send_all", "identify")
    kiosk.screenshot("selection")

    app.session.identify("p-camille")
    app.session.apply_profile({"id": "p-camille", "first_name": "Camille", "saved_items": []})
    kiosk.wait_until(lambda: "Bonjour Camille" in kiosk.texts())
    kiosk.screenshot("selection-identified")

    app.lang = "en"
    app.go("product", product_id=product_id)
    kiosk.wait_until(lambda: product.product is not None)
    kiosk.screenshot("product-en")

    app.set_accessibility(large_text=True, high_contrast=True)
    kiosk.pump(3)
    kiosk.screenshot("product-accessible")
    app.set_accessibility(large_text=False, high_contrast=False, low_reach=True)
    app.go("browse")
    kiosk.wait_until(lambda: not browse.loading)
    kiosk.settle()
    bar = kiosk.find(lambda w: type(w).__name__ == "TopBar")
    assert bar.to_window(*bar.center)[1] < kiosk.window.height / 2, "low reach keeps controls low"
    kiosk.screenshot("browse-low-reach")
    app.set_accessibility(low_reach=False)

    app.idle.idle_timeout_s = 0.3
    app.idle.countdown_s = 30
    app.idle.touch()
    try:
        kiosk.wait_until(lambda: app.overlay.shown)
        kiosk.screenshot("countdown")
    finally:
        app.idle.idle_timeout_s, app.idle.countdown_s = 60.0, 2.0
        app.idle.touch()
