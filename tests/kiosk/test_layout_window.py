"""The kiosk's window fits the screen it opens on (kiosk/cli.py, kiosk/display.py)."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from kiosk.cli import window_size
from kiosk.display import screen_size
from tests.kiosk.conftest import make_settings
from tests.support.xvfb import start_xvfb


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


def oriented(settings, orientation):
    return dataclasses.replace(settings, kiosk=dataclasses.replace(settings.kiosk, orientation=orientation))


@pytest.mark.parametrize("screen", [(1366, 768), (800, 1280), (1920, 1080), (480, 800), (3840, 2160)])
def test_the_default_window_fits_inside_every_screen(settings, screen):
    for orientation in ("auto", "portrait", "landscape"):
        width, height = window_size(oriented(settings, orientation), "", screen)
        assert width <= screen[0] and height <= screen[1], (orientation, width, height)
        assert width * height >= 0.25 * screen[0] * screen[1] or orientation != "auto"


def test_auto_follows_the_screen_orientation(settings):
    assert window_size(oriented(settings, "auto"), "", (1366, 768))[0] > 1000  # landscape, not a strip
    width, height = window_size(oriented(settings, "auto"), "", (800, 1280))
    assert height > width and height > 1000


def test_a_size_larger_than_the_screen_is_scaled_down_with_a_warning(settings, caplog):
    with caplog.at_level(logging.WARNING, logger="kiosk"):
        assert window_size(settings, "1080x1920", (1366, 768)) == (432, 768)
    assert "does not fit the 1366x768 screen" in caplog.text


def test_a_bad_size_names_the_option(settings):
    with pytest.raises(SystemExit, match="--size"):
        window_size(settings, "wide", None)


def test_the_screen_size_comes_from_the_x_display():
    xvfb = start_xvfb(range(140, 180), screen="1366x768x24", set_display=False)
    try:
        assert screen_size(xvfb.display) == (1366, 768)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_no_display_gives_no_size(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert screen_size() is None
    assert screen_size(":199") is None  # nothing listens there
