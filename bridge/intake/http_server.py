"""The LAN intake server: POS systems and scripts POST events or receipts to the bridge.

Stdlib ThreadingHTTPServer speaking HTTP/1.1 with keep-alive. Every POST needs
`Authorization: Bearer <[intake] token>`; a request is refused as a whole (4xx JSON
error, nothing stored) when its token, size, content type or JSON is wrong, and answered
per event otherwise, like HQ does.

    server = IntakeServer(bridge); server.start(); server.port  # the bound port
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bridge.errors import VitrineError

log = logging.getLogger("bridge.intake")

EVENTS_PATH = "/v1/intake/events"
RECEIPTS_PATH = "/v1/intake/receipts"
HEALTH_PATH = "/v1/intake/health"
# Socket timeout per connection: a client that stalls mid-request (a body shorter than its
# Content-Length, a slow drip) or an idle keep-alive is dropped instead of holding a
# thread and a socket for good.
REQUEST_TIMEOUT_S = 30.0
EVENT_FIELDS = ("type", "device_id", "payload", "profile_id", "claim_code", "id", "occurred_at")


class RequestRefused(VitrineError):
    """A whole intake request is refused; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class IntakeServer:
    """Serves the intake endpoints for one Bridge on `[intake] host`/`port` (0 picks a port)."""

    def __init__(self, bridge: Any, host: str | None = None, port: int | None = None) -> None:
        self.bridge = bridge
        s = bridge.settings.intake
        handler = type("BoundIntakeHandler", (IntakeHandler,),
                       {"bridge": bridge, "timeout": REQUEST_TIMEOUT_S})
        self.httpd = ThreadingHTTPServer((host or s.host, s.port if port is None else port), handler)
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="intake-server",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests and close the listening socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join()


class IntakeHandler(BaseHTTPRequestHandler):
    """One request: authenticate, bound, parse, then record."""

    protocol_version = "HTTP/1.1"
    server_version = "vitrine-intake/0.1"
    bridge: Any = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != HEALTH_PATH:
            return self._send(404, {"error": f"no such endpoint: GET {self.path}"})
        status = self.bridge.status()
        self._send(200, {"status": "ok", **{k: status[k] for k in (
            "pending", "dead_letters", "oldest_pending_age_s", "last_push_at",
            "hq_reachable", "auth_failed")}})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path not in (EVENTS_PATH, RECEIPTS_PATH):
            self.close_connection = True
            return self._send(404, {"error": f"no such endpoint: POST {self.path}"})
        try:
            data = self._read_json()
            if path == EVENTS_PATH:
                results = record_events(self.bridge, _items(data, "events"))
            else:
                from bridge.intake.receipts.recording import receive_documents

                results = receive_documents(self.bridge, _items(data, "receipts", "documents"))
        except RequestRefused as exc:
            log.warning("intake %s refused (%d): %s", path, exc.status, exc)
            return self._send(exc.status, {"error": str(exc)})
        except VitrineError as exc:
            log.error("intake %s failed: %s", path, exc)
            return self._send(503, {"error": str(exc)})
        self._send(200, {"results": results})

    def _read_json(self) -> Any:
        """Check token, type and size before reading a byte of the body, then parse it."""
        expected = self.bridge.settings.intake.token
        given = self.headers.get("Authorization", "")
        if not expected:
            self._refuse(401, "intake is disabled: no [intake] token is configured")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            self._refuse(401, "missing or wrong bearer token")
        ctype = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            self._refuse(415, f"Content-Type must be application/json, got {ctype or 'none'!r}")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._refuse(411, "Content-Length required")
        limit = self.bridge.settings.intake.max_body_bytes
        if int(length) > limit:
            self._refuse(413, f"body of {length} bytes exceeds [intake] max_body_bytes = {limit}")
        raw = self.rfile.read(int(length))
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RequestRefused(400, f"body is not valid JSON: {exc}") from exc

    def _refuse(self, status: int, message: str) -> None:
        # The body was not read, so this connection cannot carry another request.
        self.close_connection = True
        raise RequestRefused(status, message)

    def _send(self, status: int, data: dict) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="vitrine-intake"')
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def _items(data: Any, *keys: str) -> list:
    """The list under one of keys of an object, or a bare list."""
    if isinstance(data, dict):
        for key in keys:
            if key in data:
                data = data[key]
                break
        else:
            raise RequestRefused(400, f"expected a list or an object with {keys[0]!r}")
    if not isinstance(data, list):
        raise RequestRefused(400, f"{keys[0]}: expected a list, got {type(data).__name__}")
    return data


def record_events(bridge: Any, events: list) -> list[dict]:
    """Record intake events (EVENT shape without seq); one HQ-style result per event."""
    results: list[dict | None] = [None] * len(events)
    valid: list[tuple[int, dict]] = []
    for i, event in enumerate(events):
        problem = _shape_problem(event)
        if problem:
            results[i] = {"id": _id_of(event), "status": "rejected", "error": problem}
        else:
            valid.append((i, {k: event[k] for k in EVENT_FIELDS if k in event}))
    # Through the receipts service, so card numbers in receipt events are masked before storage.
    from bridge.intake.receipts.recording import receive_events

    recorded = receive_events(bridge, [e for _, e in valid]) if valid else []
    for (i, _event), result in zip(valid, recorded):
        results[i] = result
    return results  # type: ignore[return-value]


def _shape_problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return f"event: expected an object, got {type(event).__name__}"
    if "seq" in event:
        return "seq: must not be sent; the bridge numbers each device's events"
    unknown = sorted(set(event) - set(EVENT_FIELDS))
    if unknown:
        return f"{unknown[0]}: unknown field"
    return None


def _id_of(event: Any) -> str | None:
    return event.get("id") if isinstance(event, dict) and isinstance(event.get("id"), str) else None
