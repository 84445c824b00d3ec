"""The bridge's periodic jobs, each in its own thread, timed on the monotonic clock.

    scheduler = build_scheduler(settings, bridge, scan_drop=folder.scan_once)
    scheduler.start()
    ...
    scheduler.shutdown(wait=True)

Intervals are measured with time.monotonic() (threading's timed waits use it too), so
setting the wall clock back or forward (NTP correcting a box that booted with a wrong
RTC, a technician) neither stops nor bunches the jobs. A job never overlaps itself: a run
longer than its interval is followed by the next one at once, missed runs coalesced.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from bridge.config import Settings
from bridge.errors import VitrineError

log = logging.getLogger("bridge.scheduler")


class SenderJobs(Protocol):
    """The periodic work of the sender (the Bridge facade is one)."""

    def push(self) -> object: ...

    def pull(self) -> object: ...

    def heartbeat(self) -> object: ...

    def purge(self) -> object: ...


@dataclass(frozen=True)
class Job:
    """A named callable run every `every_s` seconds, the first time at start."""

    name: str
    func: Callable[[], object]
    every_s: float


class MonotonicScheduler:
    """Runs each job in a daemon thread of its own until shutdown()."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), daemon=True,
                                      name=f"vitrine-{job.name}")
            thread.start()
            self._threads.append(thread)

    def _loop(self, job: Job) -> None:
        run = _guarded(job.name, job.func)
        next_at = time.monotonic()
        while not self._stop.is_set():
            run()
            # Fixed rate from the planned start; after an overrun, go again now (coalesced).
            next_at = max(next_at + job.every_s, time.monotonic())
            if self._stop.wait(max(0.0, next_at - time.monotonic())):
                return

    def shutdown(self, wait: bool = True) -> None:
        """Stop every job; with wait, let the runs in progress finish first."""
        self._stop.set()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()
        self._threads.clear()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)


def build_scheduler(settings: Settings, jobs_of: SenderJobs,
                    scan_drop: Callable[[], object] | None = None) -> MonotonicScheduler:
    """Push, pull, heartbeat, retention and drop-folder jobs; never two runs of one job at once."""
    s = settings
    jobs = [
        Job("push", jobs_of.push, s.bridge.push_interval_s),
        Job("pull", jobs_of.pull, s.bridge.pull_interval_s),
        Job("heartbeat", jobs_of.heartbeat, s.bridge.heartbeat_interval_s),
        Job("retention", jobs_of.purge, s.bridge.retention_interval_s),
    ]
    if scan_drop is not None:
        jobs.append(Job("dropfolder", scan_drop, s.intake.drop_poll_s))
    return MonotonicScheduler(jobs)


def _guarded(name: str, func: Callable[[], object]) -> Callable[[], None]:
    """Run func, logging failures so one bad run never kills the job."""
    def run() -> None:
        try:
            func()
        except VitrineError as exc:
            log.error("%s job: %s", name, exc)
        except Exception:
            log.exception("%s job crashed", name)
    return run
