"""When to try HQ again: exponential backoff with full jitter on a monotonic clock.

A wall clock set back hours (or to 1970) must never stall the sender, so every wait is
measured with `clock.monotonic()`; only `Retry-After` HTTP-dates need the wall clock.

    backoff = Backoff(base_s=1.0, max_s=300.0, retry_after_max_s=3600.0)
    backoff.fail()          # -> seconds to wait (random in [0, 1])
    backoff.fail(min_wait_s=900)  # HQ said Retry-After: 900 -> 900 (at most retry_after_max_s)
    backoff.ready()         # False until that time has passed
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Protocol


class Clock(Protocol):
    """What the sender reads time from; tests pass a fake that they advance."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clocks: time.monotonic() for waits, UTC wall time for timestamps."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class Backoff:
    """Failure count and the monotonic instant before which no retry is made."""

    def __init__(self, base_s: float, max_s: float, clock: Clock | None = None,
                 rng: Callable[[], float] = random.random, retry_after_max_s: float = 3600.0) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.retry_after_max_s = max(retry_after_max_s, max_s)
        self.clock = clock or SystemClock()
        self.rng = rng
        self.failures = 0
        self.retry_at = 0.0

    def ready(self) -> bool:
        """True when a new attempt may be made now."""
        return self.clock.monotonic() >= self.retry_at

    def wait_s(self) -> float:
        """Seconds left before the next attempt (0 when ready)."""
        return max(0.0, self.retry_at - self.clock.monotonic())

    def fail(self, min_wait_s: float | None = None) -> float:
        """Record a failure and return the wait chosen (full jitter, capped, >= min_wait_s)."""
        self.failures += 1
        ceiling = min(self.max_s, self.base_s * 2 ** min(self.failures - 1, 32))
        delay = self.rng() * ceiling
        if min_wait_s is not None:
            # The server's Retry-After is a floor (the contract), even past max_s; but a
            # hostile value must not park us for days, hence its own, larger cap.
            delay = max(delay, min(min_wait_s, self.retry_after_max_s))
        self.retry_at = self.clock.monotonic() + delay
        return delay

    def succeed(self) -> None:
        """Forget past failures."""
        self.failures = 0
        self.retry_at = 0.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), or None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # isdigit() alone accepts "²", which float() refuses
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
