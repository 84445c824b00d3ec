"""A virtual X display for headless runs: the kiosk tests, benchmarks and screenshots.

    xvfb = start_xvfb()        # None when DISPLAY is already set
    ...
    if xvfb: xvfb.terminate()
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

SCREEN = "3840x3840x24"  # square, so every kiosk size up to 2160x3840 fits in both orientations


def start_xvfb(displays: range = range(99, 140), screen: str = SCREEN,
               set_display: bool = True) -> subprocess.Popen | None:
    """Start Xvfb on the first free display of displays and set DISPLAY, unless one is set.

    set_display=False: always start one (of this screen size, "WxHxDepth") and leave DISPLAY
    alone; its display name is in proc.display.
    """
    if set_display and os.environ.get("DISPLAY"):
        return None
    for number in displays:
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", screen, "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                proc.display = f":{number}"
                if set_display:
                    os.environ["DISPLAY"] = proc.display
                return proc
            if proc.poll() is not None:
                break  # lost a race for this display number: try the next one
            time.sleep(0.05)  # polling for another process's socket file; there is no event to wait on
        proc.kill()
    raise RuntimeError("could not start Xvfb (apt-get install xvfb)")
