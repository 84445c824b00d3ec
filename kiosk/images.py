"""Local product images decoded off the UI thread, with a bounded LRU of textures.

Decoding a JPEG is disk and CPU work, so a small thread pool does it with Pillow, the
newest request first (kiosk/newest_first.py), and hands raw pixels back through Clock; only the UI thread makes GL textures. On software
GL a texture is plain RAM (4 bytes a pixel), so the cache is bounded in bytes, and the
few very large pictures (the lookbook) are not kept at all.

    cache = ImageCache(max_bytes=16 << 20)
    cache.request("/path/rm-1001-1.jpg", (320, 400), lambda path, texture: ...)
    cache.request("/path/lookbook-1.jpg", (1920, 1920), show, keep=False)
    cache.request("/path/rm-1001-1.jpg", (616, 789), show, crop=True)  # exactly that, drawn 1:1
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.logger import Logger
from PIL import Image as PILImage

from kiosk.newest_first import NewestFirst

Callback = Callable[[str, Texture | None], None]
Key = tuple[str, tuple[int, int], bool]  # path, size, cropped to exactly that size


def decode(path: str, max_size: tuple[int, int], crop: bool = False) -> tuple[int, int, bytes]:
    """Read and shrink an image to fit max_size; returns (width, height, RGB bytes).

    crop=True: exactly max_size, the image's centre scaled to cover it (fit "cover").
    """
    with PILImage.open(path) as img:
        img.draft("RGB", max_size)  # JPEG decodes straight at a smaller scale: much faster
        img = img.convert("RGB")
        if crop:
            img = img.resize(max_size, PILImage.Resampling.LANCZOS, box=cover_box(img.size, max_size),
                             reducing_gap=3.0)
        else:
            img.thumbnail(max_size)
        # Kivy textures start at the bottom row.
        img = img.transpose(PILImage.Transpose.FLIP_TOP_BOTTOM)
        return img.width, img.height, img.tobytes()


def cover_box(size: tuple[int, int], box: tuple[int, int]) -> tuple[float, float, float, float]:
    """The centred part of an image of size that has box's shape (left, top, right, bottom)."""
    width, height = size
    scale = min(width / box[0], height / box[1])
    crop_w, crop_h = box[0] * scale, box[1] * scale
    left, top = max(0.0, (width - crop_w) / 2), max(0.0, (height - crop_h) / 2)  # never -1e-14
    return left, top, min(width, left + crop_w), min(height, top + crop_h)


def weight(texture: Texture) -> int:
    """What a texture costs in memory: drivers store RGB as RGBA, 4 bytes a pixel."""
    width, height = texture.size
    return width * height * 4


class ImageCache:
    """Textures keyed by (path, size); least recently used dropped beyond max_bytes."""

    def __init__(self, max_bytes: int = 16 << 20, workers: int = 2) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0  # what the kept textures weigh
        self._textures: OrderedDict[Key, Texture] = OrderedDict()
        self._waiting: dict[Key, list[Callback]] = {}
        self._keep: set[Key] = set()  # requests that asked to be kept
        self._pool = NewestFirst(workers, "kiosk-images")  # the newest request is the one on screen
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._textures)

    def get(self, path: str, size: tuple[int, int], crop: bool = False) -> Texture | None:
        """The cached texture, if any (UI thread)."""
        key = (path, size, crop)
        texture = self._textures.get(key)
        if texture is not None:
            self._textures.move_to_end(key)
        return texture

    def request(self, path: str, size: tuple[int, int], callback: Callback, *, keep: bool = True,
                crop: bool = False) -> None:
        """Call callback(path, texture) on the UI thread; at once when cached.

        keep=False: the texture is handed over but not cached (its holder frees it).
        crop=True: a texture of exactly size (decode's crop), sampled "nearest": it is drawn
        pixel for pixel, and software GL fills it about a third faster than a filtered one.
        """
        key = (path, size, crop)
        texture = self.get(path, size, crop)
        if texture is not None:
            callback(path, texture)
            return
        with self._lock:
            if keep:
                self._keep.add(key)
            if key in self._waiting:
                self._waiting[key].append(callback)
                return
            self._waiting[key] = [callback]
        self._pool.submit(lambda: self._load(key))

    def _load(self, key: Key) -> None:
        try:
            pixels = decode(*key)
        except Exception as exc:  # a missing or broken image shows the placeholder
            Logger.warning(f"Images: cannot load {key[0]}: {exc}")
            pixels = None
        Clock.schedule_once(lambda _dt: self._deliver(key, pixels))

    def _deliver(self, key: Key, pixels: tuple[int, int, bytes] | None) -> None:
        texture = None
        if pixels is not None:
            width, height, data = pixels
            texture = Texture.create(size=(width, height), colorfmt="rgb")
            texture.blit_buffer(data, colorfmt="rgb", bufferfmt="ubyte")
            if key[2]:
                texture.mag_filter = texture.min_filter = "nearest"
        with self._lock:
            callbacks = self._waiting.pop(key, [])
            keep = key in self._keep
            self._keep.discard(key)
        if texture is not None and keep:
            self._store(key, texture)
        for callback in callbacks:
            callback(key[0], texture)

    def _store(self, key: Key, texture: Texture) -> None:
        self._textures[key] = texture
        self.bytes += weight(texture)
        # Always keep the newest one, however large: its widget is about to show it.
        while self.bytes > self.max_bytes and len(self._textures) > 1:
            _key, dropped = self._textures.popitem(last=False)
            self.bytes -= weight(dropped)

    def clear(self) -> None:
        self._textures.clear()
        self.bytes = 0

    def shutdown(self) -> None:
        self._pool.shutdown()
