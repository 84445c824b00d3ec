"""The hostile-input battery for HQ, on SQLite and PostgreSQL: every malformed request gets a clear 4xx.

Raw sockets where a client library would tidy the request up (odd headers, paths, slow senders).
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from hq_helpers import AUTH, OTHER_TOKEN, TOKEN, batch, event

from hq.embedded import serve_in_thread
from tests.support.raw_http import exchange, status


def raw(hq, data: bytes, *, timeout: float = 10) -> tuple[int, bytes]:
    """Send bytes as they are; return the answer's status and whole text (the server closes or we time out)."""
    answer = exchange(("127.0.0.1", hq.port), data, timeout)
    return status(answer), answer


def request(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: hq", f"Authorization: Bearer {TOKEN}",
            f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def post(hq, data: bytes, **headers) -> requests.Response:
    return requests.post(hq.url + "/v1/events", data=data, headers={**AUTH, **headers}, timeout=10)


GOOD = json.dumps(batch([event(1)])).encode()


def test_tokens_and_stores(hq):
    assert post(hq, GOOD, Authorization="").status_code == 401
    assert post(hq, GOOD, Authorization="Basic dXNlcjpwYXNz").status_code == 401
    assert post(hq, GOOD, Authorization=f"Bearer {TOKEN}x").status_code == 401
    assert post(hq, GOOD, Authorization=f"Bearer {OTHER_TOKEN}").status_code == 403
    assert post(hq, GOOD, Authorization="Bearer \u00e9t\u00e9".encode("utf-8").decode("latin-1")).status_code == 401
    assert hq.event_count() == 0


def test_the_token_is_checked_before_the_body_is_read(hq):
    # a wrong token with a declared body that never comes: answered at once, not after a body timeout
    head = request("POST", "/v1/events", headers={"Content-Type": "application/json"}).replace(
        b"Content-Length: 0", b"Content-Length: 900000").replace(TOKEN.encode(), b"wrong")
    status, answer = raw(hq, head, timeout=5)
    assert status == 401 and b"token" in answer


def test_sizes_and_encodings(hq):
    assert post(hq, b"x" * 1_100_000).status_code == 413
    assert post(hq, gzip.compress(b" " * 1_100_000), **{"Content-Encoding": "gzip"}).status_code == 413
    assert post(hq, b"\x1f\x8b\x08\x00garbage", **{"Content-Encoding": "gzip"}).status_code == 400
    assert post(hq, gzip.compress(GOOD)[:-12], **{"Content-Encoding": "gzip"}).status_code == 400
    assert post(hq, GOOD, **{"Content-Encoding": "br"}).status_code == 415
    assert post(hq, GOOD, **{"Content-Type": "text/plain"}).status_code == 415
    assert post(hq, GOOD, **{"Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    latin = json.dumps(batch([event(1, payload={"product_id": "été"})]), ensure_ascii=False).encode("latin-1")
    answer = post(hq, latin)
    assert answer.status_code == 400 and "UTF-8" in answer.json()["error"]
    assert post(hq, b"\xef\xbb\xbf" + GOOD).status_code == 400  # a BOM is not JSON
    assert hq.event_count() == 0


def test_deep_nesting_is_400_not_500(hq, session):
    for body in (b"[" * 100_000, b"{\"a\":" * 50_000 + b"1" + b"}" * 50_000):
        answer = post(hq, body)
        assert answer.status_code == 400 and "nested" in answer.json()["error"]
    deep_payload = json.dumps(batch([event(1, payload={"product_id": "rm-1", "x": "DEEP"})]))
    deep_payload = deep_payload.replace('"DEEP"', "[" * 5000 + "]" * 5000)
    assert post(hq, deep_payload.encode()).status_code == 400
    claim = session.post(hq.url + "/v1/claims/abc", data=b"[" * 100_000, timeout=10)
    assert claim.status_code == 400
    assert post(hq, GOOD).status_code == 200  # and the server goes on serving


def test_odd_headers(hq):
    assert raw(hq, request("POST", "/v1/events", GOOD).replace(b"Content-Length: ", b"Content-Length: x"))[0] == 400
    superscript = request("POST", "/v1/events", GOOD).replace(
        f"Content-Length: {len(GOOD)}".encode(), "Content-Length: \u00b2".encode())
    assert raw(hq, superscript)[0] == 400
    twice = request("POST", "/v1/events", GOOD, {"Content-Length": str(len(GOOD) + 5)})
    assert raw(hq, twice)[0] == 400
    negative = request("POST", "/v1/events", GOOD).replace(f"Content-Length: {len(GOOD)}".encode(), b"Content-Length: -1")
    assert raw(hq, negative)[0] == 400
    chunked = (request("POST", "/v1/events").replace(b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n")
               + f"{len(GOOD):x}\r\n".encode() + GOOD + b"\r\n0\r\n\r\n")
    assert raw(hq, chunked)[0] == 411
    assert raw(hq, b"GARBAGE\r\n\r\n")[0] == 400
    assert raw(hq, request("POST", "/v1/events", GOOD, {"X-Long": "a" * 1_000_000}))[0] in (400, 431)
    assert raw(hq, request("BREW", "/v1/events", GOOD))[0] == 405
    assert hq.event_count() == 0


def test_path_traversal_on_images(hq):
    for path in ("/v1/images/..%2F..%2Fetc%2Fpasswd", "/v1/images/../../etc/passwd", "/v1/images/.hidden",
                 "/v1/images/..", "/v1/images/%2e%2e%2fproducts.json", "/v1/images/rm-1-1.jpg%00.png",
                 "/v1/images/%5c..%5cproducts.json", "/v1/images//etc/passwd"):
        status, answer = raw(hq, request("GET", path))
        assert status == 404, path
        assert b"root:" not in answer and b'"variants"' not in answer
    assert raw(hq, request("GET", "/v1/images/rm-1-1.jpg"))[0] == 200


def test_200_concurrent_clients_are_all_served(hq):
    def push(n: int) -> int:
        with requests.Session() as s:
            return s.post(hq.url + "/v1/events", json=batch([event(n, seq=n)]), headers=AUTH, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(push, range(1, 201)))
    assert statuses == [200] * 200
    assert hq.event_count() == 200
    stats = requests.get(hq.url + "/stores/paris-marais/stats.json", timeout=10).json()
    assert stats["devices"]["kiosk-1"] == {"events": 200, "max_seq": 200, "gaps": []}


@pytest.fixture
def quick_hq(database, catalog_dir):
    """An HQ that cuts off a client whose headers take more than 1 s, or whose body takes more than 2 s."""
    running = serve_in_thread(database, tokens={"paris-marais": TOKEN}, catalog_dir=catalog_dir,
                              header_timeout_s=1.0, body_timeout_s=2.0)
    yield running
    running.stop()


def test_slowloris_is_cut_off_while_others_are_served(quick_hq):
    slow = [socket.create_connection(("127.0.0.1", quick_hq.port), timeout=10) for _ in range(20)]
    cut = []

    def dribble(sock: socket.socket) -> None:
        try:
            for ch in b"POST /v1/events HTTP/1.1\r\nHost: hq\r\nX-Slow: " + b"a" * 100:
                sock.sendall(bytes([ch]))
                if not _wait_closed(sock, 0.2):
                    continue
                cut.append(True)
                return
        except OSError:
            cut.append(True)

    threads = [threading.Thread(target=dribble, args=(s,)) for s in slow]
    for t in threads:
        t.start()
    started = time.monotonic()
    with requests.Session() as s:  # meanwhile, a good client is served
        for n in range(1, 6):
            assert s.post(quick_hq.url + "/v1/events", json=batch([event(n)]), headers=AUTH, timeout=5).ok
    for t in threads:
        t.join(timeout=30)
    for s in slow:
        s.close()
    assert len(cut) == 20, "every slow client is cut off"
    assert time.monotonic() - started < 25  # cut after ~1 s each, not after their 20 s of dribbling
    # a slow body is cut off too: headers in time, then nothing
    status, _ = raw(quick_hq, request("POST", "/v1/events", b"").replace(b"Content-Length: 0",
                                                                          b"Content-Length: 50"), timeout=20)
    assert status == 408


def test_headers_too_slow_get_a_408_and_a_silent_connection_is_closed(quick_hq):
    status, answer = raw(quick_hq, b"POST /v1/events HTTP/1.1\r\nHost: hq\r\n", timeout=20)
    assert status == 408 and b"Connection: close" in answer
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"].startswith("headers:")
    with socket.create_connection(("127.0.0.1", quick_hq.port), timeout=20) as sock:
        assert sock.recv(100) == b""  # nothing sent, no request began: closed without an answer


def _wait_closed(sock: socket.socket, seconds: float) -> bool:
    """True when the server closed the connection within seconds (after the 408 it may send)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except TimeoutError:
        return False
    except OSError:
        return True
