"""Sync against the real reference HQ: every row of the contract's whole-request table."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bridge.sync.backoff import Backoff, parse_retry_after


def _corrupt(bridge, event_id: str, old: str, new: str) -> None:
    """Rewrite part of a stored event's JSON text (as a damaged or buggy producer would)."""
    with bridge.db.write() as conn:
        conn.execute("UPDATE outbox SET body = replace(body, ?, ?) WHERE id = ?", (old, new, event_id))


def _dead_ids(bridge) -> list[str]:
    return [d.id for d in bridge.outbox.dead_letters()]


def test_push_delivers_every_event_once_in_batches(bridge, hq, record_searches):
    record_searches(bridge, 1234, "kiosk-1")
    record_searches(bridge, 10, "pos-1")
    report = bridge.sync(pull=False)
    # Three batches through the pipelined push: still exactly once, no seq gaps.
    assert report.drained and report.acked == 1244 and report.requests == 3
    assert hq.event_count() == 1244
    assert not any(hq.gaps().values())
    assert bridge.outbox.stats().acked == 1244
    status = bridge.status()
    assert status["pending"] == 0 and status["hq_reachable"] is True
    assert status["last_push_at"] and status["last_error"] is None


def test_events_sent_again_are_acked_as_duplicates(bridge, hq, record_searches):
    record_searches(bridge, 20)
    rows = bridge.db.read().execute("SELECT pos, id, recorded_at, body FROM outbox").fetchall()
    bridge.sync(pull=False)
    with bridge.db.write() as conn:  # as if the acks had been lost in a crash
        conn.execute("DELETE FROM acked")
        conn.executemany("INSERT INTO outbox(pos, id, status, recorded_at, body) "
                         "VALUES (?, ?, 0, ?, ?)", rows)
    report = bridge.sync(pull=False)
    assert report.drained and report.duplicates == 20
    assert hq.event_count() == 20


def test_400_bisects_to_isolate_a_poison_event(bridge, hq, record_searches):
    ids = record_searches(bridge, 500)
    poison = ids[250]
    _corrupt(bridge, poison, f'"id":"{poison}"', '"id":"not a valid id!"')
    report = bridge.sync(pull=False)
    assert hq.event_count() == 499
    assert _dead_ids(bridge) == [poison]
    assert "400" in bridge.outbox.dead_letters()[0].reason
    assert report.dead == 1 and report.drained


def test_rejected_event_is_dead_lettered_with_hqs_error(bridge, hq, record_searches):
    ids = record_searches(bridge, 5)
    _corrupt(bridge, ids[2], '"results_count":2', '"results_count":-2')
    report = bridge.sync(pull=False)
    assert report.acked == 4 and report.dead == 1
    [dead] = bridge.outbox.dead_letters()
    assert dead.id == ids[2] and "results_count" in dead.reason


def test_401_stops_pushing_and_resumes_when_the_token_file_is_fixed(open_bridge, hq, tmp_path, caplog, record_searches, hq_token):
    token_file = tmp_path / "token"
    token_file.write_text("wrong-token\n")
    token_file.chmod(0o600)  # a token file open to others is refused
    bridge = open_bridge(hq={"token": "", "token_file": str(token_file)})
    record_searches(bridge, 5)
    with caplog.at_level(logging.ERROR, logger="bridge.sync"):
        report = bridge.sync(pull=False)
    assert report.auth_failed and "token" in report.error
    assert any(r.levelno == logging.ERROR and "token" in r.getMessage() for r in caplog.records)
    status = bridge.status()
    assert status["auth_failed"] is True and status["pending"] == 5
    assert bridge.sync(pull=False).requests == 0  # the same bad token is not hammered
    token_file.write_text(hq_token + "\n")
    report = bridge.sync(pull=False)
    assert report.drained and not report.auth_failed
    assert hq.event_count() == 5 and bridge.status()["auth_failed"] is False


def test_revoked_token_is_retried_every_pull_interval(bridge, hq, clock, record_searches, hq_token):
    record_searches(bridge, 3)
    hq.revoke_token("paris-marais")
    assert bridge.sync(pull=False).auth_failed
    hq.set_token("paris-marais", hq_token)
    assert bridge.sync(pull=False).requests == 0
    clock.advance(bridge.settings.bridge.pull_interval_s)
    assert bridge.sync(pull=False).drained
    assert hq.event_count() == 3


def test_403_keeps_every_event(bridge, hq, clock, record_searches):
    record_searches(bridge, 3)
    hq.faults.add(status=403)
    report = bridge.sync(pull=False)
    assert report.auth_failed and report.pending == 3 and not _dead_ids(bridge)
    clock.advance(bridge.settings.bridge.pull_interval_s)
    assert bridge.sync(pull=False).drained and hq.event_count() == 3


