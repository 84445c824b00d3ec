"""A running `vitrine-bridge run` keeps pushing when the wall clock jumps back or forward
an hour (issue 10 item 1). libfaketime moves the wall clock of the bridge process only,
its monotonic clock left alone; the reference HQ runs in this process on real time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bridge.config import load_settings
from bridge.facade import Bridge

LIBFAKETIME = next((p for p in (Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
                                Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
                                Path("/usr/lib/faketime/libfaketime.so.1")) if p.exists()), None)

pytestmark = pytest.mark.skipif(
    LIBFAKETIME is None, reason="libfaketime is not installed (Debian package `faketime`, "
                                "installed by scripts/setup): cannot move the wall clock")

ROOT = Path(__file__).resolve().parents[2]


def _run_under_faketime(config: Path, offset_file: Path) -> subprocess.Popen:
    # The shim replaces time.sleep, which libfaketime breaks (see its docstring).
    shim = ROOT / "tests" / "support" / "faketime_site"
    env = {**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{ROOT}", "LD_PRELOAD": str(LIBFAKETIME),
           "FAKETIME_TIMESTAMP_FILE": str(offset_file), "FAKETIME_NO_CACHE": "1",
           "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    return subprocess.Popen([sys.executable, "-m", "bridge.cli", "--config", str(config), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env)


def test_pushes_continue_when_the_wall_clock_jumps_back_and_forward(
        make_config, hq, record_searches, wait_for, tmp_path):
    config = make_config(bridge={"push_interval_s": 0.2, "heartbeat_interval_s": 0.5})
    offset_file = tmp_path / "faketime"
    offset_file.write_text("+0\n")
    run = _run_under_faketime(config, offset_file)
    ok = False
    try:
        with Bridge.open(load_settings(config)) as recorder:  # a till or kiosk, on real time
            expected = 0
            for offset in ("+0", "-3600", "+3600", "+0"):
                offset_file.write_text(f"{offset}\n")  # re-read on every clock call
                record_searches(recorder, 5)
                expected += 5
                wait_for(lambda: hq.event_count() == expected, timeout=30,
                         what=f"{expected} events at HQ after a jump of {offset} s")
                # The push really ran on the moved wall clock (else this test proves nothing).
                wait_for(lambda: _pushed_at_offset(recorder, int(offset)), timeout=10,
                         what=f"last_push_at {offset} s off")
        assert run.poll() is None, "the bridge exited"
        ok = True
    finally:
        run.terminate()
        _, err = run.communicate(timeout=30)
        if not ok:
            print(f"vitrine-bridge run said:\n{err[-4000:]}")  # shown with the failure
    assert run.returncode == 0, err[-2000:]


def _pushed_at_offset(recorder: Bridge, offset_s: int) -> bool:
    """True when the bridge's last push was stamped about offset_s seconds off real time."""
    stamp = recorder.status()["last_push_at"]
    if not stamp:
        return False
    pushed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return abs((pushed - datetime.now(timezone.utc)).total_seconds() - offset_s) < 300
