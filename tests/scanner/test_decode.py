"""decode() on real QR/EAN-13 images and camera-like degraded frames, decoded by pyzbar."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from pyzbar import pyzbar

from kiosk.scanning.decode import SYMBOLS, Code, decode

from .camera_frames import camera_frame, ean13_image, ean13_modules, qr_image

URL = "https://app.example.com/claim/K7Q2ZP"
EAN = "4006381333931"
# Budget high enough that a loaded CI machine tries every pass: these tests check what is found, not speed.
NO_RUSH = 10_000


def test_plain_qr_image_in_every_input_form():
    img = qr_image(URL)
    rgb = np.asarray(img)
    gray = np.asarray(img.convert("L"))
    rgba = np.dstack([rgb, np.full(gray.shape, 255, np.uint8)])
    for form in (img, img.convert("L"), rgb, gray, rgba):
        assert decode(form) == [Code("qrcode", URL)]


def test_unicode_and_markup_text_round_trips():
    text = "[b]hi[/b] & [color=ff0000] — café"
    assert decode(qr_image(text)) == [Code("qrcode", text)]


def test_ean13_drawn_from_the_encoding_tables():
    assert len(ean13_modules(EAN)) == 95
    assert decode(ean13_image(EAN)) == [Code("ean13", EAN)]


def test_two_codes_in_one_frame_are_both_reported_once():
    canvas = Image.new("RGB", (900, 400), "white")
    canvas.paste(qr_image(URL), (20, 20))
    canvas.paste(ean13_image(EAN), (420, 100))
    assert sorted(decode(canvas, budget_ms=NO_RUSH), key=lambda c: c.kind) == [
        Code("ean13", EAN), Code("qrcode", URL)]


def test_blank_frame_finds_nothing():
    assert decode(np.full((720, 1280, 3), 128, np.uint8)) == []


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 2), np.uint8), np.zeros(10, np.uint8)])
def test_bad_array_shape_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="shape"):
        decode(bad)


def test_not_an_image_is_a_clear_error():
    with pytest.raises(TypeError, match="PIL image or a numpy array"):
        decode(b"png bytes")


DEGRADED = {
    "rotated": dict(rotate=25, code_width=300),
    "tilted": dict(tilt=0.18, code_width=340),
    "blurred": dict(blur=1.6, code_width=320),
    "noisy": dict(noise=18, code_width=300),
    "low contrast": dict(contrast=0.25, brightness=-20, code_width=300),
    "glare": dict(glare=0.7, code_width=320),
    "jpeg": dict(jpeg=20, code_width=280),
    "small": dict(code_width=150),
    "everything": dict(rotate=-15, tilt=0.12, blur=1.0, noise=8, contrast=0.5, glare=0.4, jpeg=45, code_width=340),
}


@pytest.mark.parametrize("name", list(DEGRADED))
def test_qr_found_on_degraded_camera_frame(name):
    frame = camera_frame(qr_image(URL), seed=11, **DEGRADED[name])
    assert frame.size == (1280, 720)
    assert Code("qrcode", URL) in decode(frame, budget_ms=NO_RUSH)


@pytest.mark.parametrize("name", ["rotated", "blurred", "low contrast", "glare", "jpeg"])
def test_ean13_found_on_degraded_camera_frame(name):
    frame = camera_frame(ean13_image(EAN), seed=5, **dict(DEGRADED[name], code_width=380))
    assert Code("ean13", EAN) in decode(frame, budget_ms=NO_RUSH)


def test_decode_finds_codes_that_raw_pyzbar_misses():
    """Across a few hard frames the preprocessing must pay off at least once."""
    hard = [camera_frame(ean13_image(EAN), seed=s, rotate=24, blur=1.3, contrast=0.4, code_width=380)
            for s in range(3)]
    hard += [camera_frame(qr_image(URL), seed=s, contrast=0.2, noise=14, code_width=260) for s in range(3)]
    raw = sum(bool(pyzbar.decode(f, symbols=SYMBOLS)) for f in hard)
    ours = sum(bool(decode(f, budget_ms=NO_RUSH)) for f in hard)
    assert ours > raw
