"""The size of the screen the kiosk will open on, asked before Kivy makes its window.

    screen_size()            # (1366, 768) on that laptop; None when no X display answers

Kivy (SDL2) can only tell the size once its window exists, too late for the first layout;
Xlib answers straight away through ctypes (libX11 is already a dependency of SDL2 on X11).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os


def screen_size(display: str | None = None) -> tuple[int, int] | None:
    """Width and height in pixels of the default screen of display (default: $DISPLAY)."""
    name = display or os.environ.get("DISPLAY")
    if not name:
        return None  # no X display (console, Wayland without XWayland): the caller keeps its default
    try:
        xlib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    except OSError:
        return None
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    for fn in (xlib.XDefaultScreen, xlib.XCloseDisplay):
        fn.argtypes = [ctypes.c_void_p]
    for fn in (xlib.XDisplayWidth, xlib.XDisplayHeight):
        fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    handle = xlib.XOpenDisplay(name.encode())
    if not handle:
        return None
    try:
        screen = xlib.XDefaultScreen(handle)
        return int(xlib.XDisplayWidth(handle, screen)), int(xlib.XDisplayHeight(handle, screen))
    finally:
        xlib.XCloseDisplay(handle)
