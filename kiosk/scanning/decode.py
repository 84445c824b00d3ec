"""Find QR codes and retail barcodes in camera frames (pyzbar plus the preprocessing it needs).

    for code in decode(frame):        # PIL image or numpy array
        print(code.kind, code.text)   # "qrcode" "eyJhbGciOi..."

Plain Python: no Kivy here; the scan screen feeds frames through kiosk.scanning.frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

# Only what a fashion store meets; every extra symbology costs time and false reads.
SYMBOLS = [ZBarSymbol.QRCODE, ZBarSymbol.EAN13, ZBarSymbol.EAN8, ZBarSymbol.UPCA, ZBarSymbol.CODE128]
# Measured with tests/bench/bench_decode.py: 90 ms finds more codes than zxing-cpp on
# camera-like frames at a median of ~11 ms, and still fits a 10 fps decode loop.
DEFAULT_BUDGET_MS = 90.0


@dataclass(frozen=True)
class Code:
    """One decoded symbol: kind is "qrcode", "ean13", "upca", "ean8" or "code128"."""

    kind: str
    text: str


def decode(image: Image.Image | np.ndarray, *, budget_ms: float = DEFAULT_BUDGET_MS) -> list[Code]:
    """Decode the symbols in image: a fast downscaled pass, then harder ones until found or out of budget."""
    deadline = time.perf_counter() + budget_ms / 1000.0
    gray = to_gray(image)
    ms_per_pixel = None
    for width, enhance in _plan(gray.width):
        pixels = width * width * gray.height / gray.width
        now = time.perf_counter()
        # Skip a pass that would overrun the budget, judging by what the first one cost.
        if ms_per_pixel is not None and now + ms_per_pixel * pixels > deadline:
            continue
        codes = _scan(ENHANCERS[enhance](_resized(gray, width)))
        if codes:
            return codes
        if ms_per_pixel is None:
            ms_per_pixel = (time.perf_counter() - now) / pixels
    return []


def _plan(width: int) -> list[tuple[int, str]]:
    """The passes for a frame this wide: (width to scan at, enhancement), cheapest and likeliest first."""
    passes, seen = [], set()
    for target, enhance in PASSES:
        w = min(width, target or width)
        if (w, enhance) not in seen:
            seen.add((w, enhance))
            passes.append((w, enhance))
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


def _scan(gray: Image.Image) -> list[Code]:
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


ENHANCERS = {
    "": lambda gray: gray,
    "equalize": ImageOps.equalize,      # low contrast, glare: spread the histogram
    "median": lambda gray: gray.filter(ImageFilter.MedianFilter(3)),  # sensor noise, JPEG blocks
    "threshold": lambda gray: adaptive_threshold(gray),  # uneven light
    # zbar's QR reader gives up on strong perspective; undoing a guessed tilt rescues it.
    "keystone-left": lambda gray: keystone(gray, "left"),
    "keystone-right": lambda gray: keystone(gray, "right"),
    "keystone-top": lambda gray: keystone(gray, "top"),
    "keystone-bottom": lambda gray: keystone(gray, "bottom"),
}

# (width to scan at, None for full resolution; enhancement). Measured on tests/bench/bench_decode.py:
# a 640-wide pass finds most codes; 853 wide catches small or tilted ones; the rest are rescues.
PASSES: list[tuple[int | None, str]] = [
    (640, ""),
    (853, ""),
    (640, "keystone-left"),
    (640, "keystone-bottom"),
    (640, "keystone-right"),
    (640, "keystone-top"),
    (853, "equalize"),
    (None, "median"),
    (640, "threshold"),
]
