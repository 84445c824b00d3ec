"""Every screen at four sizes in both orientations: nothing outside the window, no label
clipped, no touch target under 48 dp. Screenshots go to screenshots/<orientation>/<size>-<view>.png.

One app for the whole run (conftest): each size resizes the window and walks every view.
Screenshots are read straight from the back buffer and saved with light compression, at half
size above 1920 px: a 4K PNG through Window.screenshot costs seconds each.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kiosk

PORTRAITS = [(480, 800), (800, 1280), (1080, 1920), (2160, 3840)]
SIZES = PORTRAITS + [(h, w) for w, h in PORTRAITS]
SLACK = 1.5  # pixels: layout rounding
SLOW = 30.0  # seconds: a 4K frame on software GL on a busy machine is slow, not stuck


def shoot(kiosk, name: str):
    """A PNG of what the window shows now, under screenshots/<orientation>/."""
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    from tests.kiosk.conftest import SCREENSHOTS

    kiosk.pump(3)  # photos decoded off the UI thread reach the screen
    kiosk.window.dispatch("on_draw")
    width, height = kiosk.window.size
    pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGBA", (width, height), pixels)
    if max(width, height) > 1920:  # halved first (a 2x2 box average), so the rest works on a quarter
        image = image.reduce(2)
    image = image.convert("RGB").transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    folder = SCREENSHOTS / ("portrait" if height >= width else "landscape")
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / f"{name}.png", compress_level=1)


def _box(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def misfits(window, min_touch: float) -> list[str]:
    """What does not fit: widgets outside the window or their layout, clipped labels, small targets."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.carousel import Carousel
    from kivy.uix.label import Label
    from kivy.uix.layout import Layout
    from kivy.uix.scrollview import ScrollView

    problems: list[str] = []
    width, height = window.size

    def name(widget) -> str:
        text = getattr(widget, "text", "")
        return f"{type(widget).__name__}({text[:30]!r})" if isinstance(text, str) and text else type(widget).__name__

    def visit(widget, parent_box, scrolled: bool) -> None:
        if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
            return
        x, y, right, top = box = _box(widget)
        if not scrolled:
            if x < -SLACK or y < -SLACK or right > width + SLACK or top > height + SLACK:
                problems.append(f"{name(widget)} outside the window at {tuple(round(v) for v in box)}")
            elif parent_box is not None and (x < parent_box[0] - SLACK or y < parent_box[1] - SLACK
                                             or right > parent_box[2] + SLACK or top > parent_box[3] + SLACK):
                problems.append(f"{name(widget)} outside its {name(widget.parent)} at "
                                f"{tuple(round(v) for v in box)} vs {tuple(round(v) for v in parent_box)}")
            if isinstance(widget, ButtonBehavior) and min(widget.size) < min_touch - SLACK:
                problems.append(f"{name(widget)} is a {widget.width:.0f}x{widget.height:.0f} touch target")
        if isinstance(widget, Label) and widget.text.strip():
            tw, th = widget.texture_size
            if tw > widget.width + SLACK or th > widget.height + SLACK:
                problems.append(f"{name(widget)} clipped: text {tw:.0f}x{th:.0f} in {widget.width:.0f}x{widget.height:.0f}")
        if isinstance(widget, Carousel):
            children = [widget.current_slide] if widget.current_slide is not None else []
        else:
            children = list(widget.children)
        inner_scrolled = scrolled or isinstance(widget, (ScrollView, Carousel))
        own_box = box if isinstance(widget, Layout) and not inner_scrolled else None
        for child in children:
            visit(child, own_box, inner_scrolled)

    for root in list(window.children):
        visit(root, None, False)
    return problems


