"""High contrast: every key of the on-screen keyboards and PIN pads can be seen (WCAG 1.4.11).

High contrast fills keys with the page's black. Measured from the colours each key and the
widget behind it actually draw (their canvas instructions), in a real window: the key's fill
or its edge reaches 3:1 against the page, in landscape and portrait, shopper search, staff
lookup, staff PIN and the pairing PIN.
"""

from __future__ import annotations

import pytest

from kiosk.theme import contrast_ratio

pytestmark = pytest.mark.kiosk

NON_TEXT = 3.0  # WCAG 2.2 1.4.11: a component's boundary against what is next to it
SIZES = [(800, 480), (480, 800)]


def drawn(widget) -> list[tuple[str, tuple]]:
    """What widget's canvas.before draws, each shape with the colour it is drawn in."""
    from kivy.graphics import Color

    colour, shapes = None, []
    for instruction in widget.canvas.before.children:
        if isinstance(instruction, Color):
            colour = tuple(instruction.rgba)
        elif type(instruction).__name__ in ("Rectangle", "RoundedRectangle", "Line") and colour is not None:
            shapes.append((type(instruction).__name__, colour))
    return shapes


def page_behind(widget) -> tuple:
    """The colour of the nearest opaque fill an ancestor draws behind widget."""
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        fills = [colour for shape, colour in drawn(parent) if shape != "Line" and colour[3] == 1]
        if fills:
            return fills[-1]
        parent = parent.parent
    raise AssertionError(f"nothing drawn behind {widget}")


def key_contrast(key) -> float:
    """The better of the key's fill and its edge, against the page behind it."""
    page = page_behind(key)
    shapes = [(shape, colour) for shape, colour in drawn(key) if colour[3] > 0]
    assert shapes, f"{key.text!r} draws nothing"
    return max(contrast_ratio(colour, page) for _shape, colour in shapes)


def faint(keys) -> list[str]:
    return [f"{key.text!r} {key_contrast(key):.2f}:1" for key in keys if key_contrast(key) < NON_TEXT]


@pytest.fixture
def high_contrast(kiosk):
    kiosk.app.set_accessibility(large_text=False, high_contrast=True, low_reach=False)
    yield kiosk
    kiosk.app.set_accessibility(high_contrast=False)
    kiosk.app.staff_mode = False


def _name(size) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SIZES, ids=_name)
def test_search_keys_stand_out_from_the_page(high_contrast, size):
    from kiosk.widgets import KeyButton

    kiosk = high_contrast
    kiosk.set_size(*size)
    kiosk.app.session.start()
    kiosk.app.go("search")
    kiosk.settle()
    keys = [w for w in kiosk.app.screens["search"].ids.keyboard.walk(restrict=True) if isinstance(w, KeyButton)]
    assert len(keys) > 30 and kiosk.app.theme.surface == kiosk.app.theme.bg  # the fill alone would not show
    assert faint(keys) == []
    kiosk.screenshot(f"{_name(size)}-search-high-contrast")


@pytest.mark.parametrize("size", SIZES, ids=_name)
def test_staff_lookup_and_pin_keys_stand_out_from_the_page(high_contrast, size):
    from kivy.factory import Factory

    from kiosk.widgets import KeyButton

    kiosk = high_contrast
    app = kiosk.app
    kiosk.set_size(*size)
    app.go("staff_pin")
    kiosk.settle()
    pin = app.screens["staff_pin"]
    digits = [w for w in pin.walk(restrict=True) if isinstance(w, Factory.PinKey)]
    assert len(digits) == 12 and faint(digits) == []
    kiosk.screenshot(f"{_name(size)}-staff_pin-high-contrast")
    app.staff_mode = True
    app.go("staff")
    staff = app.screens["staff"]
    staff.tab = "lookup"
    kiosk.settle()
    keys = [w for w in staff.ids.keyboard.walk(restrict=True) if isinstance(w, KeyButton)]
    assert len(keys) > 30 and faint(keys) == []
    kiosk.screenshot(f"{_name(size)}-staff_lookup-high-contrast")


def test_pairing_pin_keys_stand_out_from_the_page(high_contrast):
    from kivy.factory import Factory

    kiosk = high_contrast
    kiosk.set_size(*SIZES[0])
    kiosk.app.go("pair")
    pair = kiosk.app.screens["pair"]
    pair.step = "pin"
    kiosk.settle()
    keys = [w for w in pair.walk(restrict=True) if isinstance(w, Factory.PairKey)]
    assert len(keys) >= 10 and faint(keys) == []
    kiosk.screenshot(f"{_name(SIZES[0])}-pair_pin-high-contrast")
    kiosk.app.go("attract")


def test_normal_keys_keep_their_tinted_fill_and_no_edge(kiosk):
    from kiosk.widgets import KeyButton

    kiosk.app.set_accessibility(large_text=False, high_contrast=False, low_reach=False)
    kiosk.app.session.start()
    kiosk.app.go("search")
    kiosk.settle()
    key = next(w for w in kiosk.app.screens["search"].ids.keyboard.walk(restrict=True) if isinstance(w, KeyButton))
    assert [colour for shape, colour in drawn(key) if shape == "Line"] == [(0.0, 0.0, 0.0, 0.0)]
