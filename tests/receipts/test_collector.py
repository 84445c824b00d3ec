"""The garbage collector is paused while a chunk is ingested, and nothing relies on it there."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bridge.intake.collector import collector_paused
from bridge.intake.ingest import ingest_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector_off():
    """Automatic collection off for the test, so only gc.collect() finds cycles; restored after."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if was:
        gc.enable()


# Run in a fresh interpreter: in the suite's process, threads left by other tests (the kiosk's
# photo decoders, servers) make garbage of their own while the collector is off, which is not
# what this test is about (it failed so once in CI, with 87 objects nobody here made).
_INGEST_TWICE = """
import gc, sys
from collections import Counter
from pathlib import Path
from bridge.facade import Bridge
from bridge.intake.ingest import ingest_path
from tests.receipts.conftest import SAMPLES, make_settings, seed
from tests.receipts.poslog_samples import POSLOG_6

tmp = Path(sys.argv[1])
b = seed(Bridge.open(make_settings(tmp)))
gc.collect()
gc.disable()
gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to name it
for path in sorted(SAMPLES.glob("*.xml")) * 2:
    ingest_path(b, path)
bad = tmp / "bad.xml"
bad.write_text(POSLOG_6.replace("<ItemID>", "<ItemID>x</ItemID><Quantity>lots</Quantity><ItemID>", 1))
refused = len(ingest_path(b, bad).errors)
found = gc.collect()
kinds = Counter(type(o).__name__ for o in gc.garbage).most_common(5)
print(refused, found, kinds)
"""


def test_ingesting_real_exports_leaves_no_reference_cycle(tmp_path):
    # Pausing the collector is only safe if ingest builds no garbage that only it can free:
    # every vendor's file in the corpus (with its voids, refusals and skips), then again (duplicates).
    done = subprocess.run([sys.executable, "-c", _INGEST_TWICE, str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    refused, found, kinds = done.stdout.strip().splitlines()[-1].split(" ", 2)
    assert int(refused) > 0, "the broken file must be refused somewhere, or this test proves less"
    assert int(found) == 0, f"reference cycles left by ingest: {kinds}"


def test_collector_resumes_after_an_ingest_even_a_failed_one(open_bridge, tmp_path):
    assert gc.isenabled()
    b = open_bridge()
    (tmp_path / "t.xml").write_text("<POSLog><Transaction>")  # truncated: a Problem
    assert ingest_path(b, tmp_path / "t.xml").errors
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_collector_left_off_by_the_application_stays_off(collector_off):
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_from_two_threads_resume_only_after_the_last():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after the first left": False}
    assert gc.isenabled()
