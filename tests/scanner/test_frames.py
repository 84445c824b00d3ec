"""Frame sources and the background DecodeLoop: pacing, latest-frame-only, dedupe, stop."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kiosk.scanning.frames import CallbackSource, DecodeLoop, FolderSource, FrameSourceError, VideoSource
from kiosk.scanning.decode import Code
from tests.support.clock import FakeClock

from .camera_frames import qr_image

URL = "https://app.example.com/continue?h=H1&skus=A"


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        threading.Event().wait(0.005)


def test_folder_source_releases_frames_at_a_steady_rate(tmp_path):
    for i in range(3):
        qr_image(f"frame {i}").save(tmp_path / f"{i:02d}.png")
    (tmp_path / "notes.txt").write_text("ignored")
    clock = FakeClock()
    source = FolderSource(tmp_path, fps=10, clock=clock)
    assert source.read() is not None          # the first frame is due at once
    assert source.read() is None              # the next one only after 0.1 s
    clock.now += 0.1
    frame = source.read()
    assert isinstance(frame, np.ndarray) and frame.ndim == 3
    clock.now += 0.1
    assert source.read() is not None and source.done


def test_folder_source_errors_name_the_path(tmp_path):
    with pytest.raises(FrameSourceError, match="no images"):
        FolderSource(tmp_path)
    with pytest.raises(FrameSourceError, match="not a folder"):
        FolderSource(tmp_path / "missing")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(FrameSourceError, match="broken.png"):
        FolderSource(tmp_path).read()


def test_video_source_without_opencv_says_so(tmp_path):
    try:
        import cv2  # noqa: F401
    except ImportError:
        with pytest.raises(FrameSourceError, match="OpenCV"):
            VideoSource(tmp_path / "clip.mp4")
    else:
        pytest.skip("OpenCV is installed here")


def test_callback_source_keeps_only_the_latest_frame():
    source = CallbackSource()
    assert source.read() is None
    source.push(np.zeros((2, 2), np.uint8))
    latest = np.ones((2, 2), np.uint8)
    source.push(latest)
    assert source.read() is latest
    assert source.read() is None


def test_push_pixels_flips_kivy_rows_and_checks_size():
    source = CallbackSource()
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[0] = 255  # bottom row in Kivy's texture order
    source.push_pixels(rgba.tobytes(), 3, 2)
    frame = source.read()
    assert frame.shape == (2, 3, 4) and frame[1].min() == 255 and frame[0].max() == 0
    with pytest.raises(FrameSourceError, match="not 3x3 rgba"):
        source.push_pixels(rgba.tobytes(), 3, 3)


def test_decode_loop_reports_a_code_once_within_dedupe_window():
    clock = FakeClock()
    source = CallbackSource()
    reports: list[list[Code]] = []
    frame = np.asarray(qr_image(URL))
    loop = DecodeLoop(source, reports.append, fps=100, dedupe_s=3.0, clock=clock).start()
    try:
        for expected_frames in (1, 2, 3):
            source.push(frame)
            wait_for(lambda: loop.frames_decoded >= expected_frames)
            clock.now += 1.0  # held in view: seen every second, so never reported again
        assert reports == [[Code("qrcode", URL)]]
        clock.now += 3.0      # gone for 3 s, then shown again: reported again
        source.push(frame)
        wait_for(lambda: len(reports) == 2)
    finally:
        loop.stop()
    assert not loop.running


def test_decode_loop_survives_a_failing_callback_and_stop_releases_source():
    released = threading.Event()

    class Source(CallbackSource):
        def close(self) -> None:
            released.set()

    source = Source()
    calls = []

    def on_codes(codes):
        calls.append(codes)
        raise RuntimeError("screen gone")

    loop = DecodeLoop(source, on_codes, fps=100).start()
    source.push(np.asarray(qr_image("one")))
    wait_for(lambda: loop.frames_decoded >= 1)
    source.push(np.asarray(qr_image("two")))
    wait_for(lambda: loop.frames_decoded >= 2)
    loop.stop()
    assert [c[0].text for c in calls] == ["one", "two"]
    assert released.is_set() and not loop.running


def test_decode_loop_ends_with_a_finite_folder(tmp_path):
    qr_image("from folder").save(tmp_path / "a.png")
    seen = []
    loop = DecodeLoop(FolderSource(tmp_path, fps=100), seen.append, fps=100).start()
    wait_for(lambda: not loop.running)
    loop.stop()
    assert seen == [[Code("qrcode", "from folder")]]
