"""Headless Chromium (Debian's `chromium`) for the HQ page tests: a screenshot and the rendered DOM of a URL.

    browser = Chromium.find(tmp_path)    # ChromiumUnavailable says why when it is not installed
    html = browser.screenshot(url, Path("screenshots/hq/store.png"))
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
TIMEOUT_S = 60


class ChromiumUnavailable(RuntimeError):
    """The chromium program is not installed here (Debian package `chromium`)."""


@dataclass(frozen=True)
class Chromium:
    program: str
    profile_root: Path

    @classmethod
    def find(cls, profile_root: Path) -> "Chromium":
        program = shutil.which("chromium") or shutil.which("chromium-browser")
        if program is None:
            raise ChromiumUnavailable("no chromium on PATH (apt-get install chromium; scripts/setup does)")
        return cls(program, profile_root)

    def _run(self, name: str, *args: str) -> str:
        profile = self.profile_root / f"chromium-{name}"  # a fresh profile per run: no state carried over
        done = subprocess.run([self.program, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def screenshot(self, url: str, path: Path, *, width: int = 1100, height: int = 2400) -> None:
        """Save a PNG of the page at url."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._run(path.stem, f"--screenshot={path}", f"--window-size={width},{height}", url)
        if not path.exists() or path.stat().st_size == 0:
            raise RuntimeError(f"chromium wrote no screenshot to {path}")

    def dom(self, url: str) -> str:
        """The page's DOM as the browser built it."""
        return self._run("dom", "--dump-dom", url)
