"""Camera-like frame sources and the background loop that decodes them.

    source = CallbackSource()                       # the scanner screen pushes camera pixels
    loop = DecodeLoop(source, on_codes).start()     # on_codes(list[Code]) from a worker thread
    source.push_pixels(texture.pixels, w, h)        # UI thread, every camera frame
    loop.stop()                                     # joins the thread, releases the source

Plain Python (no Kivy): the screen wraps on_codes with Clock.schedule_once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from bridge.errors import VitrineError
from kiosk.scanning.decode import Code, decode

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class FrameSourceError(VitrineError):
    """A frame source cannot be opened or read; the message names the file."""


class FolderSource:
    """Images of a folder, in name order, released at a steady fps (a stand-in camera for demos and tests)."""

    def __init__(self, folder: str | Path, *, fps: float = 10.0, loop: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FrameSourceError(f"{self.folder}: not a folder of images")
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise FrameSourceError(f"{self.folder}: no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        self._pacer = _Pacer(fps, clock)
        self._loop = loop
        self._next = 0

    @property
    def done(self) -> bool:
        return not self._loop and self._next >= len(self.files)

    def read(self) -> np.ndarray | None:
        """The next frame once it is due, else None."""
        if self.done or not self._pacer.due():
            return None
        path = self.files[self._next % len(self.files)]
        self._next += 1
        try:
            with Image.open(path) as img:
                return np.asarray(img.convert("RGB"))
        except (OSError, UnidentifiedImageError) as exc:
            raise FrameSourceError(f"{path}: cannot read image: {exc}") from exc

    def close(self) -> None:
        self._next = len(self.files)
        self._loop = False


class VideoSource:
    """Frames of a video file at its own rate; needs OpenCV, which Vitrine does not depend on."""

    def __init__(self, path: str | Path, *, fps: float | None = None, loop: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        try:
            import cv2  # optional: only for replaying recorded camera footage
        except ImportError:
            raise FrameSourceError(
                f"{path}: reading video files needs OpenCV (pip install opencv-python-headless); "
                "use a folder of images or the camera instead") from None
        self.path = Path(path)
        self._cv2 = cv2
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            raise FrameSourceError(f"{self.path}: cannot open video")
        self._pacer = _Pacer(fps or self._capture.get(cv2.CAP_PROP_FPS) or 25.0, clock)
        self._loop = loop
        self.done = False

    def read(self) -> np.ndarray | None:
        """The next frame once it is due, else None."""
        if self.done or not self._pacer.due():
            return None
        ok, frame = self._capture.read()
        if not ok and self._loop:
            self._capture.set(self._cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            self.done = True
            return None
        return frame[:, :, ::-1]  # OpenCV gives BGR

    def close(self) -> None:
        self.done = True
        self._capture.release()


class CallbackSource:
    """Frames pushed from the UI thread (Kivy Camera texture pixels); only the latest is kept."""

    done = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: np.ndarray | Image.Image | None = None

    def push(self, frame: np.ndarray | Image.Image) -> None:
        """Offer a frame; an unread older one is dropped (decoding stale frames only adds lag)."""
        with self._lock:
            self._frame = frame

    def push_pixels(self, pixels: bytes, width: int, height: int, *, fmt: str = "rgba",
                    flip: bool = True) -> None:
        """Offer raw texture pixels; Kivy textures start at the bottom row, hence flip."""
        channels = {"rgba": 4, "bgra": 4, "rgb": 3, "bgr": 3, "luminance": 1}.get(fmt)
        if channels is None or len(pixels) != width * height * channels:
            raise FrameSourceError(f"push_pixels: {len(pixels)} bytes is not {width}x{height} {fmt}")
        frame = np.frombuffer(pixels, np.uint8).reshape(height, width, channels)
        if channels == 1:
            frame = frame[:, :, 0]
        elif fmt.startswith("bgr"):
            frame = frame[:, :, 2::-1]
        self.push(frame[::-1] if flip else frame)

    def read(self) -> np.ndarray | Image.Image | None:
        """The latest pushed frame not read yet, else None."""
        with self._lock:
            frame, self._frame = self._frame, None
        return frame

    def close(self) -> None:
        with self._lock:
            self._frame = None


class _Pacer:
    """Says when the next frame is due, so frames come at a steady rate whatever the reader does."""

    def __init__(self, fps: float, clock: Callable[[], float]) -> None:
        if fps <= 0:
            raise FrameSourceError(f"fps must be > 0, not {fps}")
        self._period, self._clock, self._next_at = 1.0 / fps, clock, None

    def due(self) -> bool:
        now = self._clock()
        if self._next_at is None:
            self._next_at = now
        if now < self._next_at:
            return False
        # A late reader gets the next frame at once, but never a burst of catch-up frames.
        self._next_at = max(self._next_at + self._period, now)
        return True


class DecodeLoop:
    """Decodes frames from a source in a background thread and reports new codes.

    A code is reported when it was not seen in the last `dedupe_s` seconds, so a
    phone held in front of the camera is reported once, not ten times a second.
    """

    def __init__(self, source, on_codes: Callable[[list[Code]], None], *, fps: float = 10.0,
                 dedupe_s: float = 3.0, clock: Callable[[], float] = time.monotonic,
                 decoder: Callable[[object], list[Code]] = decode) -> None:
        self.source, self._on_codes, self._decoder = source, on_codes, decoder
        self._period, self._dedupe_s, self._clock = 1.0 / fps, dedupe_s, clock
        self._last_seen: dict[Code, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vitrine-decode", daemon=True)
        self.frames_decoded = 0

    def start(self) -> "DecodeLoop":
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop decoding, wait for the thread and release the source (the camera)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        self.source.close()

    def __enter__(self) -> "DecodeLoop":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                frame = self.source.read()
            except VitrineError:
                log.exception("frame source failed; scanning stops")
                return
            if frame is not None:
                self._handle(frame)
            if getattr(self.source, "done", False):
                return
            self._stop.wait(max(0.0, self._period - (time.monotonic() - started)))

    def _handle(self, frame: object) -> None:
        try:
            fresh = self._fresh(self._decoder(frame))
            if fresh:
                self._on_codes(fresh)
        except Exception:  # a bad frame or a failing callback must not kill the scanner
            log.exception("decoding or reporting a frame failed")
        finally:
            self.frames_decoded += 1  # after on_codes, so a reader of the count sees its effect

    def _fresh(self, codes: list[Code]) -> list[Code]:
        now = self._clock()
        fresh = [c for c in codes if now - self._last_seen.get(c, float("-inf")) >= self._dedupe_s]
        for code in codes:
            self._last_seen[code] = now
        # Forget codes long gone so the map stays small over a day of scanning.
        self._last_seen = {c: t for c, t in self._last_seen.items() if now - t < self._dedupe_s}
        return fresh