def test_413_halves_the_batch_limits(bridge, hq, record_searches):
    record_searches(bridge, 400)
    hq.faults.add(status=413)
    report = bridge.sync(pull=False)
    assert report.drained and hq.event_count() == 400
    assert bridge.sync_ctx.batch_size == 200
    assert bridge.sync_ctx.max_bytes == bridge.settings.hq.max_batch_bytes // 2


def test_413_on_a_single_event_dead_letters_it(bridge, hq, record_searches):
    [event_id] = record_searches(bridge, 1)
    hq.faults.add(status=413)
    bridge.sync(pull=False)
    assert _dead_ids(bridge) == [event_id]
    assert "413" in bridge.outbox.dead_letters()[0].reason


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_a_minimum_wait(bridge, hq, clock, status, record_searches):
    record_searches(bridge, 3)
    hq.faults.add(status=status, retry_after=30)
    report = bridge.sync(pull=False)
    assert report.error and report.retry_in_s >= 30 and report.pending == 3
    assert bridge.status()["retry_at"]
    clock.advance(29)
    assert bridge.sync(pull=False).requests == 0
    clock.advance(1.5)
    assert bridge.sync(pull=False).drained and hq.event_count() == 3


@pytest.mark.parametrize("fault", [
    {"status": 500}, {"status": 502}, {"reset": True},
    {"body": b"not json"}, {"body": b'{"results": []}'},
    {"body": b'{"results": [{"id": "someone-else", "status": "accepted"}]}'},
], ids=["500", "502", "reset", "200-not-json", "200-wrong-count", "200-unknown-id"])
def test_transient_failures_back_off_then_deliver(bridge, hq, clock, fault, record_searches):
    record_searches(bridge, 1 if "someone-else" in str(fault.get("body")) else 4)
    hq.faults.add(**fault)
    report = bridge.sync(pull=False)
    assert report.error and report.pending >= 1 and report.in_flight == 0
    assert report.retry_in_s is not None and report.retry_in_s <= bridge.settings.hq.backoff_base_s
    assert not _dead_ids(bridge)
    clock.advance(bridge.settings.hq.backoff_base_s)
    assert bridge.sync(pull=False).drained
    assert hq.event_count() == report.pending


def test_timeout_is_transient_and_hq_stores_each_event_once(open_bridge, hq, clock, record_searches, wait_for):
    bridge = open_bridge(hq={"timeout_s": 0.3})
    record_searches(bridge, 4)
    hq.faults.add(delay_s=1.0)
    report = bridge.sync(pull=False)
    assert "timed out" in report.error and report.pending == 4
    assert bridge.status()["hq_reachable"] is False
    wait_for(lambda: hq.event_count() == 4, what="HQ to finish the slow request")
    clock.advance(bridge.settings.hq.backoff_base_s)
    report = bridge.sync(pull=False)
    assert report.drained and report.duplicates == 4 and hq.event_count() == 4


def test_hq_down_then_up(open_bridge, tmp_path, clock, record_searches):
    from hq.embedded import serve_in_thread

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bridge = open_bridge(hq={"url": f"http://127.0.0.1:{port}"})
    record_searches(bridge, 7)
    report = bridge.sync(pull=False)
    assert "unreachable" in report.error and bridge.status()["hq_reachable"] is False
    hq = serve_in_thread(tmp_path / "late-hq.db", port=port)
    try:
        assert bridge.sync(pull=False).requests == 0  # still inside the backoff window
        clock.advance(bridge.settings.hq.backoff_base_s)
        assert bridge.sync(pull=False).drained and hq.event_count() == 7
    finally:
        hq.stop()


def test_a_wall_clock_in_1970_never_stops_pushing(open_bridge, hq, clock):
    clock.wall = datetime(1970, 1, 1, tzinfo=timezone.utc)
    bridge = open_bridge()
    for i in range(3):
        bridge.record("product_viewed", device_id="kiosk-1", payload={"product_id": f"p{i}"},
                      occurred_at="1970-01-01T00:00:00.000+00:00")
    hq.faults.add(status=500)
    assert bridge.sync(pull=False).error
    clock.advance(bridge.settings.hq.backoff_base_s)
    clock.wall -= timedelta(hours=5)  # someone sets the clock back further
    assert bridge.sync(pull=False).drained and hq.event_count() == 3


def test_a_retry_after_longer_than_backoff_max_is_honoured(bridge, hq, clock, record_searches):
    record_searches(bridge, 2)
    hq.faults.add(status=503, retry_after=900)  # the test config's backoff_max_s is 60
    report = bridge.sync(pull=False)
    assert report.error and report.retry_in_s >= 900
    clock.advance(899)
    assert bridge.sync(pull=False).requests == 0
    clock.advance(1.5)
    assert bridge.sync(pull=False).drained and hq.event_count() == 2


