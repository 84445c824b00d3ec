"""Find QR codes and retail barcodes in camera frames: zxing-cpp first, pyzbar where it helps.

    for code in decode(frame):        # PIL image or numpy array
        print(code.kind, code.text)   # "qrcode" "eyJhbGciOi..."

Plain Python: no Kivy here; the scan screen feeds frames through kiosk.scanning.frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import zxingcpp
from PIL import Image, ImageFilter, ImageOps
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

# Only what a fashion store meets; every extra symbology costs time and false reads.
SYMBOLS = [ZBarSymbol.QRCODE, ZBarSymbol.EAN13, ZBarSymbol.EAN8, ZBarSymbol.UPCA, ZBarSymbol.CODE128]
ZXING_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,EAN13,EAN8,UPCA,Code128")
ZXING_KINDS = {"QRCode": "qrcode", "EAN13": "ean13", "EAN8": "ean8", "UPCA": "upca", "Code128": "code128"}
# Measured with tests/bench/bench_decode.py: a frame zxing-cpp reads at once costs ~10 ms;
# 90 ms leaves room for the rescue passes and still fits an 8-10 fps decode loop.
DEFAULT_BUDGET_MS = 90.0


@dataclass(frozen=True)
class Code:
    """One decoded symbol: kind is "qrcode", "ean13", "upca", "ean8" or "code128"."""

    kind: str
    text: str


def decode(image: Image.Image | np.ndarray, *, budget_ms: float = DEFAULT_BUDGET_MS) -> list[Code]:
    """Decode the symbols in image: zxing-cpp first, then rescue passes until found or out of budget."""
    deadline = time.perf_counter() + budget_ms / 1000.0
    gray = to_gray(image)
    ms_per_pixel: dict[str, float] = {}
    for reader, width, enhance in _plan(gray.width):
        pixels = width * width * gray.height / gray.width
        now = time.perf_counter()
        # Skip a pass that would overrun the budget, judging by what this reader cost so far.
        if reader in ms_per_pixel and now + ms_per_pixel[reader] * pixels > deadline:
            continue
        codes = READERS[reader](ENHANCERS[enhance](_resized(gray, width)))
        if codes:
            return codes
        ms_per_pixel.setdefault(reader, (time.perf_counter() - now) / pixels)
        if time.perf_counter() > deadline:
            break
    return []


def _plan(width: int) -> list[tuple[str, int, str]]:
    """The passes for a frame this wide: (reader, width to scan at, enhancement), likeliest first."""
    passes: list[tuple[str, int, str]] = []
    for reader, target, enhance in PASSES:
        step = (reader, min(width, target or width), enhance)
        if step not in passes:
            passes.append(step)
    return passes


def _resized(gray: Image.Image, width: int) -> Image.Image:
    if width == gray.width:
        return gray
    if gray.width == 2 * width:
        return gray.reduce(2)   # a box filter: fastest, and it averages noise away
    return gray.resize((width, round(gray.height * width / gray.width)), Image.BILINEAR)


def to_gray(image: Image.Image | np.ndarray) -> Image.Image:
    """An 8-bit grayscale PIL image of a PIL image or an HxW / HxWx3 / HxWx4 uint8 array."""
    if isinstance(image, Image.Image):
        return image if image.mode == "L" else image.convert("L")
    if not isinstance(image, np.ndarray):
        raise TypeError(f"decode() takes a PIL image or a numpy array, not {type(image).__name__}")
    arr = image if image.dtype == np.uint8 else np.clip(image, 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        return Image.fromarray(np.ascontiguousarray(arr), "L")
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        mode = "RGB" if arr.shape[2] == 3 else "RGBA"
        return Image.fromarray(np.ascontiguousarray(arr), mode).convert("L")
    raise ValueError(f"decode() takes an HxW, HxWx3 or HxWx4 array, not shape {arr.shape}")


def _zxing(gray: Image.Image, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage) -> list[Code]:
    # A phone held to the kiosk is upright-ish and dark-on-light: rotation and inversion
    # searches double the time and found nothing more on the evaluation set.
    results = zxingcpp.read_barcodes(np.asarray(gray), formats=ZXING_FORMATS, try_rotate=False,
                                     try_invert=False, binarizer=binarizer)
    found: dict[Code, None] = {}
    for r in results:
        kind = ZXING_KINDS.get(r.format.name, r.format.name.lower())
        found[Code(kind, _qr_text(r.bytes, r.text) if kind == "qrcode" else r.text)] = None
    return list(found)


def _qr_text(raw: bytes, guessed: str) -> str:
    """QR bytes as UTF-8 (what our apps write) unless they are not; then zxing's own guess."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return guessed


