"""The demo stack (demo/): HQ and a bridge in a temp dir, the hint it prints, quiet logging."""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
from pathlib import Path

from PIL import Image
from pyzbar import pyzbar

from demo.stack import APP_QR_TTL_S, DEMO_PROFILE, start_demo, token_hint
from kiosk.cli import quiet_libraries
from kiosk.logic.identity import verify_app_token


def test_the_hint_names_a_command_that_works_as_printed(tmp_path):
    with start_demo(tmp_path) as demo:
        assert demo.bridge.catalog.count() > 0
        hint = token_hint(tmp_path)
        command = next(line.strip() for line in hint.splitlines() if "mint-token" in line)
        assert f"--ttl {APP_QR_TTL_S}" in command
        assert command.startswith(str(Path(sys.executable).parent / "vitrine-hq"))
        png = tmp_path / "scan" / f"{DEMO_PROFILE}.png"
        png.unlink()
        subprocess.run(shlex.split(command), check=True, capture_output=True, timeout=60)
        token = pyzbar.decode(Image.open(png))[0].data.decode("ascii")
        assert verify_app_token(demo.bridge, token) == DEMO_PROFILE


def test_quiet_libraries_keeps_http_debug_out_of_a_debug_console():
    loggers = [logging.getLogger(name) for name in ("", "urllib3")]
    saved = [logger.level for logger in loggers]
    try:
        loggers[0].setLevel(logging.DEBUG)  # what Kivy's handler leaves in place
        loggers[1].setLevel(logging.NOTSET)
        assert logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.DEBUG)
        quiet_libraries()
        assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.DEBUG)
    finally:
        for logger, level in zip(loggers, saved):
            logger.setLevel(level)
