"""Test helper: camera-like 1280x720 frames showing a QR code or an EAN-13 on a phone screen.

    code = qr_image("https://example.com")
    frame = camera_frame(code, seed=3, rotate=20, blur=1.2, noise=8)   # PIL RGB image
    frame = random_frame(code, seed=7)                                 # a seeded mix of degradations
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter

SIZE = (1280, 720)

# EAN-13 encoding tables: L (odd parity), G (even parity), R; the first digit picks L/G per position.
_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011",
      "0110111", "0001011"]
_G = ["".join("1" if b == "0" else "0" for b in reversed(code)) for code in _L]
_R = ["".join("1" if b == "0" else "0" for b in code) for code in _L]
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG",
           "LGLGGL", "LGGLGL"]


def ean13_check_digit(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def ean13_modules(digits: str) -> str:
    """The 95 modules (1 = bar) of an EAN-13; digits has 12 or 13 digits."""
    if len(digits) == 12:
        digits += ean13_check_digit(digits)
    assert len(digits) == 13 and digits.isdigit() and digits[12] == ean13_check_digit(digits[:12])
    left = "".join((_L if p == "L" else _G)[int(d)] for p, d in zip(_PARITY[int(digits[0])], digits[1:7]))
    right = "".join(_R[int(d)] for d in digits[7:])
    return "101" + left + "01010" + right + "101"


def ean13_image(digits: str, *, module_px: int = 3, height: int = 110, quiet: int = 11) -> Image.Image:
    """A black-on-white EAN-13 barcode drawn from the encoding tables."""
    modules = ean13_modules(digits)
    width = (len(modules) + 2 * quiet) * module_px
    img = Image.new("L", (width, height + 2 * module_px * 4), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = (quiet + i) * module_px
            draw.rectangle([x, module_px * 4, x + module_px - 1, module_px * 4 + height], fill=0)
    return img.convert("RGB")


def qr_image(text: str, *, box_size: int = 6, border: int = 4) -> Image.Image:
    """A QR code of text (error correction M)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


@dataclass(frozen=True)
class Degradation:
    """How a frame is spoiled; zero/None means not at all."""

    rotate: float = 0.0        # degrees, phone rotated in the image plane
    tilt: float = 0.0          # 0..0.35, perspective: one side of the phone farther away
    blur: float = 0.0          # GaussianBlur radius in px
    noise: float = 0.0         # gaussian noise sigma (0..255 scale)
    contrast: float = 1.0      # < 1 squeezes the range around mid-grey
    glare: float = 0.0         # 0..1 strength of a bright radial blob over the code
    jpeg: int | None = None    # JPEG quality to recompress at
    code_width: int = 300      # width of the code on the frame, px
    brightness: float = 0.0    # added to every pixel after contrast (-80..80)


def _clutter(rng: random.Random) -> Image.Image:
    """A busy shop-like background: shelves, boxes, stripes and text-like marks."""
    base = tuple(rng.randrange(60, 200) for _ in range(3))
    img = Image.new("RGB", SIZE, base)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(-100, SIZE[0]), rng.randrange(-100, SIZE[1])
        w, h = rng.randrange(20, 300), rng.randrange(10, 200)
        color = tuple(rng.randrange(0, 256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x, y, x + w, y + h], fill=color)
        else:
            draw.ellipse([x, y, x + w, y + h], fill=color)
    for _ in range(25):  # thin stripes look like bars to a careless decoder
        x = rng.randrange(0, SIZE[0])
        draw.line([x, 0, x + rng.randrange(-200, 200), SIZE[1]],
                  fill=tuple(rng.randrange(0, 256) for _ in range(3)), width=rng.randrange(1, 5))
    return img