def _views(kiosk):
    """Show each view in turn and yield its name once it is on screen."""
    from kivy.factory import Factory

    app = kiosk.app
    catalog = kiosk.bridge.catalog
    yield "attract"
    app.session.start()
    app.go("browse")
    browse = app.screens["browse"]
    kiosk.wait_until(lambda: not browse.loading and browse.total, SLOW, "browse grid")
    yield "browse"
    if browse.compact:  # a short landscape window: the filters wait in a panel
        browse.open_filters()
        yield "browse_filters"
        _dismiss(kiosk)
    search = app.screens["search"]
    app.go("search")
    for key in "robe":
        search.on_key(key)
    kiosk.wait_until(lambda: search.results_count > 0, SLOW, "search results")
    yield "search"
    product_id = next(p.id for p in catalog.browse(lang=app.lang, limit=50)
                      if len({v.size for v in catalog.product(p.id).variants}) > 1)
    product = app.screens["product"]
    app.go("product", product_id=product_id)
    kiosk.wait_until(lambda: product.product is not None and product.product.id == product_id, SLOW)
    yield "product"
    product.sku = catalog.product(product_id).variants[0].sku
    product.request_fitting_room()
    yield "fitting_room"
    _dismiss(kiosk)
    product.continue_on_phone()
    yield "handoff"
    _dismiss(kiosk)
    product.toggle_saved()
    app.go("selection")
    selection = app.screens["selection"]
    kiosk.wait_until(lambda: selection.ids.saved_items.data, SLOW, "selection")
    yield "selection_claim"
    if "for_you" in app.screens:
        app.go("for_you")
        yield "for_you"
    Factory.AccessibilityPanel().open()
    yield "accessibility"
    _dismiss(kiosk)
    app.overlay.seconds = 9
    app.overlay.shown = True
    yield "still_there"
    app.overlay.shown = False
    app.go("scan", purpose="identify")
    yield "scan"
    app.screens["scan"].cancel()
    app.go("staff_pin")
    yield "staff_pin"
    yield from _staff_views(kiosk)
    app.go("pair")  # "Pair this screen": the shared app has no token, so the camera step
    yield "pair"
    app.go("attract")


def _staff_views(kiosk):
    """The staff screen (each tab when the window is compact) and its shopper's list panel."""
    from kiosk.screens.clienteling import ShopperListPanel
    from tests.kiosk.test_for_you import identify

    app = kiosk.app
    identify(kiosk)  # an identified shopper: the header also holds "Shopper's list"
    app.staff_mode = True
    staff = app.screens["staff"]
    app.go("staff")
    if staff.tabbed:
        for key in "ROBE":
            staff.on_key(key)
        kiosk.wait_until(lambda: len(staff.ids.results.children) > 1, SLOW, "staff lookup")
        yield "staff_lookup"
    first = kiosk.bridge.catalog.browse(lang=app.lang, limit=1)[0].id
    staff.show_product(first)
    kiosk.wait_until(lambda: staff.product_name and staff.ids.stock.children, SLOW, "staff stock")
    yield "staff"
    if staff.tabbed:
        staff.tab = "health"
        kiosk.wait_until(lambda: staff.ids.health.children, SLOW, "staff health")
        yield "staff_health"
    staff.open_shopper_list()
    panel = kiosk.wait_until(lambda: kiosk.find(lambda w: isinstance(w, ShopperListPanel)), SLOW, "shopper's list")
    kiosk.wait_until(lambda: panel.ids.rows.children, SLOW, "the shopper's rows")
    yield "staff_shopper_list"
    _dismiss(kiosk)
    app.staff_mode = False


def _dismiss(kiosk) -> None:
    from kiosk.widgets import dismiss_panels

    dismiss_panels(kiosk.window)
    kiosk.pump(2)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_the_window(kiosk, size):
    kiosk.set_size(*size)
    min_touch = kiosk.app.layout.min_touch
    found: dict[str, list[str]] = {}
    for view in _views(kiosk):
        kiosk.settle()
        shoot(kiosk, f"{size[0]}x{size[1]}-{view}")
        problems = misfits(kiosk.window, min_touch)
        if problems:
            found[view] = problems
    report = "\n".join(f"{view}: " + "\n    ".join(p) for view, p in found.items())
    assert not found, f"at {size[0]}x{size[1]}:\n{report}"


def test_the_checker_sees_a_label_cut_by_the_window(kiosk):
    """The checks above can fail: a label wider than the window is reported."""
    from kivy.uix.label import Label

    label = Label(text="A deliberately long line " * 12, size_hint=(None, None), size=(200, 40))
    kiosk.window.add_widget(label)
    try:
        kiosk.pump(2)
        label.x = kiosk.window.width - 100
        kiosk.pump(2)
        problems = misfits(kiosk.window, kiosk.app.layout.min_touch)
    finally:
        kiosk.window.remove_widget(label)
    assert any("outside the window" in p for p in problems)
    assert any("clipped" in p for p in problems)
