"""The shopper's idle timer: active, then a "still there?" countdown, then expired.

Plain Python with an injectable clock, so it is tested without Kivy:

    watch = IdleWatch(idle_timeout_s=60, countdown_s=10, clock=time.monotonic)
    watch.touch()          # any touch
    watch.state()          # -> IdleState.ACTIVE / COUNTDOWN / EXPIRED
"""

from __future__ import annotations

import time
from enum import Enum
from typing import Callable


class IdleState(Enum):
    ACTIVE = "active"
    COUNTDOWN = "countdown"
    EXPIRED = "expired"


class IdleWatch:
    """Tells how long the screen has been untouched and what that means."""

    def __init__(self, idle_timeout_s: float, countdown_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.countdown_s = countdown_s
        self._clock = clock
        self._last_touch = clock()

    def touch(self) -> None:
        """Restart the timer (any touch on the screen)."""
        self._last_touch = self._clock()

    def idle_for(self) -> float:
        return self._clock() - self._last_touch

    def state(self) -> IdleState:
        idle = self.idle_for()
        if idle < self.idle_timeout_s:
            return IdleState.ACTIVE
        if idle < self.idle_timeout_s + self.countdown_s:
            return IdleState.COUNTDOWN
        return IdleState.EXPIRED

    def countdown_left(self) -> int:
        """Whole seconds left before the reset, for the overlay (0 when not counting)."""
        left = self.idle_timeout_s + self.countdown_s - self.idle_for()
        if self.state() is not IdleState.COUNTDOWN:
            return 0
        return max(1, int(left + 0.999))
