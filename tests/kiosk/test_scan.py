"""The scan screen with real images decoded by pyzbar from a folder "camera"."""

from __future__ import annotations

import dataclasses
import time

import pytest
from PIL import Image

from tests.scanner import tokens_helper as tokens
from tests.scanner.camera_frames import ean13_image, qr_image

pytestmark = pytest.mark.kiosk


def frame_of(code: Image.Image) -> Image.Image:
    """The code centred on a light 960x720 frame, as a camera would see it."""
    frame = Image.new("RGB", (960, 720), (235, 232, 228))
    code = code.convert("RGB")
    frame.paste(code, ((960 - code.width) // 2, (720 - code.height) // 2))
    return frame


@pytest.fixture
def camera(kiosk, tmp_path):
    """Point settings.kiosk.camera at a folder; call it with a code image to fill the folder."""
    app = kiosk.app
    original = app.settings
    folder = tmp_path / "camera"
    folder.mkdir()
    app.settings = dataclasses.replace(original, kiosk=dataclasses.replace(original.kiosk, camera=str(folder)))
    app.screens["scan"].idle_timeout_s = 60

    def show(code: Image.Image) -> None:
        frame_of(code).save(folder / "frame-1.png")

    yield show
    if kiosk.screen == "scan":
        app.screens["scan"].cancel()
        kiosk.settle()
    app.settings = original
    app.screens["scan"].idle_timeout_s = 0
    app.staff_mode = False


def scan_message(kiosk) -> str:
    return kiosk.app.screens["scan"].message


def a_product_with_ean(kiosk):
    catalog = kiosk.app.bridge.catalog
    for card in catalog.browse(lang="fr", limit=50):
        product = catalog.product(card.id)
        for variant in product.variants:
            if variant.ean and len(variant.ean) == 13:
                return product, variant
    pytest.skip("no product with an EAN-13 in the test catalog")


def test_scanned_ean_opens_the_product_page(kiosk, camera):
    product, variant = a_product_with_ean(kiosk)
    camera(ean13_image(variant.ean))
    kiosk.app.go("scan", purpose="product")
    kiosk.wait_until(lambda: kiosk.screen == "product", timeout=10, message="the product page")
    page = kiosk.app.screens["product"]
    kiosk.wait_until(lambda: page.product is not None, message="the product loaded")
    assert page.product.id == product.id and page.sku == variant.sku


def test_scanned_ean_in_staff_mode_shows_its_stock(kiosk, camera):
    product, variant = a_product_with_ean(kiosk)
    camera(ean13_image(variant.ean))
    app = kiosk.app
    app.screens["staff"].idle_timeout_s = 60
    app.staff_mode = True
    app.go("staff")
    kiosk.settle()
    kiosk.tap(kiosk.find("scan_product"))
    kiosk.wait_until(lambda: kiosk.screen == "staff", timeout=10, message="back to the staff screen")
    staff = app.screens["staff"]
    kiosk.wait_until(lambda: staff.product_name == product.title(app.lang), message="the product's stock")
    here = {s.sku: s.on_hand for s in app.bridge.catalog.stock_for_product(product.id)
            if s.location == "store:paris-marais"}
    cells = [w for w in staff.ids.stock.children][::-1]
    picked = [c.text for c in cells if c.picked]
    assert picked[0] == variant.size and picked[2] == str(here.get(variant.sku, 0))
    staff.idle_timeout_s = 0
    app.staff_mode = False


def test_app_token_identifies_the_shopper(kiosk, camera):
    pair = tokens.KeyPair.generate("kiosk-test-1")
    kiosk.app.bridge.state.set_jwks(tokens.jwks(pair))
    token = tokens.sign(pair, tokens.claims("prof-777", now=time.time()))
    camera(qr_image(token, box_size=4))
    kiosk.app.go("browse")
    kiosk.settle()
    kiosk.app.go("scan", purpose="identify")
    kiosk.settle()
    kiosk.screenshot("scan_identify")
    # identified outside the holdout: their "For you" list (kiosk/screens/for_you.py)
    kiosk.wait_until(lambda: kiosk.screen == "for_you", timeout=10, message="on to For you")
    assert kiosk.app.session.profile_id == "prof-777"
    identified = kiosk.outbox_events("shopper_identified")
    assert [e["profile_id"] for e in identified] == ["prof-777"]
    assert identified[0]["payload"]["method"] == "app_qr"


def test_expired_app_token_gets_the_expired_message(kiosk, camera):
    pair = tokens.KeyPair.generate("kiosk-test-2")
    kiosk.app.bridge.state.set_jwks(tokens.jwks(pair))
    token = tokens.sign(pair, tokens.claims("prof-888", now=time.time() - 3600))
    camera(qr_image(token, box_size=4))
    kiosk.app.go("scan", purpose="identify")
    kiosk.wait_until(lambda: "expired" in scan_message(kiosk) or "expiré" in scan_message(kiosk),
                     timeout=10, message="the expired message")
    assert kiosk.screen == "scan"
    assert kiosk.app.session.profile_id is None
    assert not kiosk.outbox_events("shopper_identified")
    kiosk.screenshot("scan_expired")


def test_markup_in_a_qr_is_shown_literally(kiosk, camera):
    from kivy.core.text.markup import MarkupLabel

    raw = "[b]free[/b] [color=ff0000]gift[/color] [ref=x]now[/ref]"
    camera(qr_image(raw))
    kiosk.app.go("scan", purpose="identify")
    kiosk.wait_until(lambda: "gift" in scan_message(kiosk), timeout=10, message="the not-recognised message")
    label = kiosk.find("message")
    assert label.markup
    # Rendering the label's markup gives back the raw text, brackets and all.
    rendered = MarkupLabel(text=label.text)
    rendered.refresh()
    shown = "".join(word.text for line in rendered._cached_lines for word in line.words)
    assert raw in shown
    assert not label.refs


def test_no_camera_gives_a_calm_message(kiosk):
    app = kiosk.app
    original = app.settings
    app.settings = dataclasses.replace(original, kiosk=dataclasses.replace(original.kiosk, camera="auto"))
    try:
        app.go("scan", purpose="product")
        kiosk.settle()
        screen = app.screens["scan"]
        # This machine has no camera: the screen says so calmly and stays usable.
        assert screen.calm_note and not screen.has_preview
        kiosk.screenshot("scan_no_camera")
        kiosk.tap(kiosk.find("cancel"))
        kiosk.wait_until(lambda: kiosk.screen == "attract")
    finally:
        app.settings = original


def test_scan_screen_returns_after_its_idle_timeout(kiosk, camera):
    camera(qr_image("hello"))
    kiosk.app.go("browse")
    kiosk.settle()
    kiosk.app.screens["scan"].idle_timeout_s = 0.5
    kiosk.app.go("scan", purpose="identify")
    kiosk.wait_until(lambda: kiosk.screen == "browse", message="the scan idle timeout")
    kiosk.settle()
    assert kiosk.app.screens["scan"]._loop is None  # the camera was released
