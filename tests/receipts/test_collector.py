"""The garbage collector is paused while a chunk is ingested, and nothing relies on it there."""

from __future__ import annotations

import gc
import threading

import pytest

from bridge.intake.collector import collector_paused
from bridge.intake.ingest import ingest_path

from .conftest import SAMPLES, seed
from .poslog_samples import POSLOG_6


@pytest.fixture
def collector_off():
    """Automatic collection off for the test, so only gc.collect() finds cycles; restored after."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_ingesting_real_exports_leaves_no_reference_cycle(open_bridge, tmp_path, collector_off):
    # Pausing the collector is only safe if ingest builds no garbage that only it can free:
    # every vendor's file in the corpus (with its voids, refusals and skips), then again (duplicates).
    b = open_bridge()
    seed(b)
    gc.collect()
    for path in sorted(SAMPLES.glob("*.xml")) * 2:
        ingest_path(b, path)
    bad = tmp_path / "bad.xml"
    bad.write_text(POSLOG_6.replace("<ItemID>", "<ItemID>x</ItemID><Quantity>lots</Quantity><ItemID>", 1))
    report = ingest_path(b, bad)
    assert report.errors, "the broken file must be refused somewhere, or this test proves less"
    assert gc.collect() == 0


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
