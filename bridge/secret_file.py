"""Secrets read from files that only the service user may read (token_file keys).

    token = read_secret_file(Path("/etc/vitrine/hq-token"), "[hq] token_file", "config.toml")

A token file readable or writable by the group or by others is refused: anyone on the
box could read the store's credentials, or swap them. `chmod 600 FILE` fixes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bridge.errors import ConfigError


def read_secret_file(path: Path, key: str, source: str) -> str:
    """The stripped text of path; ConfigError naming the key and file if unsafe or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"{source}: {key}: cannot read {path}: {exc.strerror or exc}") from exc
    try:
        mode = os.fstat(fd).st_mode  # of the file opened, so a swap after the check cannot slip by
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"{source}: {key}: {path} is open to other users (mode {stat.S_IMODE(mode):04o}); "
                f"make it readable by the service user only: chmod 600 {path}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read()
    finally:
        os.close(fd)
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: {key}: {path} is not UTF-8 text") from exc
