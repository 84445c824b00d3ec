"""Search in a short landscape window (800x480, 1024x552, 1024x600): the keyboard beside the
results, the query field above the keys, a whole row of result cards in view while typing, every
key still 48 dp, and the keys and the results still reached by Tab. Larger and portrait windows
keep the keyboard under the results, with a whole row of cards above it."""

from __future__ import annotations

import pytest

from kiosk.keys import ENTER, TAB  # not kiosk.focus: importing Kivy's Window here would make it 800x600
from tests.kiosk.test_accessibility_keys import keys, tab_to  # noqa: F401 - keys is a fixture
from tests.kiosk.test_layout_screens import misfits

pytestmark = pytest.mark.kiosk

COMPACT = [(800, 480), (1024, 552), (1024, 600)]
UNDER = [(480, 800), (1280, 800)]
SLACK = 1.0  # pixels: layout rounding


def _box(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _overlap(a, b) -> bool:
    return a[0] < b[2] - SLACK and b[0] < a[2] - SLACK and a[1] < b[3] - SLACK and b[1] < a[3] - SLACK


def search_for(kiosk, size, word="robe"):
    """The search screen of a started visit at size, word typed key by key on its keyboard."""
    kiosk.set_size(*size)
    app = kiosk.app
    app.session.start()
    app.go("search")
    kiosk.settle()
    search = app.screens["search"]
    search.pause_s = 60  # software GL can be slower than a shopper's pause between two keys
    kiosk.type(word)
    kiosk.wait_until(lambda: search.results_count > 0 and search.ids.results.data, message="results")
    kiosk.settle()
    return search


@pytest.fixture
def restore_pause(kiosk):
    yield
    kiosk.app.screens["search"].pause_s = 1.5


def whole_cards(search) -> list:
    """The result cards lying wholly inside the results' viewport."""
    from kiosk.widgets import ProductCard

    view = _box(search.ids.results)
    return [card for card in search.ids.results.children[0].children
            if isinstance(card, ProductCard) and card.product_id
            and (box := _box(card))[0] >= view[0] - SLACK and box[1] >= view[1] - SLACK
            and box[2] <= view[2] + SLACK and box[3] <= view[3] + SLACK]


@pytest.mark.parametrize("size, large_text", [(size, False) for size in COMPACT] + [(COMPACT[0], True)],
                         ids=[f"{w}x{h}" for w, h in COMPACT] + ["800x480-large-text"])
def test_a_short_landscape_window_shows_a_whole_row_of_results_beside_the_keys(kiosk, restore_pause, size,
                                                                              large_text):
    from kiosk.widgets import KeyButton, LocalImage

    # Large text at 800x480 is the tightest: the top bar takes two rows (the field overflowed by 17 px).
    kiosk.app.set_accessibility(large_text=large_text, high_contrast=False, low_reach=False)
    search = search_for(kiosk, size)
    keyboard, results = search.ids.keyboard, search.ids.results
    width, height = kiosk.window.size
    assert search.beside
    kb, rv = _box(keyboard), _box(results)
    assert not _overlap(kb, rv), f"keyboard {kb} overlaps the results {rv}"
    assert kb[1] >= -SLACK and kb[2] <= width + SLACK
    # Before, at 800x480: the keyboard under the results left them 33 px, cards squashed to 190x33.
    cols = results.children[0].cols
    row = min(cols, search.results_count)
    kiosk.wait_until(lambda: len(whole_cards(search)) >= row, message="a whole row of result cards")
    for card in whole_cards(search)[:row]:  # whole, not squashed into what is left: a 4:5 photo and its caption
        photo = next(w for w in card.walk(restrict=True) if isinstance(w, LocalImage))
        assert card.height >= card.width * 1.25 and min(photo.size) >= kiosk.app.theme.dp(120), \
            f"{card.name}: a {card.width:.0f}x{card.height:.0f} card, its photo {photo.size}"
    assert rv[3] - rv[1] >= 0.6 * height, "the results keep most of the window's height"
    # The typed text sits above the keys, in the same column, and is not cut.
    field = _box(search.ids.field)
    assert search.ids.query.text == "robe"
    assert field[1] >= kb[3] - SLACK and field[0] >= kb[0] - SLACK and field[2] <= kb[2] + SLACK
    min_touch = kiosk.app.layout.min_touch
    sizes = [(k.width, k.height) for k in keyboard.walk(restrict=True) if isinstance(k, KeyButton)]
    assert len(sizes) > 30 and min(min(s) for s in sizes) >= min_touch - SLACK, min(sizes)
    assert misfits(kiosk.window, min_touch) == []
    kiosk.screenshot(f"{width}x{height}-search-beside" + ("-large-text" if large_text else ""))


@pytest.mark.parametrize("size", UNDER, ids=[f"{w}x{h}" for w, h in UNDER])
def test_portrait_and_larger_windows_keep_the_keyboard_under_the_results(kiosk, restore_pause, size):
    kiosk.set_size(800, 480)  # beside first: the query field must come back above the results
    kiosk.pump(2)
    search = search_for(kiosk, size)
    assert not search.beside
    main = search.ids.main.__self__
    assert search.ids.field.parent is main and main.children.index(search.ids.field.__self__) == 1
    kb, rv = _box(search.ids.keyboard), _box(search.ids.results)
    assert kb[3] <= rv[1] + SLACK, "the keyboard lies under the results"
    assert kb[0] <= SLACK and kb[2] >= kiosk.window.width - SLACK, "across the whole width"
    grid = search.ids.results.children[0]
    card = grid.width / grid.cols * 1.25 + kiosk.app.theme.fs(64)  # a whole card, as search.kv sizes it
    assert rv[3] - rv[1] >= card - SLACK, f"{rv[3] - rv[1]:.0f} px of results for {card:.0f} px cards"


def test_tab_reaches_the_keys_and_the_results_beside_them(keys, restore_pause):
    from kiosk.widgets import KeyButton, ProductCard

    search = search_for(keys, COMPACT[0])
    key = tab_to(keys, lambda w: isinstance(w, KeyButton) and w.key == "backspace")
    keys.press(ENTER)
    keys.wait_until(lambda: search.query == "rob", message="the key pressed by Enter")
    keys.wait_until(lambda: search.results_count > 0 and whole_cards(search), message="the results of 'rob'")
    assert keys.app.focus.focused is key
    # Every key and every card in view is on the way round, each once.
    order = keys.app.focus.candidates()
    in_view = whole_cards(search)
    assert all(card in order for card in in_view)
    board = [w for w in search.ids.keyboard.walk(restrict=True) if isinstance(w, KeyButton)]
    assert all(k in order for k in board) and len(set(order)) == len(order)
    # The results are read together, not a row of cards between two rows of keys.
    places = [i for i, w in enumerate(order) if isinstance(w, ProductCard)]
    assert len(places) >= len(in_view) >= 2
    assert places == list(range(places[0], places[0] + len(places))), places
    # Keys are read row by row, left to right: "a" before "z", that row before "q".
    assert order.index(_key(board, "a")) < order.index(_key(board, "z")) < order.index(_key(board, "q"))
    keys.press(TAB, shift=True)  # leave the key, then find the results again
    card = tab_to(keys, lambda w: isinstance(w, ProductCard) and w.product_id)
    product_id = card.product_id
    keys.press(ENTER)
    keys.wait_until(lambda: keys.screen == "product", message="the result opened by Enter")
    assert keys.app.screens["product"].product.id == product_id


def _key(board, char):
    return next(k for k in board if k.key == char)
