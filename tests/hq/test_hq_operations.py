"""What operators and load balancers use: stats.json, /healthz, /readyz, and 503 when the database goes away."""

from __future__ import annotations

import time

import psycopg
import pytest
import requests
from hq_helpers import AUTH, batch, event

from hq.embedded import serve_in_thread


def test_stats_count_each_event_once_per_device_with_gaps(hq, session):
    events = [event(1), event(2), event(5), event(9, seq=1, device="pos-1"), event(10, seq=3, device="pos-1")]
    session.post(hq.url + "/v1/events", json=batch(events), timeout=10).raise_for_status()
    session.post(hq.url + "/v1/events", json=batch(events + [event(3)]), timeout=10).raise_for_status()
    stats = requests.get(hq.url + "/stores/paris-marais/stats.json", timeout=10).json()
    assert stats == {"events": 6, "devices": {"kiosk-1": {"events": 4, "max_seq": 5, "gaps": [[4, 4]]},
                                              "pos-1": {"events": 2, "max_seq": 3, "gaps": [[2, 2]]}}}
    assert requests.get(hq.url + "/stores/nowhere/stats.json", timeout=10).json() == {"events": 0, "devices": {}}


def test_health_and_readiness_need_no_token(hq):
    assert requests.get(hq.url + "/healthz", timeout=10).json() == {"status": "ok"}
    assert requests.get(hq.url + "/readyz", timeout=10).json() == {"status": "ready"}


def wait_for(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


@pytest.fixture
def pg_hq(pg_cluster, catalog_dir):
    url = pg_cluster.new_database()
    running = serve_in_thread(url, tokens={"paris-marais": AUTH["Authorization"].split()[1]}, catalog_dir=catalog_dir)
    yield running, url
    running.stop()


def _cut_off(pg_cluster, url: str, allow: bool) -> None:
    """Refuse (or allow again) new connections to the database and end the open ones."""
    name = url.split("?")[0].rsplit("/", 1)[-1]
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {'true' if allow else 'false'}")
        if not allow:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


def test_a_database_gone_mid_service_gives_503_with_retry_after_and_stores_nothing(pg_cluster, pg_hq):
    running, url = pg_hq
    with requests.Session() as s:
        s.headers.update(AUTH)
        assert s.post(running.url + "/v1/events", json=batch([event(1)]), timeout=10).status_code == 200
        _cut_off(pg_cluster, url, allow=False)
        try:
            answer = s.post(running.url + "/v1/events", json=batch([event(2)]), timeout=30)
            assert answer.status_code == 503, answer.text
            assert int(answer.headers["Retry-After"]) > 0 and "database" in answer.json()["error"]
            assert requests.get(running.url + "/readyz", timeout=30).status_code == 503
            assert requests.get(running.url + "/healthz", timeout=10).status_code == 200
        finally:
            _cut_off(pg_cluster, url, allow=True)
        # the pool reconnects with backoff: ready again within a minute
        wait_for(lambda: requests.get(running.url + "/readyz", timeout=30).status_code == 200, 60)
        results = s.post(running.url + "/v1/events", json=batch([event(1), event(2)]), timeout=10).json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "accepted"]
    assert running.event_count() == 2


def test_cli_names_an_unreachable_database_without_its_password(tmp_path):
    import subprocess
    import sys

    url = f"postgresql://hq:s3cret@/hq?host={tmp_path}&connect_timeout=2"
    done = subprocess.run([sys.executable, "-m", "hq", "serve", "--database", url, "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("vitrine-hq: postgresql://hq:***@/hq") and "No such file" in last
    assert "s3cret" not in done.stderr
