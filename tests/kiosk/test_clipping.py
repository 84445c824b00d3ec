"""The browse screen draws without the stencil buffer (kiosk/clipping.py): photos are
cropped by texture coordinates and the grid and rows are clipped by a scissor."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kiosk


def instructions(widget):
    """Every canvas instruction of widget and its descendants, in drawing order."""
    for group in (widget.canvas.before, widget.canvas, widget.canvas.after):
        yield from walk(group)
    for child in widget.children:
        yield from instructions(child)


def walk(group):
    for instruction in getattr(group, "children", []):
        yield instruction
        yield from walk(instruction)


def test_the_browse_grid_is_drawn_without_any_stencil(kiosk):
    from kivy.core.window import Window
    from kivy.graphics import StencilPush
    from kivy.graphics.scissor_instructions import ScissorPush

    kiosk.app.go("browse")
    grid = kiosk.app.screens["browse"].ids.grid
    kiosk.wait_until(lambda: kiosk.screen == "browse" and grid.data and any(
        card.children[-1].texture for card in grid.children[0].children), message="photos in the grid")
    kiosk.pump()
    drawn = list(instructions(Window))
    assert not [i for i in drawn if isinstance(i, StencilPush)]
    assert sum(isinstance(i, ScissorPush) for i in drawn) >= 2  # the grid and the category row


def test_a_cover_photo_is_cropped_to_its_box_not_drawn_past_it(kiosk):
    from kivy.graphics.texture import Texture

    from kiosk.clipping import cover_coords

    texture = Texture.create(size=(320, 400), colorfmt="rgb")
    u0, v0, u1, _, _, v1, _, _ = cover_coords(texture, (616, 789))
    # 320x400 scaled by 789/400 is 631 wide: 616/631 of its width shows, centred; all its height.
    assert (v0, v1) == (0.0, 1.0)
    assert u1 - u0 == pytest.approx(616 / (320 * 789 / 400))
    assert u0 == pytest.approx(1 - u1)
    flipped = Texture.create(size=(400, 400), colorfmt="rgb")
    flipped.flip_vertical()
    u0, v0, u1, _, _, v1, _, _ = cover_coords(flipped, (200, 100))
    assert (u0, u1) == (0.0, 1.0) and v0 == pytest.approx(0.75) and v1 == pytest.approx(0.25)


def test_product_cards_draw_their_photo_inside_the_card(kiosk):
    kiosk.app.go("browse")
    grid = kiosk.app.screens["browse"].ids.grid
    kiosk.wait_until(lambda: kiosk.screen == "browse" and any(
        card.children[-1].texture for card in grid.children[0].children), message="a photo in the grid")
    image = next(card.children[-1] for card in grid.children[0].children if card.children[-1].texture)
    kiosk.pump()
    assert list(image.draw_pos) == list(image.pos) and list(image.draw_size) == list(image.size)


def test_card_photos_are_decoded_at_the_cards_own_pixel_size(kiosk):
    from kiosk.images import decode

    kiosk.app.go("browse")
    grid = kiosk.app.screens["browse"].ids.grid
    kiosk.wait_until(lambda: kiosk.screen == "browse" and any(
        card.children[-1].texture for card in grid.children[0].children), message="a photo in the grid")
    kiosk.pump()
    image = next(card.children[-1] for card in grid.children[0].children if card.children[-1].texture)
    kiosk.wait_until(lambda: tuple(image.texture.size) == (round(image.width), round(image.height)),
                     message=f"a {image.size} photo, not {image.texture.size}")
    assert image.texture.mag_filter == "nearest"  # drawn pixel for pixel: nothing to filter
    assert decode(image.path, (617, 790), crop=True)[:2] == (617, 790)


def test_card_photos_blend_only_while_their_screen_fades(kiosk):
    kiosk.app.go("browse")
    browse = kiosk.app.screens["browse"]
    grid = browse.ids.grid
    kiosk.wait_until(lambda: kiosk.screen == "browse" and any(
        card.children[-1].texture for card in grid.children[0].children), message="a photo in the grid")
    image = next(card.children[-1] for card in grid.children[0].children if card.children[-1].texture)
    assert image.opaque
    image.blend_off()
    assert image._unblended  # opaque and fully shown: drawn without blending
    image.blend_on()
    assert not image._unblended
    browse.opacity = 0.5  # a screen change dips through the page colour: the photo must fade with it
    try:
        image.blend_off()
        assert not image._unblended
    finally:
        browse.opacity = 1
