"""`vitrine-kiosk`: run the in-store touchscreen.

    vitrine-kiosk --config /etc/vitrine/config.toml      # production: full screen
    vitrine-kiosk --config /etc/vitrine/config.toml --pair   # read a new pairing QR (staff PIN first)
    vitrine-kiosk hash-pin                               # a [kiosk] staff_pin_hash line

A kiosk whose config has no [hq] token or token_file starts on "Pair this screen"
(kiosk/screens/pair.py) and writes its config from the store bridge's pairing QR.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bridge.config import Settings, load_settings
from bridge.errors import AlreadyRunning, VitrineError
from kiosk.display import screen_size
from kiosk.layout import fit_window
from kiosk.logic.allocator import tune_allocator

log = logging.getLogger("kiosk")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vitrine-kiosk", description="Vitrine's in-store kiosk.",
        epilog="commands:\n  hash-pin    print a [kiosk] staff_pin_hash line for the config "
               "(see: vitrine-kiosk hash-pin --help)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, help="the store's config.toml (default: $VITRINE_CONFIG)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen (development)")
    parser.add_argument("--pair", action="store_true",
                        help="start on \"Pair this screen\" (a paired kiosk asks for the staff PIN first)")
    parser.add_argument("--size", default="", metavar="WxH",
                        help="window size when windowed (default: the largest 9:16 or 16:9 window the screen holds)")
    return parser


def window_size(settings: Settings, size: str, screen: tuple[int, int] | None = None) -> tuple[int, int]:
    """The development window's size: --size, else the largest 9:16 or 16:9 window the screen holds.

    orientation "auto" follows the screen's; a --size larger than the screen is scaled down
    to fit it (same shape), so nothing of the kiosk is ever cut off.
    """
    if size:
        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            raise SystemExit(f"vitrine-kiosk: --size: expected WIDTHxHEIGHT, got {size!r}")
        if width <= 0 or height <= 0:
            raise SystemExit(f"vitrine-kiosk: --size: width and height must be positive, got {size!r}")
        if screen and (width > screen[0] or height > screen[1]):
            scale = min(screen[0] / width, screen[1] / height)
            log.warning("kiosk: --size %s does not fit the %dx%d screen; using %dx%d", size, *screen,
                        int(width * scale), int(height * scale))
            width, height = int(width * scale), int(height * scale)
        return width, height
    orientation = settings.kiosk.orientation
    if orientation == "auto":
        orientation = "portrait" if screen is None or screen[1] >= screen[0] else "landscape"
    if screen is None:
        return (960, 540) if orientation == "landscape" else (540, 960)
    return fit_window(screen, portrait=orientation == "portrait")


def configure_kivy(settings: Settings, *, windowed: bool, size: str) -> None:
    """Kivy reads these before its window exists, so this runs before any kivy.core import."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our arguments are not Kivy's
    from kivy.config import Config

    from kiosk import lockdown

    lockdown.configure(settings)  # no Escape exit, no multitouch emulation, fullscreen per settings
    # Flat shapes and text gain nothing from MSAA, and it costs 3-4x per frame on software GL.
    Config.set("graphics", "multisamples", "0")
    screen = screen_size()
    if settings.kiosk.fullscreen and not windowed:
        Config.set("graphics", "show_cursor", "0")
        if screen:
            # The first layout is made for this size, and a session without a window manager
            # (where "fullscreen auto" may not resize the window) is still covered edge to edge.
            Config.set("graphics", "width", str(screen[0]))
            Config.set("graphics", "height", str(screen[1]))
            Config.set("graphics", "position", "custom")
            Config.set("graphics", "left", "0")
            Config.set("graphics", "top", "0")
    else:
        width, height = window_size(settings, size, screen)
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))


def open_bridge(config: str | os.PathLike[str] | Settings):
    """The kiosk's bridge, holding the sender lock unless `vitrine-bridge run` holds it."""
    from bridge.facade import Bridge

    try:  # the sender lock first: only its holder may move a corrupt database aside
        return Bridge.open(config, sender=True)
    except AlreadyRunning:
        return Bridge.open(config)  # `vitrine-bridge run` sends; this kiosk records


def start_sending(bridge) -> None:
    """Start the bridge's scheduler, unless another process sends for this database."""
    if bridge.scheduler is None:
        try:
            bridge.start(intake=False)
        except AlreadyRunning as exc:
            # `vitrine-bridge run` already sends for this database: the kiosk only records.
            log.info("kiosk: %s; recording only", exc)


def reopen(bridge, config: str | os.PathLike[str]):
    """Close bridge and open (and start, if it was started) one on config, as pairing rewrote it."""
    settings = load_settings(config)  # first: a bad file leaves the running bridge alone
    sending = bridge.scheduler is not None
    bridge.close()  # gives up the sender lock for the new bridge on the same database
    fresh = open_bridge(settings)
    if sending:
        start_sending(fresh)
    return fresh


def run_kiosk(bridge, *, windowed: bool, size: str, pair: bool = False):
    """Start sending (unless another process does) and run the app until it stops.

    Returns the bridge the app ended with (pairing replaces the one it was given).
    """
    from kiosk.logic.pairing import starts_on_pair_screen

    configure_kivy(bridge.settings, windowed=windowed, size=size)
    start_sending(bridge)
    from kiosk.app import VitrineKioskApp  # imports kivy.core.window: after configure_kivy

    app = VitrineKioskApp(bridge)
    if pair or starts_on_pair_screen(bridge.settings):  # the pair screen finishes a pairing begun
        app.first_screen = "pair"
    app.run()
    return app.bridge


def quiet_libraries() -> None:
    """Keep the HTTP client's DEBUG records out of the console."""
    # Kivy's own handler prints every record once it is imported, DEBUG included.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    # Before any thread exists: the bridge's and Kivy's threads would each get an arena.
    tune_allocator()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hash-pin"]:
        from kiosk import hash_pin

        return hash_pin.main(argv[1:])
    args = build_parser().parse_args(argv)
    quiet_libraries()
    try:
        config = args.config or os.environ.get("VITRINE_CONFIG")
        if not config:
            print("vitrine-kiosk: pass --config PATH, set VITRINE_CONFIG (or run vitrine-demo)", file=sys.stderr)
            return 2
        bridge = open_bridge(config)
        try:
            bridge = run_kiosk(bridge, windowed=args.windowed, size=args.size, pair=args.pair)
        finally:
            bridge.close()
        return 0
    except VitrineError as exc:
        print(f"vitrine-kiosk: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
