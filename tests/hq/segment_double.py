"""A TEST DOUBLE of a Segment-style event pipeline (Segment's HTTP tracking API, as RudderStack and Jitsu speak it).

Only the behaviour Segment documents for POST /v1/batch: 200 {"success": true}; 400 for a body
that is not JSON, over 500 KB, or holding a message over 32 KB; 401 for a write key (HTTP basic
auth's user name) it does not know. Tests can also make it answer 429/500 with Retry-After,
be slow, or refuse named messageIds with 400 (a "poison" event), and read what it received.

    double = SegmentDouble.start(write_key="wk-test")
    double.fail(status=429, times=2, retry_after=1)
    double.poison("ev-7")
    double.received_ids()      # every messageId received, repeats included, in order
    double.stop()
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BATCH_BYTES = 500 * 1024
MAX_MESSAGE_BYTES = 32 * 1024


DEV_WRITE_KEY = "wk-test-DEVELOPMENT"  # the write key the tests give HQ and the double


@dataclass
class _Plan:
    failures: deque = field(default_factory=deque)  # (status, retry_after) per next request
    down: tuple[int, str | None] | None = None  # answer every request so until recovered
    delay_s: float = 0.0
    poison: set = field(default_factory=set)


class SegmentDouble:
    """The receiver, serving on 127.0.0.1 in a thread."""

    def __init__(self, server: ThreadingHTTPServer, write_key: str) -> None:
        self._server = server
        self.write_key = write_key
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self.lock = threading.Lock()
        self.plan = _Plan()
        self.messages: list[dict] = []  # every message taken with a 200, repeats included
        self.requests: list[tuple[int, int, str | None]] = []  # (status, messages, sentAt) per request
        self.arrived = threading.Condition(self.lock)

    @classmethod
    def start(cls, write_key: str = "wk-test", port: int = 0) -> SegmentDouble:
        server = _Server(("127.0.0.1", port), _Handler)
        double = cls(server, write_key)
        server.double = double  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, name="segment-double", daemon=True).start()
        return double

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests ask of it ------------------------------------------------------

    def fail(self, status: int, times: int = 1, retry_after: str | int | None = None) -> None:
        with self.lock:
            self.plan.failures.extend([(status, None if retry_after is None else str(retry_after))] * times)

    def outage(self, status: int = 503, retry_after: str | int | None = None) -> None:
        with self.lock:
            self.plan.down = (status, None if retry_after is None else str(retry_after))

    def recover(self) -> None:
        with self.lock:
            self.plan.down = None
            self.plan.failures.clear()

    def slow(self, delay_s: float) -> None:
        with self.lock:
            self.plan.delay_s = delay_s

    def poison(self, *message_ids: str) -> None:
        with self.lock:
            self.plan.poison.update(message_ids)

    def received_ids(self) -> list[str]:
        with self.lock:
            return [m.get("messageId") for m in self.messages]

    def wait_for(self, count: int, timeout_s: float = 30.0) -> bool:
        """Block until at least count distinct messageIds were received (False on timeout)."""
        deadline = time.monotonic() + timeout_s
        with self.arrived:
            while len({m.get("messageId") for m in self.messages}) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
            return True

    def wait_for_total(self, count: int, timeout_s: float = 30.0) -> bool:
        """Block until at least count messages were received, repeats included (False on timeout)."""
        deadline = time.monotonic() + timeout_s
        with self.arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
            return True

    # --- answering -----------------------------------------------------------------

    def answer(self, auth: str | None, body: bytes) -> tuple[int, dict, str | None]:
        """(status, JSON answer, Retry-After) for one POST /v1/batch."""
        with self.lock:
            delay = self.plan.delay_s
        if delay:
            time.sleep(delay)  # a slow receiver, on purpose
        if _user(auth) != self.write_key:
            return 401, {"success": False, "message": "invalid write key"}, None
        with self.lock:
            if self.plan.down is not None:
                status, retry = self.plan.down
                return status, {"success": False}, retry
            if self.plan.failures:
                status, retry = self.plan.failures.popleft()
                return status, {"success": False}, retry
        error, batch = _check(body)
        if error is None:
            with self.lock:
                bad = sorted(m.get("messageId") for m in batch if m.get("messageId") in self.plan.poison)
            error = f"rejected messageId {bad[0]}" if bad else None
        if error is not None:
            return 400, {"success": False, "message": error}, None
        with self.arrived:
            self.messages.extend(batch)
            self.arrived.notify_all()
        return 200, {"success": True}, None


def _user(auth: str | None) -> str | None:
    if not auth or not auth.startswith("Basic "):
        return None
    try:
        return base64.b64decode(auth[6:]).decode("utf-8").partition(":")[0]
    except ValueError:
        return None


def _check(body: bytes) -> tuple[str | None, list]:
    """Segment's documented 400s: not JSON, too large, a message too large."""
    if len(body) > MAX_BATCH_BYTES:
        return f"batch of {len(body)} bytes is over 500 KB", []
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "invalid JSON", []
    batch = doc.get("batch") if isinstance(doc, dict) else None
    if not isinstance(batch, list) or not all(isinstance(m, dict) for m in batch):
        return "batch: expected a list of messages", []
    for m in batch:
        if len(json.dumps(m).encode("utf-8")) > MAX_MESSAGE_BYTES:
            return f"message {m.get('messageId')} is over 32 KB", []
    return None, batch


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a sender killed mid-request (the crash tests do it) resets its connection."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        double: SegmentDouble = self.server.double  # type: ignore[attr-defined]
        if self.path != "/v1/batch":
            status, doc, retry = 404, {"success": False}, None
        else:
            status, doc, retry = double.answer(self.headers.get("Authorization"), body)
        sent_at = None
        if status == 200:
            sent_at = json.loads(body).get("sentAt")
        with double.lock:
            double.requests.append((status, body.count(b'"messageId"'), sent_at))
        out = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        if retry is not None:
            self.send_header("Retry-After", retry)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read the double's records instead."""
