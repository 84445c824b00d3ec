"""Fault injection and stopping: what the sync engine's tests rely on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from hq_helpers import AUTH, batch, event

ROOT = Path(__file__).resolve().parents[2]


def push(session, hq, n=1, **kwargs):
    return session.post(hq.url + "/v1/events", json=batch([event(n)]), timeout=kwargs.get("timeout", 10))


def test_status_fault_with_retry_after_then_normal_service(hq, session):
    hq.faults.add(status=503, retry_after=7, times=2)
    for _ in range(2):
        answer = push(session, hq)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "7"
    assert hq.event_count() == 0
    assert push(session, hq).json()["results"][0]["status"] == "accepted"


def test_faults_only_hit_their_path_prefix(hq, session):
    hq.faults.add(status=500, path_prefix="/v1/catalog")
    assert push(session, hq).status_code == 200
    assert session.get(hq.url + "/v1/catalog", timeout=10).status_code == 500
    assert session.get(hq.url + "/v1/catalog", timeout=10).status_code == 200


def test_garbage_body_fault(hq, session):
    hq.faults.add(body=b"<html>proxy error</html>")
    answer = push(session, hq)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert hq.event_count() == 0


def test_reset_fault_breaks_the_connection_and_the_next_request_works(hq, session):
    hq.faults.add(reset=True)
    with pytest.raises(requests.ConnectionError):
        push(session, hq)
    assert hq.event_count() == 0
    assert push(session, hq).status_code == 200


def test_delay_fault_makes_a_client_time_out_but_the_event_is_stored(hq, session):
    hq.faults.add(delay_s=3.0)
    with pytest.raises(requests.ReadTimeout):
        push(session, hq, timeout=0.3)
    # The delayed request still completes server-side; the retry is then a duplicate.
    hq.faults.clear()
    with requests.Session() as fresh:
        fresh.headers.update(AUTH)
        statuses = {push(fresh, hq).json()["results"][0]["status"]}
    assert statuses <= {"accepted", "duplicate"}


def test_stop_cuts_keep_alive_connections(tmp_path, catalog_dir, session):
    from hq.embedded import serve_in_thread

    running = serve_in_thread(tmp_path / "stop.db", tokens={"paris-marais": "test-token-paris"},
                              catalog_dir=catalog_dir)
    assert push(session, running).status_code == 200
    running.stop()
    with pytest.raises(requests.ConnectionError):
        push(session, running, n=2)


def test_cli_serve_prints_its_url_has_faults_endpoint_and_stops_on_sigterm(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hq", "serve", "--db", str(tmp_path / "cli.db"), "--port", "0",
         "--catalog", str(tmp_path / "none"), "--faults"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("vitrine-hq listening on http://127.0.0.1:")
        url = line.split()[-1]
        dev = {"Authorization": "Bearer dev-token-paris-marais"}
        assert requests.get(url + "/v1/keys", headers=dev, timeout=10).status_code == 200
        added = requests.post(url + "/_faults", json={"status": 429, "retry_after": 2}, timeout=10)
        assert added.json() == {"pending": 1}
        assert requests.post(url + "/v1/events", json=batch([event(1)]), headers=dev, timeout=10).status_code == 429
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "vitrine-hq stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_fault_endpoint_is_off_by_default(hq):
    assert requests.post(hq.url + "/_faults", json={"status": 500}, timeout=10).status_code == 404
