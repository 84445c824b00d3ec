"""For you, Complete the look, Where is it? and clienteling, on real screens (Xvfb):
driven with real touches, screenshots in both orientations under screenshots/."""

from __future__ import annotations

import pytest

from conftest import LANDSCAPE, PORTRAIT

pytestmark = pytest.mark.kiosk

PROFILE = {"id": "p-camille", "first_name": "Camille", "email": "camille@example.com",
           "last_name": "Durand", "purchases": [{"product_id": "mv-1017", "total": "520.00"}],
           "saved_items": [{"product_id": "mv-1034", "sku": "MV-1034-38-BLK"}, {"product_id": "mv-1001"}]}


def open_product(kiosk, product_id):
    app = kiosk.app
    app.go("product", product_id=product_id)
    product = app.screens["product"]
    kiosk.wait_until(lambda: product.product is not None and product.product.id == product_id)
    kiosk.wait_until(lambda: product.ids.look.children, message="complete the look")
    kiosk.settle()
    return product


def identify(kiosk, profile=PROFILE):
    """Identify the shopper; this kiosk's HQ is unreachable, so the profile is applied by hand
    once the fetch has failed (as HQ's answer would be)."""
    app = kiosk.app
    app.session.identify(profile["id"])
    kiosk.wait_until(lambda: app.session.profile_offline, timeout=10, message="the profile fetch to fail")
    app.session.apply_profile(profile)
    kiosk.pump(2)


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_product_page_shows_where_it_is_and_completes_the_look(kiosk, size):
    app = kiosk.app
    kiosk.set_size(*size)
    product = open_product(kiosk, "mv-1001")  # a Rivoli tote on the ground floor's bag wall
    assert product.location_text == "Rez-de-chaussée, mur des sacs"
    plan = product.ids.plan
    kiosk.wait_until(lambda: plan.texture is not None and plan.marker, message="plan and marker")
    x, y = plan.marker
    assert plan.x <= x <= plan.x + plan.width * 0.5 and plan.y <= y <= plan.top  # ground floor: left half
    looks = [card.product_id for card in reversed(product.ids.look.children)]
    expected = app.data.complete_the_look("mv-1001", location="store:paris-marais", lang="fr", limit=6)
    assert looks == [c.id for c in expected] and len(looks) >= 3
    for pid in looks:
        assert app.data.product(pid).collection == "rivoli" and app.data.product(pid).category != "bags"
    product.ids.scroller.scroll_to(product.ids.where, animate=False)
    kiosk.screenshot("product-where-is-it")
    product.ids.scroller.scroll_y = 0
    kiosk.screenshot("product-complete-the-look")
    app.lang = "en"
    kiosk.wait_until(lambda: product.location_text == "Ground floor, bag wall")
    kiosk.wait_until(lambda: "COMPLETE THE LOOK" in kiosk.texts() and "WHERE IS IT?" in kiosk.texts())
    kiosk.screenshot("product-complete-the-look-en")
    first = product.ids.look.children[-1]
    product.ids.scroller.scroll_y = 0  # the look is at the bottom of the page
    kiosk.pump(5)
    kiosk.tap(first)
    kiosk.wait_until(lambda: product.product is not None and product.product.id == first.product_id)


def test_a_product_without_a_place_here_shows_no_where_section(kiosk):
    app = kiosk.app
    product = open_product(kiosk, "mv-1001")
    product._show_extras("mv-1001", None, [])
    kiosk.pump(2)
    assert product.ids.where.height == 0 and product.ids.look_box.height == 0


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_for_you_shows_saved_pieces_and_what_goes_with_them_and_nothing_private(kiosk, size):
    app = kiosk.app
    kiosk.set_size(*size)
    identify(kiosk)
    app.go("selection")
    kiosk.settle()
    button = kiosk.find("identify")
    assert button.text == "Pour vous" and not button.disabled
    kiosk.tap(button)
    screen = app.screens["for_you"]
    kiosk.wait_until(lambda: kiosk.screen == "for_you" and screen.ids.saved.children, message="For you")
    kiosk.wait_until(lambda: screen.ids.goes_with.children, message="goes with")
    assert screen.title == "Pour vous, Camille"
    saved = [c.product_id for c in reversed(screen.ids.saved.children)]
    assert sorted(saved) == ["mv-1001", "mv-1034"]
    goes_with = {c.product_id for c in screen.ids.goes_with.children}
    assert goes_with and not goes_with & set(saved)
    texts = " ".join(kiosk.texts())
    for private in ("camille@example.com", "Durand", "520"):
        assert private not in texts
    assert any(t.startswith("Taille 38") for t in kiosk.texts())
    kiosk.screenshot("for-you")
    app.lang = "en"
    kiosk.wait_until(lambda: screen.title == "For you, Camille")
    kiosk.screenshot("for-you-en")
    target = screen.ids.goes_with.children[-1]
    screen.ids.scroller.scroll_to(target, animate=False)
    kiosk.pump(3)
    kiosk.tap(target)
    kiosk.wait_until(lambda: kiosk.screen == "product")