def test_backoff_is_exponential_with_full_jitter_and_capped(clock):
    top = Backoff(1.0, 60.0, clock, rng=lambda: 1.0)
    assert [top.fail() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    low = Backoff(1.0, 60.0, clock, rng=lambda: 0.0)
    assert low.fail() == 0 and low.fail(min_wait_s=7) == 7
    assert low.fail(min_wait_s=600) == 600  # Retry-After is honoured past max_s (the contract)
    assert low.fail(min_wait_s=10_000) == 3600  # but a hostile one cannot park the sender for days
    assert Backoff(1.0, 60.0, clock, rng=lambda: 0.0, retry_after_max_s=120).fail(min_wait_s=10_000) == 120
    low.succeed()
    assert low.ready() and low.failures == 0


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Mon, 23 Nov 2026 13:01:30 GMT", now) == 90
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def _pull_bridge(open_bridge, catalog_hq):
    bridge = open_bridge(hq={"url": catalog_hq.url})
    bridge.sync_ctx.page_size = 2  # five products: three pages
    return bridge


def test_pull_pages_catalog_stock_keys_and_caches_images(open_bridge, catalog_hq):
    bridge = _pull_bridge(open_bridge, catalog_hq)
    report = bridge.sync()
    assert report.pull_error is None and report.products == 5 and report.stock_levels == 5
    assert bridge.jwks()["keys"] and bridge.state.cursor("catalog") and bridge.state.cursor("stock")
    assert bridge.catalog.count() == 5
    cached = bridge.catalog.product("rm-1001").images
    assert cached[0].startswith(str(bridge.settings.image_cache_path))
    with open(cached[0], "rb") as f:
        assert f.read(3) == b"\xff\xd8\xff"  # the real JPEG
    assert bridge.catalog.product("rm-1004").images == ["/v1/images/rm-1004.jpg"]  # missing at HQ
    assert bridge.sync().products == 0  # cursors: nothing changed since


def test_unchanged_images_are_not_downloaded_again(open_bridge, catalog_hq):
    bridge = _pull_bridge(open_bridge, catalog_hq)
    bridge.sync()
    path = bridge.catalog.product("rm-1002").images[0]
    before = os.stat(path).st_mtime_ns
    assert bridge.state.image("/v1/images/rm-1002.jpg")[1]  # the ETag is kept
    catalog_hq.bump_catalog()  # every product changes, the images do not
    assert bridge.sync().products == 5
    assert os.stat(path).st_mtime_ns == before
    assert bridge.catalog.product("rm-1002").images == [path]


def test_a_broken_image_never_stops_the_pull(open_bridge, catalog_hq):
    bridge = _pull_bridge(open_bridge, catalog_hq)
    catalog_hq.faults.add(status=500, path_prefix="/v1/images/", times=2)
    catalog_hq.faults.add(reset=True, path_prefix="/v1/images/")
    report = bridge.sync()
    assert report.pull_error is None and report.products == 5 and bridge.jwks()["keys"]
    # The failed downloads were retried at the end of the pull; only the missing one is left.
    assert bridge.state.wanted_images() == ["/v1/images/rm-1004.jpg"]
    for pid in ("rm-1000", "rm-1001", "rm-1002", "rm-1003"):
        assert os.path.isfile(bridge.catalog.product(pid).images[0])


def test_pull_with_hq_down_keeps_the_local_catalog(open_bridge, catalog_hq):
    bridge = _pull_bridge(open_bridge, catalog_hq)
    bridge.sync()
    catalog_hq.faults.add(status=503, path_prefix="/v1/catalog")
    report = bridge.sync()
    assert report.pull_error and "503" in report.pull_error
    assert bridge.catalog.count() == 5 and bridge.jwks()["keys"]


def test_heartbeat_and_retention(bridge, hq, clock, record_searches):
    record_searches(bridge, 3)
    bridge.sync(pull=False)
    assert bridge.heartbeat() is True
    assert bridge.purge() == 0
    clock.advance(bridge.settings.bridge.retention_days * 86400 + 1)
    assert bridge.purge() == 3


def test_scheduler_pushes_what_is_recorded(open_bridge, hq, record_searches, wait_for):
    bridge = open_bridge()
    bridge.start(intake=False)
    record_searches(bridge, 50)
    wait_for(lambda: hq.event_count() == 50, what="the push job to deliver 50 events")
    bridge.stop()
    assert bridge.scheduler is None and bridge.status()["in_flight"] == 0


def test_a_retry_after_in_unicode_digits_is_ignored_not_a_crash(open_bridge, clock, record_searches):
    """A 503 whose Retry-After is "²" (latin-1 0xB2: str.isdigit() says yes, float() says no)."""
    class Busy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(503)
            self.send_header("Retry-After", "\u00b2")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        bridge = open_bridge(hq={"url": f"http://127.0.0.1:{server.server_address[1]}"})
        record_searches(bridge, 2)
        report = bridge.sync(pull=False)
        assert report.error and "503" in report.error and report.pending == 2
        assert parse_retry_after("\u00b2", datetime(2026, 11, 23, tzinfo=timezone.utc)) is None
    finally:
        server.shutdown()
        server.server_close()
