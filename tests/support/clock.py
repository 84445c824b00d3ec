"""A monotonic clock that moves only when a test says so.

    clock = FakeClock()
    gate = StaffGate(pin_hash, clock=clock)
    clock.advance(300)
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class FakeClock:
    """Callable like time.monotonic; `now` changes only by assignment or advance()."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward by seconds."""
        self.now += seconds


class FakeSyncClock:
    """A monotonic clock and a wall clock together (the sender's Clock), moved only by advance()."""

    def __init__(self, wall: datetime | None = None) -> None:
        self.mono = 1000.0
        self.wall = wall or datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by seconds."""
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)
