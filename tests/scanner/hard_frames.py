"""A harder, seeded evaluation set: 1280x720 camera-like frames in seven categories.

    frames = hard_set(per_category=30, seed=0)     # [HardFrame(category, text, kind, pixels)]
    python -m tests.scanner.hard_frames --out /tmp/look --per-category 2   # write JPEGs to look at

Categories: phone screens at steep angles, moiré (a screen's pixel grid resampled by a
camera), glare, low light, motion blur, small dense codes (the real app token) and EAN-13s
on curved labels. QR codes show the app token as hq.tokens mints it (dev key, fixed time),
so the set follows the token's real size. Every frame ends as a JPEG, as a camera delivers
it; generated frames are cached as JPEG bytes under tmp/cache/ (delete it to regenerate).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from hq.tokens import JTI_BYTES, mint_app_token

from .camera_frames import SIZE, _clutter, _glare, _perspective_coeffs, _phone, ean13_check_digit, ean13_image, qr_image

CATEGORIES = ("angle", "moire", "glare", "low_light", "motion", "small_dense", "ean_curved")
VERSION = 3  # bump when a frame recipe changes, so stale cached frames are not reused
CACHE = Path(__file__).resolve().parents[2] / "tmp" / "cache" / "hard_frames"
MINTED_AT = 1_790_000_000


@dataclass(frozen=True)
class HardFrame:
    """One evaluation frame: what it shows and the RGB pixels."""

    category: str
    text: str
    kind: str          # "qrcode" or "ean13"
    pixels: np.ndarray


def token_text(rng: random.Random) -> str:
    """An app token as HQ mints it: dev key, fixed time, seeded profile id and jti."""
    jti = base64.urlsafe_b64encode(rng.randbytes(JTI_BYTES)).rstrip(b"=").decode()
    return mint_app_token(f"p-{rng.randrange(16 ** 8):08x}", now=MINTED_AT, extra_claims={"jti": jti})


def ean_text(rng: random.Random) -> str:
    first12 = f"{rng.randrange(10 ** 12):012d}"
    return first12 + ean13_check_digit(first12)


def hard_set(per_category: int = 30, seed: int = 0, *, cache: Path | None = CACHE) -> list[HardFrame]:
    """per_category frames of each category, the same for the same seed."""
    return [hard_frame(category, i, seed, cache=cache) for category in CATEGORIES for i in range(per_category)]


def hard_frame(category: str, index: int, seed: int = 0, *, cache: Path | None = CACHE) -> HardFrame:
    """Frame index of category: generated (and cached) or read from the cache."""
    rng = random.Random(f"{seed}/{category}/{index}")
    kind = "ean13" if category == "ean_curved" else "qrcode"
    text = ean_text(rng) if kind == "ean13" else token_text(rng)
    # The text is in the name: when minting changes, the token changes and so does the frame.
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = cache / f"v{VERSION}-{seed}-{category}-{index}-{digest}.jpg" if cache else None
    if path is not None and path.exists():
        return HardFrame(category, text, kind, _load(path.read_bytes()))
    data = _jpeg(RECIPES[category](text, rng), quality=rng.randint(75, 92))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return HardFrame(category, text, kind, _load(data))


def _load(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


# --- recipes: text and a seeded rng in, a 1280x720 RGB frame out ----------------------------


def _angle(text: str, rng: random.Random) -> Image.Image:
    phone = _tilted(_phone(qr_image(text, box_size=4), rng.randint(300, 400)), rng, rng.uniform(0.35, 0.55))
    phone = phone.rotate(rng.uniform(-35, 35), resample=Image.BICUBIC, expand=True)
    return _noisy(_place(phone, rng).filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9))), rng, 4)


def _moire(text: str, rng: random.Random) -> Image.Image:
    # The screen drawn at 3 camera-unresolvable pixels per screen pixel, with dark gaps between
    # pixels, then sampled by the "sensor" without anti-aliasing: the grid beats into bands.
    code_width = rng.randint(300, 380)
    screen = _phone(qr_image(text, box_size=4), code_width)
    big = screen.resize((screen.width * 3, screen.height * 3), Image.NEAREST)
    grid = np.ones((big.height, big.width, 1), np.float32)
    grid[2::3] *= rng.uniform(0.45, 0.7)
    grid[:, 2::3] *= rng.uniform(0.45, 0.7)
    arr = np.asarray(big, np.float32)
    arr[..., :3] *= grid
    # A lens softens a little before the sensor samples; not enough to hide the grid.
    big = Image.fromarray(arr.astype(np.uint8), "RGBA").filter(ImageFilter.GaussianBlur(0.5))
    angle = rng.uniform(-12, 12)
    big = big.rotate(angle, resample=Image.NEAREST, expand=True)
    scale = rng.uniform(0.31, 0.37)
    phone = big.resize((round(big.width * scale), round(big.height * scale)), Image.NEAREST)
    return _noisy(_place(phone, rng), rng, 5)


def _glare_frame(text: str, rng: random.Random) -> Image.Image:
    code_width = rng.randint(300, 380)
    phone = _tilted(_phone(qr_image(text, box_size=4), code_width), rng, rng.uniform(0.0, 0.2))
    scene, pos = _place(phone, rng, with_pos=True)
    for _ in range(rng.randint(1, 2)):
        cx = pos[0] + phone.width // 2 + rng.randint(-code_width // 3, code_width // 3)
        cy = pos[1] + phone.height // 2 + rng.randint(-code_width // 3, code_width // 3)
        scene = _glare(scene, (cx, cy), code_width * rng.uniform(0.2, 0.35), rng.uniform(0.75, 0.92))
    return _noisy(scene, rng, 4)


def _low_light(text: str, rng: random.Random) -> Image.Image:
    phone = _phone(qr_image(text, box_size=4), rng.randint(300, 400))
    phone = phone.rotate(rng.uniform(-20, 20), resample=Image.BICUBIC, expand=True)
    arr = np.asarray(_place(phone, rng), np.float32) * rng.uniform(0.12, 0.22)
    return _noisy(Image.fromarray(arr.astype(np.uint8), "RGB"), rng, rng.uniform(5, 9))


def _motion(text: str, rng: random.Random) -> Image.Image:
    phone = _phone(qr_image(text, box_size=4), rng.randint(320, 400))
    phone = phone.rotate(rng.uniform(-20, 20), resample=Image.BICUBIC, expand=True)
    scene = _motion_blur(_place(phone, rng), rng.uniform(5, 11), rng.uniform(0, math.pi))
    return _noisy(scene, rng, 3)


def _small_dense(text: str, rng: random.Random) -> Image.Image:
    phone = _tilted(_phone(qr_image(text, box_size=4), rng.randint(190, 250)), rng, rng.uniform(0.0, 0.2))
    phone = phone.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC, expand=True)
    return _noisy(_place(phone, rng).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7))), rng, 4)


def _ean_curved(text: str, rng: random.Random) -> Image.Image:
    label = _curved(_label(text, rng), rng.uniform(0.55, 0.8), rng)
    label = label.rotate(rng.uniform(-20, 20), resample=Image.BICUBIC, expand=True)
    scene = _place(label, rng).filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.2)))
    return _noisy(scene, rng, 5)


RECIPES = {"angle": _angle, "moire": _moire, "glare": _glare_frame, "low_light": _low_light,
           "motion": _motion, "small_dense": _small_dense, "ean_curved": _ean_curved}


# --- building blocks --------------------------------------------------------------------------


def _place(item: Image.Image, rng: random.Random, *, with_pos: bool = False):
    """item (RGBA) pasted at a random place on a cluttered shop scene."""
    scene = _clutter(rng)
    pos = (rng.randrange(0, max(1, SIZE[0] - item.width)), rng.randrange(0, max(1, SIZE[1] - item.height)))
    scene.paste(item, pos, item)
    return (scene, pos) if with_pos else scene


def _tilted(img: Image.Image, rng: random.Random, tilt: float) -> Image.Image:
    """img seen from an angle: one side and one edge farther away (a general quadrilateral)."""
    w, h = img.size
    dx, dy = tilt * w / 2, tilt * h / 2
    side = rng.uniform(0.3, 1.0)
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    far = rng.randrange(4)  # which side is farther away
    dst = {0: [(0, dy), (w, 0), (w, h), (0, h - dy * side)],
           1: [(0, 0), (w, dy), (w, h - dy * side), (0, h)],
           2: [(dx, 0), (w - dx * side, 0), (w, h), (0, h)],
           3: [(0, 0), (w, 0), (w - dx * side, h), (dx, h)]}[far]
    return img.transform((w, h), Image.PERSPECTIVE, _perspective_coeffs(dst, corners), Image.BICUBIC)


def _noisy(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    arr = np.asarray(img, np.float32)
    arr = arr + np.random.default_rng(rng.randrange(2 ** 32)).normal(0, sigma, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _motion_blur(img: Image.Image, length: float, angle: float) -> Image.Image:
    """A straight-line blur of length px at angle (radians): a hand moving during exposure."""
    arr = np.asarray(img, np.float32)
    steps = max(2, round(length))
    out = np.zeros_like(arr)
    for k in range(steps):
        t = k - (steps - 1) / 2
        out += np.roll(arr, (round(t * math.sin(angle)), round(t * math.cos(angle))), axis=(0, 1))
    return Image.fromarray((out / steps).astype(np.uint8), "RGB")


def _label(text: str, rng: random.Random) -> Image.Image:
    """An EAN-13 on an off-white sticker with a printed price line."""
    code = ean13_image(text, module_px=4)
    label = Image.new("RGBA", (code.width + 40, code.height + 70), (246, 243, 232, 255))
    label.paste(code, (20, 15))
    ImageDraw.Draw(label).rectangle([20, code.height + 30, 20 + code.width // 2, code.height + 50], fill=(40, 40, 40, 255))
    return label


def _curved(label: Image.Image, wrap: float, rng: random.Random) -> Image.Image:
    """label wrapped round a bottle: wrap is the half-angle (radians) the label covers."""
    w, h = label.size
    radius = w / 2 / wrap
    out_w = round(2 * radius * math.sin(wrap))
    u = (np.arange(out_w) - out_w / 2 + 0.5) / radius
    src_x = np.clip((np.arcsin(np.clip(u, -1, 1)) * radius + w / 2).astype(int), 0, w - 1)
    arr = np.asarray(label)[:, src_x].astype(np.float32)
    # Light falls off towards the edges of the cylinder.
    shade = (0.55 + 0.45 * np.sqrt(np.clip(1 - u ** 2, 0, 1)))[None, :, None]
    arr[..., :3] *= shade
    return Image.fromarray(arr.astype(np.uint8), "RGBA")


def main() -> None:
    parser = argparse.ArgumentParser(description="write the hard evaluation frames as JPEGs")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-category", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for n, frame in enumerate(hard_set(args.per_category, args.seed)):
        Image.fromarray(frame.pixels).save(args.out / f"{frame.category}-{n}.jpg", quality=92)


if __name__ == "__main__":
    main()