def _phone(code: Image.Image, code_width: int) -> Image.Image:
    """The code on a white screen inside a black rounded bezel (RGBA, transparent corners)."""
    scale = code_width / code.width
    code = code.resize((code_width, max(1, round(code.height * scale))), Image.NEAREST)
    pad = max(12, code_width // 10)
    screen_w, screen_h = code.width + 2 * pad, int((code.height + 2 * pad) * 1.6)
    bezel = max(10, code_width // 18)
    phone = Image.new("RGBA", (screen_w + 2 * bezel, screen_h + 2 * bezel), (0, 0, 0, 0))
    draw = ImageDraw.Draw(phone)
    draw.rounded_rectangle([0, 0, phone.width - 1, phone.height - 1], radius=bezel * 2, fill=(15, 15, 18, 255))
    draw.rectangle([bezel, bezel, bezel + screen_w - 1, bezel + screen_h - 1], fill=(245, 245, 240, 255))
    top = bezel + (screen_h - code.height) // 2
    phone.paste(code, (bezel + pad, top))
    return phone


def _perspective(img: Image.Image, tilt: float, rng: random.Random) -> Image.Image:
    """Make one side of img farther away (a trapezoid), as if the phone were tilted."""
    w, h = img.size
    d = tilt * h / 2
    if rng.random() < 0.5:   # left side farther: it shrinks vertically
        dst = [(0, d), (w, 0), (w, h), (0, h - d)]
    else:                    # top farther: it shrinks horizontally
        d = tilt * w / 2
        dst = [(d, 0), (w - d, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, [(0, 0), (w, 0), (w, h), (0, h)])
    return img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC)


def _perspective_coeffs(dst: list, src: list) -> list[float]:
    """Coefficients mapping output (dst) points to input (src) points, for Image.transform."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist()


def camera_frame(code: Image.Image, *, seed: int = 0, degradation: Degradation | None = None,
                 **kwargs) -> Image.Image:
    """A 1280x720 RGB frame: the code on a phone in a cluttered scene, degraded as asked."""
    d = degradation or Degradation(**kwargs)
    rng = random.Random(seed)
    scene = _clutter(rng)
    phone = _phone(code, d.code_width)
    if d.tilt:
        phone = _perspective(phone, d.tilt, rng)
    if d.rotate:
        phone = phone.rotate(d.rotate, resample=Image.BICUBIC, expand=True)
    max_x, max_y = SIZE[0] - phone.width, SIZE[1] - phone.height
    pos = (rng.randrange(0, max(1, max_x)), rng.randrange(0, max(1, max_y)))
    scene.paste(phone, pos, phone)
    if d.glare:
        cx = pos[0] + phone.width // 2 + rng.randrange(-d.code_width // 4, d.code_width // 4 + 1)
        cy = pos[1] + phone.height // 2 + rng.randrange(-d.code_width // 4, d.code_width // 4 + 1)
        scene = _glare(scene, (cx, cy), d.code_width * 0.35, d.glare)
    if d.blur:
        scene = scene.filter(ImageFilter.GaussianBlur(d.blur))
    arr = np.asarray(scene, dtype=np.float32)
    if d.contrast != 1.0 or d.brightness:
        arr = (arr - 128.0) * d.contrast + 128.0 + d.brightness
    if d.noise:
        arr = arr + np.random.default_rng(seed).normal(0.0, d.noise, arr.shape).astype(np.float32)
    scene = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if d.jpeg:
        buf = io.BytesIO()
        scene.save(buf, "JPEG", quality=d.jpeg)
        scene = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return scene


def _glare(img: Image.Image, center: tuple[int, int], radius: float, strength: float) -> Image.Image:
    """A bright radial blob, like a ceiling light reflected in the phone's glass."""
    h, w = img.height, img.width
    yy, xx = np.ogrid[:h, :w]
    dist2 = (xx - center[0]) ** 2 + (yy - center[1]) ** 2
    blob = np.exp(-dist2 / (2 * radius * radius)).astype(np.float32) * strength
    arr = np.asarray(img, dtype=np.float32)
    arr = arr + (255.0 - arr) * blob[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def random_degradation(seed: int, *, ean: bool = False) -> Degradation:
    """A seeded mix of realistic degradations (each frame gets two to four of them)."""
    rng = random.Random(seed * 7919 + 1)
    chosen = set(rng.sample(["rotate", "tilt", "blur", "noise", "contrast", "glare", "jpeg"], rng.randint(2, 4)))
    return Degradation(
        rotate=rng.uniform(10, 30) * rng.choice([-1, 1]) if "rotate" in chosen else rng.uniform(-4, 4),
        tilt=rng.uniform(0.1, 0.3) if "tilt" in chosen else 0.0,
        blur=rng.uniform(0.8, 1.8) if "blur" in chosen else 0.0,
        noise=rng.uniform(6, 16) if "noise" in chosen else 0.0,
        contrast=rng.uniform(0.3, 0.5) if "contrast" in chosen else 1.0,
        glare=rng.uniform(0.4, 0.7) if "glare" in chosen else 0.0,
        jpeg=rng.randint(25, 55) if "jpeg" in chosen else None,
        code_width=rng.randint(320, 420) if ean else rng.randint(260, 380),
        brightness=rng.uniform(-30, 30),
    )


def random_frame(code: Image.Image, seed: int, *, ean: bool = False) -> Image.Image:
    return camera_frame(code, seed=seed, degradation=random_degradation(seed, ean=ean))
