"""kiosk.scanning runs without Kivy, so decoding is testable and reusable outside a window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scanning_package_loads_no_kivy() -> None:
    code = ("import sys, kiosk.scanning.decode, kiosk.scanning.classify, kiosk.scanning.frames; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'kivy'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