def test_the_holdout_gets_no_personal_list_and_is_recorded(kiosk):
    app = kiosk.app
    app.session.holdout = True  # as if drawn into the control group
    app.session.start()
    identify(kiosk)
    started = kiosk.outbox_events("session_started")
    assert [e["payload"]["holdout"] for e in started] == [True]
    assert not app.personal
    app.go("selection")
    kiosk.settle()
    assert kiosk.find("identify").disabled
    app.go("for_you")
    kiosk.settle()
    assert not app.screens["for_you"].ids.saved.children and app.screens["for_you"].title == ""


def test_a_session_outside_the_holdout_records_it_too(kiosk):
    kiosk.tap(kiosk.app.screens["attract"])
    kiosk.wait_until(lambda: kiosk.outbox_events("session_started"))
    assert kiosk.outbox_events("session_started")[0]["payload"]["holdout"] is False


def test_offline_for_you_falls_back_to_what_this_kiosk_knows(kiosk):
    app = kiosk.app  # this bridge's HQ is unreachable: the profile cannot be fetched
    app.session.save("mv-1016", "MV-1016-38-BLK")
    app.session.identify("p-offline")
    screen = app.screens["for_you"]
    kiosk.wait_until(lambda: app.session.profile_offline, timeout=10, message="the profile fetch to fail")
    app.go("for_you")
    kiosk.wait_until(lambda: screen.offline and screen.ids.saved.children)
    assert [c.product_id for c in screen.ids.saved.children] == ["mv-1016"]
    assert screen.title == "Pour vous"
    kiosk.screenshot("for-you-offline")


def test_staff_open_the_shoppers_list_only_while_the_session_is_open(kiosk):
    app = kiosk.app
    identify(kiosk)
    app.go("staff")
    kiosk.settle()
    button = kiosk.find("shopper_list")
    assert button.opacity == 1 and not button.disabled
    kiosk.tap(button)
    panel = kiosk.wait_until(lambda: kiosk.find(lambda w: type(w).__name__ == "ShopperListPanel"))
    kiosk.wait_until(lambda: panel.ids.rows.children, message="the shopper's rows")
    texts = [w.text for w in panel.ids.rows.children]
    assert "Camille" in panel.title and any("Robe" in t or "robe" in t for t in texts)
    assert not any("camille@example.com" in t for t in texts)
    kiosk.screenshot("staff-shopper-list")
    row = next(w for w in reversed(panel.ids.rows.children) if hasattr(w, "on_release") and "·" in w.text)
    kiosk.tap(row)
    staff = app.screens["staff"]
    kiosk.wait_until(lambda: staff.product_name, message="the piece's stock")
    app.end_session("staff")  # the shopper leaves
    app.staff_mode = True
    app.go("staff")
    kiosk.settle()
    assert kiosk.find("shopper_list").disabled
    from kiosk.screens.clienteling import open_shopper_list
    assert open_shopper_list(lambda *_: None) is False
    app.staff_mode = False


@pytest.mark.parametrize("size", [(800, 1280)], ids=["tablet"])
def test_for_you_and_the_look_fit_smaller_windows(kiosk, size):
    app = kiosk.app
    kiosk.set_size(*size)
    identify(kiosk)
    app.go("for_you")
    screen = app.screens["for_you"]
    kiosk.wait_until(lambda: screen.ids.saved.children and screen.ids.goes_with.children)
    kiosk.settle()
    for card in [*screen.ids.saved.children, *screen.ids.goes_with.children]:
        x, _ = card.to_window(card.x, card.y)
        assert x >= 0 and x + card.width <= kiosk.window.width + 1, f"card cut at {size}"
    first = screen.ids.saved.children[-1]
    assert 0 <= first.to_window(*first.center)[1] <= kiosk.window.height, "the list opens at its top"
    kiosk.screenshot(f"for-you-{size[0]}x{size[1]}")
    product = open_product(kiosk, "mv-1001")
    grid = product.ids.look
    assert grid.cols >= 2
    for card in grid.children:
        x, _ = card.to_window(card.x, card.y)
        assert x >= 0 and x + card.width <= kiosk.window.width + 1
    product.ids.scroller.scroll_to(product.ids.where, animate=False)
    kiosk.screenshot(f"product-where-is-it-{size[0]}x{size[1]}")
