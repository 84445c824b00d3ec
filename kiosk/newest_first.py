"""Worker threads that run the most recently submitted job first.

    pool = NewestFirst(workers=2, name="kiosk-images")
    pool.submit(lambda: decode(...))
    pool.shutdown()

The kiosk asks for photos as cards scroll into view and pages open. The newest request is
what the shopper looks at now; the oldest may be for cards scrolled past a second ago. A
first-in-first-out pool (ThreadPoolExecutor) made a product page's photo wait behind every
card photo queued before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from kivy.logger import Logger


class NewestFirst:
    """A fixed set of daemon threads taking jobs from a stack."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: list[Callable[[], None]] = []
        self._ready = threading.Condition()
        self._closed = False
        for i in range(workers):
            threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True).start()

    def submit(self, job: Callable[[], None]) -> None:
        """Run job on a worker, before any job submitted earlier and not started yet."""
        with self._ready:
            if self._closed:
                return
            self._jobs.append(job)
            self._ready.notify()

    def shutdown(self) -> None:
        """Drop the jobs not started; the workers end once their current job is done."""
        with self._ready:
            self._closed = True
            self._jobs.clear()
            self._ready.notify_all()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._jobs and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                job = self._jobs.pop()
            try:
                job()
            except Exception as exc:  # a worker outlives a failed job
                Logger.warning(f"NewestFirst: a job failed: {exc!r}")
