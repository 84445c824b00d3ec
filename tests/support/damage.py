"""Ways to damage a SQLite file, for the quarantine and salvage tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

PAGE = 4096  # SQLite's default page size


def bad_page(path: Path) -> None:
    """Overwrite the page in the middle of the file with garbage."""
    with open(path, "r+b") as f:
        f.seek((path.stat().st_size // PAGE // 2) * PAGE)
        f.write(b"\xa5" * PAGE)


def bad_header(path: Path) -> None:
    """Zero the file's 100-byte header."""
    with open(path, "r+b") as f:
        f.write(b"\x00" * 100)


def truncated(path: Path) -> None:
    """Cut the file to half its size."""
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
