"""The staff stock lookup lays its keys out by the shopper search's rule (kiosk/layout.py
`keyboard_beside`): in a short landscape window (800x480, 1024x552) the results on the left and
the keys on the right, the query above them, every key 48 dp; where the keys under the results
leave at least two rows of them (1024x600's three cards, 1280x800, portrait), over them."""

from __future__ import annotations

import pytest

from tests.kiosk.test_layout_screens import misfits
from tests.kiosk.test_search_compact import SLACK, _box, _overlap

pytestmark = pytest.mark.kiosk

BESIDE = [(800, 480), (1024, 552)]
OVER = [(1024, 600), (1280, 800), (480, 800)]


@pytest.fixture
def staff_lookup(kiosk):
    """Open the staff screen's lookup at a size and type ROBE on its keyboard."""
    app = kiosk.app

    def open_at(size):
        kiosk.set_size(800, 480) if size != (800, 480) else kiosk.set_size(1280, 800)  # from the other layout
        kiosk.pump(2)
        kiosk.set_size(*size)
        app.staff_mode = True
        app.go("staff")
        staff = app.screens["staff"]
        staff.tab = "lookup"
        staff.on_key("clear")
        kiosk.settle()
        keyboard = staff.ids.keyboard
        for char in "ROBE":
            kiosk.tap(next(w for w in keyboard.walk(restrict=True) if getattr(w, "key", None) == char))
        kiosk.wait_until(lambda: len(staff.ids.results.children) > 1, message="lookup results")
        kiosk.settle()
        return staff

    yield open_at
    app.screens["staff"].query = ""
    app.staff_mode = False


def _keys(staff) -> list:
    from kiosk.widgets import KeyButton

    return [k for k in staff.ids.keyboard.walk(restrict=True) if isinstance(k, KeyButton)]


@pytest.mark.parametrize("size", BESIDE, ids=[f"{w}x{h}" for w, h in BESIDE])
def test_a_short_landscape_lookup_has_its_keys_right_of_the_results(kiosk, staff_lookup, size):
    staff = staff_lookup(size)
    assert staff.beside and staff.query == "ROBE"
    kb, rv = _box(staff.ids.keyboard), _box(staff.ids.results.parent)
    assert not _overlap(kb, rv), f"keyboard {kb} overlaps the results {rv}"
    assert rv[2] <= kb[0] + SLACK, "the results on the left, the keys on the right, as in search"
    assert rv[3] - rv[1] >= 4 * kiosk.app.theme.touch, "the results keep the card's height"
    field = _box(staff.ids.query)
    assert field[1] >= kb[3] - SLACK and field[0] >= kb[0] - SLACK, "the query above the keys"
    min_touch = kiosk.app.layout.min_touch
    assert min(min(k.size) for k in _keys(staff)) >= min_touch - SLACK
    # Exactly ten keys wide: every other pixel goes to the results.
    assert kb[2] - kb[0] == pytest.approx(kiosk.app.layout.side_keyboard_width(10), abs=SLACK)
    assert misfits(kiosk.window, min_touch) == []
    kiosk.screenshot(f"{size[0]}x{size[1]}-staff_lookup-beside")


@pytest.mark.parametrize("size", OVER, ids=[f"{w}x{h}" for w, h in OVER])
def test_a_lookup_with_room_keeps_its_keys_over_at_least_two_results(kiosk, staff_lookup, size):
    staff = staff_lookup(size)
    assert not staff.beside
    panel, entry = staff.ids.lookup_panel.__self__, staff.ids.lookup_entry.__self__
    assert panel.children.index(entry) == len(panel.children) - 1, "the keys on top again"
    kb, rv = _box(staff.ids.keyboard), _box(staff.ids.results.parent)
    assert rv[3] <= kb[1] + SLACK, "the results under the keys"
    assert rv[3] - rv[1] >= 2 * kiosk.app.theme.touch - SLACK, f"{rv[3] - rv[1]:.0f} px of results"
    assert min(min(k.size) for k in _keys(staff)) >= kiosk.app.layout.min_touch - SLACK


def test_the_lookup_card_among_three_at_1024x600_keeps_48_dp_keys(kiosk, staff_lookup):
    staff = staff_lookup((1024, 600))
    assert not staff.tabbed  # the three cards side by side: the lookup's share was 46 px a key
    panel, kb = _box(staff.ids.lookup_panel), _box(staff.ids.keyboard)
    assert kb[0] >= panel[0] - SLACK and kb[2] <= panel[2] + SLACK
    assert min(min(k.size) for k in _keys(staff)) >= kiosk.app.layout.min_touch - SLACK
    kiosk.screenshot("1024x600-staff_lookup")


def test_the_lookup_keeps_its_layout_after_a_theme_change_away_from_it(kiosk, staff_lookup):
    from tests.kiosk.conftest import PORTRAIT

    staff_lookup((1024, 600))
    app = kiosk.app
    app.staff_mode = False
    app.go("attract")
    kiosk.set_size(*PORTRAIT)
    app.set_accessibility(high_contrast=True)  # every rule re-read while staff is off screen
    try:
        staff = staff_lookup((1024, 600))
        # Before: a 0 px column wrapped the heading letter by letter, the keys flipped beside.
        assert not staff.beside
        heading, entry = staff.ids.lookup_heading, _box(staff.ids.lookup_entry)
        assert heading.height <= 3 * app.theme.fs(13), f"a {heading.height:.0f} px heading"
        assert entry[2] - entry[0] >= app.layout.side_keyboard_width(10) - SLACK
        assert min(min(k.size) for k in _keys(staff)) >= app.layout.min_touch - SLACK
    finally:
        app.set_accessibility(high_contrast=False)


def test_the_staff_keyboard_keeps_its_own_padding_after_a_resize(kiosk, staff_lookup):
    staff = staff_lookup((1920, 1080))  # from 800x480: the window and theme rules all re-read
    # Its own 6 dp inset, not the shopper keyboard's page gutter (both rules raced before).
    assert staff.ids.keyboard.padding[0] == pytest.approx(kiosk.app.theme.dp(6))
