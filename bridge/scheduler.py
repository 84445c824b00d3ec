"""Wires the bridge's periodic jobs into an APScheduler BackgroundScheduler; no logic here.

    scheduler = build_scheduler(settings, bridge, scan_drop=folder.scan_once)
    scheduler.start()
"""

from __future__ import annotations

import logging
from typing import Callable, Protocol

from apscheduler.schedulers.background import BackgroundScheduler

from bridge.config import Settings
from bridge.errors import VitrineError

log = logging.getLogger("bridge.scheduler")


class _SkipNoise(logging.Filter):
    """Drop APScheduler's warning for a skipped overlapping run: with max_instances=1 it is the plan."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


_NOISE_FILTER = _SkipNoise()


class SenderJobs(Protocol):
    """The periodic work of the sender (the Bridge facade is one)."""

    def push(self) -> object: ...

    def pull(self) -> object: ...

    def heartbeat(self) -> object: ...

    def purge(self) -> object: ...


def build_scheduler(settings: Settings, jobs_of: SenderJobs,
                    scan_drop: Callable[[], object] | None = None) -> BackgroundScheduler:
    """Push, pull, heartbeat, retention and drop-folder jobs; never two runs of one job at once."""
    s = settings
    logging.getLogger("apscheduler.scheduler").addFilter(_NOISE_FILTER)  # idempotent: same object
    scheduler = BackgroundScheduler(
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    jobs: list[tuple[str, Callable[[], object], float]] = [
        ("push", jobs_of.push, s.bridge.push_interval_s),
        ("pull", jobs_of.pull, s.bridge.pull_interval_s),
        ("heartbeat", jobs_of.heartbeat, s.bridge.heartbeat_interval_s),
        ("retention", jobs_of.purge, s.bridge.retention_interval_s),
    ]
    if scan_drop is not None:
        jobs.append(("dropfolder", scan_drop, s.intake.drop_poll_s))
    for name, func, every in jobs:
        # next_run_time=now: the first push/pull happens at start, not one interval later.
        scheduler.add_job(_guarded(name, func), "interval", seconds=every, id=name,
                          name=name, next_run_time=_now())
    return scheduler


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


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
