"""Kiosk lockdown: fullscreen, no settings panel, no Escape, no way out from the touchscreen.

    from kiosk import lockdown
    lockdown.configure(settings)   # before the Window exists (sets kivy.config)
    lockdown.apply(app)            # in App.build(): binds the Window handlers

A crash is logged and the process exits; systemd restarts it (deploy/vitrine-kiosk.service).
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from kivy.base import EventLoop, ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.config import Config

log = logging.getLogger("vitrine.kiosk")

KEY_ESCAPE = 27
KEY_F1 = 282
# Keys that would open a panel or leave the app; swallowed before anything else sees them.
SWALLOWED_KEYS = frozenset({KEY_ESCAPE, KEY_F1})


def configure(settings: Any) -> None:
    """Set kivy.config before the Window and input providers are created."""
    Config.set("kivy", "exit_on_escape", "0")
    # Right-click would otherwise leave red multitouch-emulation dots on the screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if settings.kiosk.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")


def _swallow_keys(window: Any, key: int, *args: Any, **kwargs: Any) -> bool | None:
    """Stop F1 (settings) and Escape (exit) here; other keys pass on."""
    return True if key in SWALLOWED_KEYS else None


class _CloseGuard:
    """Refuses window close requests unless the process itself asked to stop."""

    def __init__(self) -> None:
        self.allow = False

    def __call__(self, window: Any, *args: Any, **kwargs: Any) -> bool:
        return not self.allow


class _LogCrash(ExceptionHandler):
    """Logs an uncaught exception with its traceback, then lets it end the process."""

    def handle_exception(self, inst: BaseException) -> int:
        log.critical("kiosk crashed; systemd will restart it", exc_info=inst)
        return ExceptionManager.RAISE


_close_guard = _CloseGuard()
_crash_handler = _LogCrash()


def _no_settings(*args: Any, **kwargs: Any) -> bool:
    return False


def _disable_mouse_multitouch() -> None:
    # Providers made before configure() ran keep their own flag; fix them in place.
    for provider in EventLoop.input_providers:
        if hasattr(provider, "disable_multitouch"):
            provider.disable_multitouch = True


def _bind_last(window: Any) -> None:
    """(Re)bind the key filter so it is the newest handler: Kivy calls newest first."""
    window.unbind(on_keyboard=_swallow_keys)
    window.bind(on_keyboard=_swallow_keys)


def _stop_on_sigterm(app: Any) -> None:
    """systemctl stop sends SIGTERM: close cleanly instead of being refused like a close button."""
    def handler(signum: int, frame: Any) -> None:
        _close_guard.allow = True
        Clock.schedule_once(lambda dt: app.stop(), 0)

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (some test runners): nothing to install
        pass


def apply(app: Any) -> None:
    """Lock the running app down; safe to call more than once."""
    from kivy.core.window import Window

    configure(app.settings)
    app.use_kivy_settings = False
    app.open_settings = _no_settings
    _disable_mouse_multitouch()
    if app.settings.kiosk.fullscreen:
        Window.fullscreen = "auto"
        Window.show_cursor = False
    _close_guard.allow = False
    Window.unbind(on_request_close=_close_guard)
    Window.bind(on_request_close=_close_guard)
    _bind_last(Window)
    # App.run() binds its own F1 handler after build(); rebind ours once it has.
    Clock.schedule_once(lambda dt: _bind_last(Window), 0)
    if _crash_handler not in ExceptionManager.handlers:
        ExceptionManager.add_handler(_crash_handler)
    _stop_on_sigterm(app)

