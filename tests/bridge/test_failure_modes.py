"""Failure modes found in review: each test failed before its fix (real HQ, files, sockets)."""

from __future__ import annotations

import os
import socket

import pytest
import requests

from bridge.errors import ConfigError
from bridge.intake import http_server as intake_server
from bridge.intake.http_server import IntakeServer

VIEW = {"type": "product_viewed", "device_id": "pos-1", "payload": {"product_id": "rm-1001"}}


def test_events_claimed_by_a_crashed_pass_are_sent_once_the_cause_is_fixed(
        open_bridge, hq, tmp_path, record_searches, hq_token):
    # The token file vanishes mid-rotation: the pass fails after claiming its batch.
    token_file = tmp_path / "token"
    bridge = open_bridge(hq={"token": "", "token_file": str(token_file)})
    record_searches(bridge, 5)
    with pytest.raises(ConfigError, match="token_file"):
        bridge.sync(pull=False)
    token_file.write_text(hq_token + "\n")
    token_file.chmod(0o600)  # a token file open to others is refused
    bridge.push()  # the scheduler's push job, without a restart
    assert hq.event_count() == 5
    assert bridge.status()["in_flight"] == 0


def test_a_body_shorter_than_its_content_length_does_not_hold_a_connection_forever(
        bridge, monkeypatch):
    monkeypatch.setattr(intake_server, "REQUEST_TIMEOUT_S", 0.5)
    server = IntakeServer(bridge)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled:
            stalled.sendall(b"POST /v1/intake/events HTTP/1.1\r\nHost: x\r\n"
                            b"Authorization: Bearer intake-secret\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
            # Another register is served meanwhile (threaded server) ...
            ok = requests.post(f"http://127.0.0.1:{server.port}/v1/intake/events", json=[VIEW],
                               headers={"Authorization": "Bearer intake-secret"}, timeout=10)
            assert ok.status_code == 200
            # ... and the stalled client is dropped rather than held: recv sees the close
            # (the 10 s socket timeout is only a deadline for a server that never closes).
            try:
                data = stalled.recv(4096)
            except TimeoutError:
                pytest.fail("the intake server held a stalled request open")
            while data:
                data = stalled.recv(4096)
        assert bridge.outbox.stats().pending == 1
    finally:
        server.stop()


def test_batch_limits_cut_by_a_413_recover_after_a_quiet_period(bridge, hq, clock, record_searches):
    from bridge.sync.push import LIMIT_RECOVERY_S

    configured = (bridge.settings.hq.batch_size, bridge.settings.hq.max_batch_bytes)
    record_searches(bridge, 400)
    hq.faults.add(status=413, times=2)  # the batch, then its first half: limits at a quarter
    assert bridge.sync(pull=False).drained
    assert (bridge.sync_ctx.batch_size, bridge.sync_ctx.max_bytes) == (100, configured[1] // 4)
    seen = []
    for _ in range(3):  # one doubling per quiet period, capped at the configured limits
        record_searches(bridge, 10)
        clock.advance(LIMIT_RECOVERY_S)
        assert bridge.sync(pull=False).drained
        seen.append((bridge.sync_ctx.batch_size, bridge.sync_ctx.max_bytes))
    assert seen == [(200, configured[1] // 2), (400, configured[1]), configured]
    assert bridge.sync_ctx.limits_cut_at is None
    assert hq.event_count() == 430


def test_an_oversized_image_is_not_cached_and_does_not_stop_the_others(
        open_bridge, catalog_hq, monkeypatch):
    from bridge.sync import hq_client

    monkeypatch.setattr(hq_client, "MAX_IMAGE_BYTES", 10_000)  # the fixture's JPEGs are < 1 kB
    images = catalog_hq.app.catalog_dir / "images"
    (images / "rm-1002.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(200_000))
    bridge = open_bridge(hq={"url": catalog_hq.url})
    report = bridge.sync()
    assert report.pull_error is None and report.products == 5
    assert bridge.catalog.product("rm-1002").images == ["/v1/images/rm-1002.jpg"]
    assert "/v1/images/rm-1002.jpg" in bridge.state.wanted_images()
    for other in ("rm-1000", "rm-1001", "rm-1003"):
        assert os.path.isfile(bridge.catalog.product(other).images[0])
    assert [p.stat().st_size < 10_000 for p in bridge.settings.image_cache_path.iterdir()] == [True] * 3
