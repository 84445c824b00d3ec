"""Kiosk lockdown: F1, Escape and close requests do not leave the kiosk."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kiosk


def settings_panels(kiosk) -> list:
    from kivy.uix.settings import Settings

    return kiosk.find_all(lambda w: isinstance(w, Settings))


def still_running(kiosk) -> bool:
    from kivy.app import App
    from kivy.base import EventLoop

    # The test app runs without App.run()'s loop, so "not stopped" is the signal, not "started".
    return App.get_running_app() is kiosk.app and EventLoop.status not in ("stopped", "closed")


def press(kiosk, key: int) -> None:
    """A key down as SDL reports it, through the Window's own keyboard dispatch."""
    kiosk.window.dispatch("on_key_down", key, 0, None, [])
    kiosk.window.dispatch("on_keyboard", key, 0, None, [])
    kiosk.window.dispatch("on_key_up", key, 0)
    kiosk.pump(3)


def test_f1_opens_no_settings_panel(kiosk):
    kiosk.app.go("browse")
    kiosk.settle()
    press(kiosk, 282)  # F1
    assert not settings_panels(kiosk)
    assert still_running(kiosk)
    assert kiosk.app.open_settings() is False
    kiosk.pump(3)
    assert not settings_panels(kiosk)
    assert kiosk.app.use_kivy_settings is False


def test_escape_does_not_exit(kiosk):
    from kivy.config import Config

    for screen in ("browse", "staff_pin", "attract"):
        kiosk.app.go(screen)
        kiosk.settle()
        press(kiosk, 27)
        assert still_running(kiosk) and kiosk.screen == screen
    assert Config.getint("kivy", "exit_on_escape") == 0
    kiosk.app.staff_mode = False


def test_close_requests_are_refused(kiosk):
    assert kiosk.window.dispatch("on_request_close") is True
    assert kiosk.window.dispatch("on_request_close", source="keyboard") is True
    kiosk.pump(2)
    assert still_running(kiosk)


def test_multitouch_emulation_is_off(kiosk):
    from kivy.base import EventLoop
    from kivy.config import Config

    assert "disable_multitouch" in Config.get("input", "mouse")
    # Providers made before lockdown ran are fixed in place too.
    mice = [p for p in EventLoop.input_providers if hasattr(p, "disable_multitouch")]
    assert all(p.disable_multitouch for p in mice)


def test_configure_sets_fullscreen_when_asked():
    import dataclasses

    from kivy.config import Config

    from bridge.config import Settings
    from kiosk import lockdown

    before = Config.get("graphics", "fullscreen")
    try:
        lockdown.configure(Settings())  # defaults: fullscreen = true
        assert Config.get("graphics", "fullscreen") == "auto"
    finally:
        Config.set("graphics", "fullscreen", before)
    lockdown.configure(dataclasses.replace(Settings(), kiosk=dataclasses.replace(Settings().kiosk, fullscreen=False)))
    assert Config.get("graphics", "fullscreen") == before
