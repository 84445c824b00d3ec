"""A monotonic clock that moves only when a test says so.

    clock = FakeClock()
    gate = StaffGate(pin_hash, clock=clock)
    clock.advance(300)
"""

from __future__ import annotations


class FakeClock:
    """Callable like time.monotonic; `now` changes only by assignment or advance()."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward by seconds."""
        self.now += seconds