def _zbar(gray: Image.Image) -> list[Code]:
    found: dict[Code, None] = {}
    for sym in pyzbar.decode((gray.tobytes(), gray.width, gray.height), symbols=SYMBOLS):
        found[Code(sym.type.lower(), sym.data.decode("utf-8", errors="replace"))] = None
    return list(found)


def adaptive_threshold(gray: Image.Image, *, window: int = 31, offset: float = 4.0) -> Image.Image:
    """Black where a pixel is darker than its neighbourhood's mean (box filter via integral image)."""
    arr = np.asarray(gray)
    r = window // 2
    # int64 sums are exact; float32 would lose precision over a whole frame.
    integral = np.pad(arr, r + 1, mode="edge").cumsum(0, dtype=np.int64).cumsum(1)
    h, w = arr.shape
    n = window * window
    total = (integral[window:window + h, window:window + w] - integral[:h, window:window + w]
             - integral[window:window + h, :w] + integral[:h, :w])
    out = np.where(arr.astype(np.int64) * n < total - offset * n, 0, 255).astype(np.uint8)
    return Image.fromarray(out, "L")


def keystone(gray: Image.Image, far_side: str, amount: float = 0.3) -> Image.Image:
    """Stretch the far_side of the frame back out, undoing a phone tilted away on that side."""
    w, h = gray.size
    dx, dy = amount * w / 2, amount * h / 2
    src = {"left": [(0, dy), (w, 0), (w, h), (0, h - dy)],
           "right": [(0, 0), (w, dy), (w, h - dy), (0, h)],
           "top": [(dx, 0), (w - dx, 0), (w, h), (0, h)],
           "bottom": [(0, 0), (w, 0), (w - dx, h), (dx, h)]}[far_side]
    return gray.transform((w, h), Image.PERSPECTIVE, _homography([(0, 0), (w, 0), (w, h), (0, h)], src),
                          Image.BILINEAR)


def _homography(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """The 8 coefficients PIL's PERSPECTIVE transform wants: output point (dst) -> input point (src)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist()


ENHANCERS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "": lambda gray: gray,
    "equalize": ImageOps.equalize,      # low contrast, glare: spread the histogram
    "smooth": lambda gray: gray.filter(ImageFilter.BoxBlur(1)),  # a screen's pixel grid (moire)
    "threshold": lambda gray: adaptive_threshold(gray),  # uneven light
    # zbar's QR reader gives up on strong perspective; undoing a guessed tilt rescues it.
    "keystone-left": lambda gray: keystone(gray, "left"),
    "keystone-bottom": lambda gray: keystone(gray, "bottom"),
}

READERS: dict[str, Callable[[Image.Image], list[Code]]] = {
    "zxing": _zxing,
    # One global threshold: motion blur smears the local contrast the default binarizer needs.
    "zxing-global": lambda gray: _zxing(gray, zxingcpp.Binarizer.FixedThreshold),
    "zbar": _zbar,
}

# (reader, width to scan at or None for full resolution, enhancement). Measured on the hard
# evaluation set (tests/bench/bench_decode.py): zxing-cpp at full resolution reads most codes;
# zbar reads curved and faint EAN-13s zxing-cpp misses; the rest are rescues.
PASSES: list[tuple[str, int | None, str]] = [
    ("zxing", None, ""),
    ("zbar", 640, ""),
    ("zxing-global", None, ""),
    ("zxing", None, "smooth"),
    ("zbar", 853, ""),
    ("zbar", 853, "equalize"),
    ("zbar", 640, "keystone-left"),
    ("zbar", 640, "keystone-bottom"),
    ("zbar", 640, "threshold"),
]
