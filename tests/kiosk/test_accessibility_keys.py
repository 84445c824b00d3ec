"""Keyboard and keypad control of the real app (kiosk/focus.py): focus order, a visible
focus ring, every shopper action by keys, and the audio guide hearing what is focused."""

from __future__ import annotations

import pytest

from kiosk.keys import ENTER, F2, KP, KP_PLUS, TAB  # not kiosk.focus: importing Kivy's Window here would make it 800x600
from tests.kiosk.test_accessibility_speech import RecordingSpeech

pytestmark = pytest.mark.kiosk


@pytest.fixture
def keys(kiosk):
    """The driver plus press(key, shift=False); the app's voice replaced by a recording double."""
    app = kiosk.app
    real, app.guide.engine = app.guide.engine, RecordingSpeech()

    def press(key, shift=False):
        kiosk.window.dispatch("on_key_down", key, 0, None, ["shift"] if shift else [])
        kiosk.pump(2)

    kiosk.press = press
    kiosk.voice = app.guide.engine
    yield kiosk
    app.guide.engine = real


def tab_to(kiosk, predicate, limit=80):
    for _ in range(limit):
        kiosk.press(TAB)
        if kiosk.app.focus.focused is not None and predicate(kiosk.app.focus.focused):
            return kiosk.app.focus.focused
    names = [f"{type(w).__name__}:{getattr(w, 'text', '')[:20]}" for w in kiosk.app.focus.candidates()]
    raise AssertionError(f"no focusable widget matched on {kiosk.screen} among {names}")


def test_a_key_starts_the_visit_and_tab_walks_in_reading_order(keys):
    keys.press(ENTER)
    keys.wait_until(lambda: keys.screen == "browse")
    keys.settle()
    order = []
    for _ in range(6):
        keys.press(TAB)
        order.append(keys.app.focus.focused)
    tops = [w.to_window(w.x, w.top)[1] for w in order]
    assert tops == sorted(tops, reverse=True) or len(set(round(t) for t in tops)) < len(tops)
    assert order[0].text == keys.app.tr("Explore") or order[0].text  # the top bar comes first
    keys.press(TAB, shift=True)
    assert keys.app.focus.focused is order[-2]


def test_the_focus_ring_is_drawn_around_the_focused_button(keys):
    keys.press(ENTER)
    keys.wait_until(lambda: keys.screen == "browse")
    keys.settle()
    widget = tab_to(keys, lambda w: True)
    ring = keys.app.focus
    assert ring._colour.a == 1 and tuple(ring._colour.rgba) == tuple(keys.app.theme.accent)
    x, y = widget.to_window(widget.x, widget.y)
    rx, ry, rw, rh = ring._line.rounded_rectangle[:4]
    assert rx < x and ry < y and rx + rw > x + widget.width and ry + rh > y + widget.height
    keys.screenshot("focus-ring")


def test_a_shopper_can_request_a_fitting_room_with_keys_only(keys):
    from kiosk.widgets import InfoPanel, ProductCard, Swatch

    keys.press(ENTER)
    keys.wait_until(lambda: keys.screen == "browse")
    browse = keys.app.screens["browse"]
    keys.wait_until(lambda: not browse.loading and browse.total)
    keys.settle()
    catalog = keys.bridge.catalog

    def sized(product_id):
        return len({v.size for v in catalog.product(product_id).variants}) > 1

    category = next(c for c in catalog.categories("fr")
                    if sized(catalog.browse(lang="fr", category=c, limit=1)[0].id))
    tab_to(keys, lambda w: getattr(w, "category", None) == category)
    keys.press(ENTER)
    keys.wait_until(lambda: browse.category == category and not browse.loading)
    keys.settle()
    card = tab_to(keys, lambda w: isinstance(w, ProductCard) and w.product_id and sized(w.product_id))
    keys.press(ENTER)
    product = keys.app.screens["product"]
    keys.wait_until(lambda: keys.screen == "product" and product.product and product.product.id == card.product_id)
    keys.settle()
    skus = {v.sku for v in product.product.variants}
    size = tab_to(keys, lambda w: isinstance(w, Swatch) and w.value in skus)
    keys.press(ENTER)
    keys.wait_until(lambda: product.sku == size.value)
    tab_to(keys, lambda w: w is product.ids.fitting_room.__self__)  # ids are weak proxies
    keys.press(KP[5])  # the keypad's middle key chooses too
    panel = keys.wait_until(lambda: next((w for w in keys.window.children if isinstance(w, InfoPanel)), None))
    assert panel.number
    assert keys.outbox_events("fitting_room_requested")


def test_audio_guide_reads_the_screen_and_the_focused_card(keys):
    from kiosk.widgets import ProductCard

    keys.press(ENTER)
    keys.wait_until(lambda: keys.screen == "browse")
    browse = keys.app.screens["browse"]
    keys.wait_until(lambda: not browse.loading and browse.total)
    keys.settle()
    keys.press(F2)
    assert keys.app.audio_guide
    said = keys.voice.texts[-1]
    assert "Guidage vocal activé" in said and browse.ids.title.text in said and "pièces" in said
    card = tab_to(keys, lambda w: isinstance(w, ProductCard) and w.product_id)
    assert keys.voice.texts[-1] == " ".join(f"{card.name}, {card.price}".split())  # spaces made plain
    keys.press(KP[0])
    assert keys.voice.texts[-1] == keys.voice.texts[-2]
    keys.press(KP_PLUS)
    assert keys.voice.said[-1][2] > 0.8
    keys.app.end_session("done")
    assert not keys.app.audio_guide and not keys.app.guide.enabled


def test_the_product_page_is_read_with_price_and_stock(keys):
    keys.app.guide.enabled = True
    catalog = keys.bridge.catalog
    product_id = catalog.browse(lang="fr", limit=1)[0].id
    product = keys.app.screens["product"]
    keys.app.go("product", product_id=product_id)
    keys.wait_until(lambda: product.product is not None and product.ids.stock.text, 20)
    keys.wait_until(lambda: keys.voice.texts and product.ids.name.text in keys.voice.texts[-1], 20)
    said = keys.voice.texts[-1]
    lines = [product.ids.price.text, *product.ids.stock.text.split("\n")]
    for line in lines:
        assert " ".join(line.split()) in said
    assert said.count(". ") >= len(lines)  # one sentence each
