"""Forwarding settings, and the write key read from a file only its owner can read.

    config = ForwardConfig(url="https://hooks.example.com", write_key=read_write_key(Path("/etc/vitrine/key")))
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, fields
from pathlib import Path

from hq.errors import HQServerError

MAX_BATCH_BYTES = 500_000  # the receiver's limit per request is 500 KB: stay under the smaller reading
MAX_EVENT_BYTES = 32_000  # and 32 KB per event


class ForwardConfigError(HQServerError):
    """The forwarding settings cannot be used (the message names the file or option)."""


@dataclass(frozen=True)
class ForwardConfig:
    """Where and how to forward; every tunable has its default here."""

    url: str  # the pipeline's base URL; batches go to URL/v1/batch
    write_key: str
    timeout_s: float = 15.0  # one request; must stay well under lease_s
    lease_s: float = 60.0  # a claimed row returns to the queue if not settled by then (a dead worker's)
    claim_limit: int = 500  # events claimed per round
    max_batch_bytes: int = MAX_BATCH_BYTES
    max_event_bytes: int = MAX_EVENT_BYTES
    backoff_base_s: float = 1.0  # first wait after a failure, doubled each time
    backoff_cap_s: float = 30.0  # longest wait between attempts (unless Retry-After asks for more)
    idle_poll_s: float = 0.2  # how often an empty queue is looked at
    # A kiosk session that only ever had a claim code is forgotten this long after HQ last heard of it,
    # and one that only ever had a profile is then joined from HQ's stored facts or forgotten (retention.py).
    # Its events are recorded minutes apart on one kiosk and sent in order by one bridge, so the event
    # that would join it arrives at most one bridge outage later: 30 days outlasts any outage a store
    # runs without noticing, and keeps one ~100-byte row per anonymous visit for a month.
    session_retention_days: int = 30
    prune_interval_s: float = 600.0  # how often a forwarder looks for such sessions once none are left
    prune_batch: int = 500  # rows per DELETE: each prune is a short transaction, never a long lock

    @property
    def request_timeout_s(self) -> float:
        """A request never outlives half the lease, so no other worker claims events still in flight."""
        return min(self.timeout_s, self.lease_s / 2)

    @property
    def session_retention_s(self) -> float:
        """The session retention in seconds."""
        return self.session_retention_days * 86_400.0

    @property
    def batch_url(self) -> str:
        return self.url.rstrip("/") + "/v1/batch"


def default(name: str) -> object:
    """ForwardConfig's default for a setting: the CLI and the worker spec take theirs from here."""
    return {f.name: f.default for f in fields(ForwardConfig)}[name]


def check_url(url: str) -> str:
    """The URL if it is http(s)://HOST..., else ForwardConfigError."""
    if not url.startswith(("http://", "https://")) or len(url.split("/")) < 3 or not url.split("/")[2]:
        raise ForwardConfigError(f"--forward-url: expected http(s)://HOST[:PORT][/PATH], got {url!r}")
    return url


def read_write_key(path: Path) -> str:
    """The write key in path (one line), refusing a file that group or others may read."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ForwardConfigError(f"--forward-write-key-file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ForwardConfigError(f"--forward-write-key-file {path}: not UTF-8 text") from None
    if not stat.S_ISREG(info.st_mode):
        raise ForwardConfigError(f"--forward-write-key-file {path}: not a regular file")
    if info.st_mode & 0o077:
        raise ForwardConfigError(f"--forward-write-key-file {path}: mode {stat.S_IMODE(info.st_mode):04o} lets "
                                 f"group or others read the key; run chmod 600 {path}")
    if hasattr(os, "getuid") and info.st_uid not in (os.getuid(), 0):
        raise ForwardConfigError(f"--forward-write-key-file {path}: owned by uid {info.st_uid}, not this user")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ForwardConfigError(f"--forward-write-key-file {path}: expected the key alone on one line, "
                                 f"found {len(lines)} non-empty lines")
    return lines[0]
