"""Loaded (via PYTHONPATH) only by the bridge process of tests/bridge/test_clock_jumps.py.

libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 makes clock_nanosleep on the
monotonic clock with an absolute deadline fail with EINVAL, and Python's time.sleep uses
exactly that, so any time.sleep in the process raised OSError. A wait on a lock with a
timeout (sem_clockwait on the monotonic clock, which libfaketime leaves alone) sleeps the
same time; the bridge's own code is unchanged.
"""

import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep
