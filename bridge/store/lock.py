"""One sender per database: an exclusive flock on `<database>.lock`, named from the resolved path.

    with SenderLock(settings.database_path):
        outbox.release_stale_claims()
        ...  # push loop

The OS drops the lock when the process dies (even on SIGKILL), so there is nothing to
clean up; the file only tells who holds it. The lock file sits beside the real database
file (symlinks and `..` resolved), so two paths to one database share one lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bridge.errors import AlreadyRunning, StorageError


class SenderLock:
    """An exclusive, non-blocking lock saying "this process sends this database's outbox"."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = Path(db_path)
        # Resolved: a symlink or another spelling of the same file must find the same lock.
        self.path = Path(f"{Path(db_path).resolve()}.lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "SenderLock":
        """Take the lock or raise AlreadyRunning naming the holder's PID."""
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot open the sender lock: {exc.strerror}") from exc
        try:
            # A separate open file per SenderLock, so a second lock in this same process
            # conflicts too (flock locks belong to the open file, not the process).
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(f"{self.db_path} is already used by a bridge process "
                                 f"(pid {holder}); one sender per database") from None
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let another sender take over."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the file drops the flock

    def __enter__(self) -> "SenderLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    """The PID the holder wrote, or "unknown" if it has not written it yet."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"
