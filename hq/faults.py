"""Fault injection for tests and demos: make the next requests fail on purpose.

A facility of the reference server only (off in the CLI unless `--faults`):

    hq.faults.add(status=503, retry_after=7, times=2)     # the next two event pushes get 503
    hq.faults.add(reset=True)                              # the next push has its TCP connection reset
    hq.faults.add(body=b"not json")                        # a 200 with a garbage body
    hq.faults.add(delay_s=2.0, path_prefix="/v1/catalog")  # a slow answer, then the real one
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """What to do to a request whose path starts with path_prefix."""

    status: int | None = None
    retry_after: float | None = None
    delay_s: float = 0.0
    reset: bool = False
    body: bytes | None = None
    path_prefix: str = "/v1/events"

    @property
    def answers(self) -> bool:
        """True when the fault replaces the real answer (not only delays it)."""
        return self.reset or self.status is not None or self.body is not None


class Faults:
    """A queue of faults, each applied to the next `times` matching requests, in the order added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[list] = []  # [Fault, remaining]

    def add(
        self,
        status: int | None = None,
        retry_after: float | None = None,
        times: int = 1,
        delay_s: float = 0.0,
        reset: bool = False,
        body: bytes | str | None = None,
        path_prefix: str = "/v1/events",
    ) -> Fault:
        """Queue a fault for the next `times` requests under path_prefix."""
        if times < 1:
            raise ValueError(f"times: must be >= 1, got {times}")
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"status: must be an HTTP status, got {status}")
        if delay_s < 0:
            raise ValueError(f"delay_s: must be >= 0, got {delay_s}")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not (reset or status is not None or body is not None or delay_s > 0):
            raise ValueError("a fault needs status, body, reset or delay_s")
        fault = Fault(status, retry_after, delay_s, reset, body, path_prefix)
        with self._lock:
            self._queue.append([fault, times])
        return fault

    def take(self, path: str) -> Fault | None:
        """The fault for this request, if any (consuming one of its times)."""
        with self._lock:
            for entry in self._queue:
                if path.startswith(entry[0].path_prefix):
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._queue.remove(entry)
                    return entry[0]
        return None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> int:
        """How many faulty answers are still queued."""
        with self._lock:
            return sum(n for _, n in self._queue)
