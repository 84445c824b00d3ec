"""Browse in a short landscape window (800x480): one slim bar, the filters behind one button,
and a grid that shows at least one whole row of photos; every control still reachable by keys
and touch. Larger and portrait windows keep the reference layout (title, filter row)."""

from __future__ import annotations

import pytest

from kiosk.keys import ENTER, TAB  # not kiosk.focus: importing Kivy's Window here would make it 800x600
from tests.kiosk.test_accessibility_keys import keys, tab_to  # noqa: F401 - keys is a fixture

pytestmark = pytest.mark.kiosk

COMPACT = (800, 480)
REFERENCE = [(1280, 800), (1920, 1080), (480, 800), (1080, 1920)]


def _box(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def open_browse(kiosk, size):
    """The browse screen of a started visit at size, its first page of cards laid out."""
    kiosk.set_size(*size)
    app = kiosk.app
    app.session.start()
    app.go("browse")
    browse = app.screens["browse"]
    kiosk.wait_until(lambda: kiosk.screen == "browse" and not browse.loading and browse.ids.grid.data,
                     message="the browse grid")
    kiosk.settle()
    return browse


def whole_cards(browse) -> list:
    """The product cards lying wholly inside the grid's window (viewport)."""
    from kiosk.widgets import ProductCard

    gx, gy, gright, gtop = _box(browse.ids.grid)
    return [card for card in browse.ids.grid_layout.children
            if isinstance(card, ProductCard) and card.product_id
            and (box := _box(card))[0] >= gx - 1 and box[1] >= gy - 1
            and box[2] <= gright + 1 and box[3] <= gtop + 1]


@pytest.mark.parametrize("size", [COMPACT, (1024, 600)], ids=["800x480", "1024x600"])
def test_a_short_landscape_window_shows_a_whole_row_of_photos(kiosk, size):
    from kiosk.widgets import LocalImage

    browse = open_browse(kiosk, size)
    window_h = kiosk.window.height
    x, y, right, top = _box(browse.ids.grid)
    visible = max(0.0, min(top, window_h) - max(y, 0.0))
    row = browse.ids.grid_layout.default_size[1]
    # Before, at 800x480: the header, title, categories and filters left the grid 159 px of a 371 px row.
    assert visible >= row, f"the grid shows {visible:.0f} px, less than one {row:.0f} px row of cards"
    assert visible >= 0.5 * window_h
    cols = browse.ids.grid_layout.cols
    kiosk.wait_until(lambda: len(whole_cards(browse)) >= cols, message="a whole row of cards")
    for card in whole_cards(browse)[:cols]:
        photo = next(w for w in card.walk(restrict=True) if isinstance(w, LocalImage))
        kiosk.wait_until(lambda: photo.texture is not None, message=f"the photo of {card.name}")
        assert min(photo.size) >= kiosk.app.theme.dp(120), f"{card.name}: a {photo.size} photo is a thumbnail"
    bar = next(w for w in browse.walk(restrict=True) if type(w).__name__ == "TopBar")
    assert bar.height <= kiosk.app.theme.touch + kiosk.app.theme.dp(40), "the top bar is one slim row"
    kiosk.screenshot(f"{size[0]}x{size[1]}-browse-whole-row")


def test_every_filter_and_category_is_reachable_by_keys_in_a_short_window(keys):
    from kivy.uix.spinner import SpinnerOption

    browse = open_browse(keys, COMPACT)
    app = keys.app
    categories = [c for c in browse.ids.categories.children if hasattr(c, "category")]
    assert len(categories) >= 3
    for pill in categories:  # some lie beyond the row's edge: focusing one scrolls it in
        tab_to(keys, lambda w, pill=pill: w is pill)

    def reach(name):
        """Focus the filter spinner `name`: on the screen, or in the panel behind Filters."""
        from kivy.uix.dropdown import DropDown

        keys.wait_until(lambda: not [w for w in keys.window.children if isinstance(w, DropDown)],
                        message="the last drop-down closed")
        spinner = browse.ids[name].__self__
        if spinner not in app.focus.candidates():
            tab_to(keys, lambda w: w is browse.ids.filters_button.__self__)
            keys.press(ENTER)
            keys.wait_until(lambda: spinner in app.focus.candidates(), message=f"{name} in the filters panel")
        return tab_to(keys, lambda w: w is spinner)

    size = next(s for s in app.data.sizes() if s)
    reach("size_filter")
    keys.press(ENTER)  # the drop-down opens: its options take the focus
    tab_to(keys, lambda w: isinstance(w, SpinnerOption) and w.text == size)
    keys.press(ENTER)
    keys.wait_until(lambda: browse.size_filter == size and not browse.loading, message="the size chosen")

    colour = app.data.colors()[0]
    reach("color_filter")
    keys.press(ENTER)
    label = next(label for label, value in browse.color_labels.items() if value == colour)
    tab_to(keys, lambda w: isinstance(w, SpinnerOption) and w.text == label)
    keys.press(ENTER)
    keys.wait_until(lambda: browse.color_filter == colour and not browse.loading, message="the colour chosen")

    reach("sort_filter")
    keys.press(ENTER)
    newest = app.tr("New in")
    tab_to(keys, lambda w: isinstance(w, SpinnerOption) and w.text == newest)
    keys.press(ENTER)
    keys.wait_until(lambda: browse.sort == "newest", message="the sort chosen")

    if getattr(browse, "compact", False):  # the panel closes with its own button, and the focus goes back to Filters
        assert browse.ids.filters_button.text.endswith("2")  # two filters on
        tab_to(keys, lambda w: w is browse._panel.ids.show_results.__self__)
        keys.press(ENTER)
        keys.wait_until(lambda: browse._panel.parent is None, message="the panel closed")
        assert app.focus.focused is browse.ids.filters_button.__self__
        keys.press(TAB)
        assert app.focus.focused is not None and app.focus.focused in app.focus.candidates()


def test_the_filters_panel_by_touch_filters_clears_and_closes(kiosk):
    browse = open_browse(kiosk, COMPACT)
    app = kiosk.app
    assert browse.compact and browse.ids.filter_row.get_root_window() is None  # not above the grid
    kiosk.tap(browse.ids.filters_button)
    panel = browse._panel
    kiosk.wait_until(lambda: panel.parent is not None and browse.ids.size_filter.get_root_window(),
                     message="the filters panel")
    kiosk.settle()
    all_pieces = browse.total
    assert app.tr("Show %d pieces") % all_pieces == panel.ids.show_results.text
    size = next(s for s in app.data.sizes() if s)
    kiosk.tap(browse.ids.size_filter)
    option = kiosk.wait_until(lambda: next((w for w in kiosk.walk() if getattr(w, "text", None) == size
                                            and type(w).__name__ == "KioskOption"), None),
                              message="the size options")
    kiosk.tap(option)
    kiosk.wait_until(lambda: browse.size_filter == size and not browse.loading, message="filtered by size")
    assert browse.total < all_pieces and panel.ids.show_results.text == app.tr("Show %d pieces") % browse.total
    assert browse.ids.filters_button.selected and browse.ids.filters_button.text.endswith("1")
    kiosk.screenshot("800x480-browse-filters")
    kiosk.tap(panel.ids.clear_filters)
    kiosk.wait_until(lambda: not browse.size_filter and not browse.loading and browse.total == all_pieces,
                     message="filters cleared")
    kiosk.tap(panel.ids.show_results)
    kiosk.wait_until(lambda: panel.parent is None, message="the panel closed")
    assert not browse.ids.filters_button.selected


@pytest.mark.parametrize("size", REFERENCE, ids=[f"{w}x{h}" for w, h in REFERENCE])
def test_larger_and_portrait_windows_keep_the_title_and_filter_row(kiosk, size):
    browse = open_browse(kiosk, size)
    assert not getattr(browse, "compact", False)
    for name in ("title", "total", "size_filter", "color_filter", "sort_filter"):
        widget = browse.ids[name]
        assert widget.get_root_window() is not None and widget.opacity == 1 and widget.height > 0, name
    title, spinner, grid = (_box(browse.ids[name]) for name in ("title", "size_filter", "grid"))
    assert title[1] >= spinner[3] - 1 and spinner[1] >= grid[3] - 1  # the title, the filters, then the grid
    filters = browse.ids.get("filters_button")
    assert filters is None or (filters.opacity == 0 and filters.disabled and filters.width == 0)
    grid = browse.ids.grid_layout
    assert grid.cols == max(2, int(grid.width / kiosk.app.theme.dp(300)))  # columns by width, as before
    bar = next(w for w in browse.walk(restrict=True) if type(w).__name__ == "TopBar")
    nav_below = bar.ids.nav.parent is bar
    assert nav_below == kiosk.app.portrait  # a second row in portrait, inline in landscape


@pytest.mark.parametrize("size", [COMPACT, (1024, 600), (1280, 800)], ids=["800x480", "1024x600", "1280x800"])
def test_a_greeted_shopper_keeps_room_for_the_greeting_in_a_landscape_window(kiosk, size):
    # Before, at 1024x600 the tabs stayed inline and the greeting read "Bonjo…mille".
    browse = open_browse(kiosk, size)
    app = kiosk.app
    app.session.identify("p-camille")
    app.session.apply_profile({"id": "p-camille", "first_name": "Camille", "saved_items": []})
    kiosk.wait_until(lambda: app.greeting, message="the greeting")
    kiosk.settle()
    bar = next(w for w in browse.walk(restrict=True) if type(w).__name__ == "TopBar")
    greeting = bar.ids.greeting
    from kivy.core.text import Label as CoreLabel

    whole = CoreLabel(text=greeting.text, font_name=greeting.font_name, font_size=greeting.font_size)
    assert "Camille" in greeting.text and whole.get_extents(greeting.text)[0] <= greeting.width + 1.5
    x, y, right, top = _box(browse.ids.grid)
    assert min(top, kiosk.window.height) - max(y, 0) >= browse.ids.grid_layout.default_size[1]
    kiosk.screenshot(f"{size[0]}x{size[1]}-browse-greeted")
