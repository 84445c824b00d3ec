"""The reference HQ HTTP server: the whole profile API v1 on the standard library's ThreadingHTTPServer.

For development, demos and tests; not a production CDP. Tests start one in a thread:

    hq = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": "t0k3n"})
    requests.get(hq.url + "/v1/keys", headers={"Authorization": "Bearer t0k3n"})
    hq.faults.add(status=503, retry_after=5)
    hq.stop()
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import socket
import struct
import sys
import threading
import traceback
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hq import dashboard
from hq.catalog_files import DEFAULT_CATALOG_DIR, feed_image_url, image_file, load_products, load_stock
from hq.errors import HTTPFailure
from hq.faults import Fault, Faults
from hq.feeds import catalog_page, stock_page
from hq.store import HQStore, utc_now
from hq.tokens import jwks, load_signing_key
from hq.validation import MAX_BODY_BYTES, BatchInvalid, check_batch, check_event, is_timestamp

DEV_STORE = "paris-marais"
DEV_TOKEN = "dev-token-paris-marais"  # development only: documented in hq/README.md
DEMO_PROFILES = [("p-camille", "Camille", "fr"), ("p-james", "James", "en"), ("p-ines", "Inès", "fr")]
OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"

_CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")
# A request body larger than this is not even drained: the connection is closed instead.
_DRAIN_LIMIT = 16 * MAX_BODY_BYTES


@dataclass
class HQApp:
    """What every request handler shares: the store, the catalog files, the keys, the faults."""

    store: HQStore
    catalog_dir: Path
    signing_keys: list = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    fault_endpoint: bool = False
    verbose: bool = False
    stopping: threading.Event = field(default_factory=threading.Event)

    def jwks(self) -> dict:
        return jwks(self.signing_keys)


class HQServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open connections, so stop() can cut keep-alive ones."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: HQApp) -> None:
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request, client_address) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut every open connection down, so clients see HQ go away at once."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 keep-alive connection; routes each request to a small function."""

    protocol_version = "HTTP/1.1"
    server_version = "vitrine-hq/0.1"
    timeout = 120  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # else Nagle plus delayed ACKs add ~40 ms per answer
    server: HQServer

    def log_message(self, format: str, *args) -> None:
        if self.server.app.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # --- plumbing -------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        try:
            body = self._read_body() if method in ("POST", "DELETE") else b""
            fault = app.faults.take(url.path)
            if fault is not None and self._apply_fault(fault):
                return
            route(self, method, url.path, parse_qs(url.query), body)
        except HTTPFailure as failure:
            self.send_json(failure.status, {"error": failure.message}, failure.headers)
        except Exception:  # a bug in the reference server: answer 500, keep serving
            traceback.print_exc(file=sys.stderr)
            self.send_json(500, {"error": "internal error (see the server's log)"})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise HTTPFailure(411, "Content-Length: required (chunked bodies are not accepted)")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.close_connection = True
            raise HTTPFailure(400, "Content-Length: not an integer") from None
        if length > MAX_BODY_BYTES:
            if length <= _DRAIN_LIMIT:
                self.rfile.read(length)  # drained, so the client reads our answer and keeps its connection
            else:
                self.close_connection = True
            raise HTTPFailure(413, f"body: {length} bytes, more than {MAX_BODY_BYTES}")
        return self.rfile.read(length) if length > 0 else b""

    def _apply_fault(self, fault: Fault) -> bool:
        """Apply an injected fault; True when it replaced the real answer."""
        if fault.delay_s:
            self.server.app.stopping.wait(fault.delay_s)
        if fault.reset:
            # SO_LINGER 0 then close sends a TCP RST instead of an orderly FIN.
            self.close_connection = True
            self.rfile.close()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return True
        if fault.status is None and fault.body is None:
            return False
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        status = fault.status or 200
        if fault.body is not None:
            self.send_bytes(status, fault.body, "application/json", headers)
        else:
            self.send_json(status, {"error": f"injected fault: {status}"}, headers)
        return True

    def send_bytes(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        if status not in (204, 304):
            self._headers_buffer.append(b"\r\n" + data)  # one write for headers and body
            self.flush_headers()
        else:
            self.end_headers()

    def send_json(self, status: int, obj: object, headers: dict | None = None) -> None:
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_bytes(status, data, "application/json", headers)

    def send_html(self, text: str) -> None:
        self.send_bytes(200, text.encode("utf-8"), "text/html; charset=utf-8")

    def store_of_token(self) -> str:
        """The store whose bearer token this request carries, else HTTPFailure(401)."""
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="vitrine-hq"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPFailure(401, "Authorization: a bearer token is required", challenge)
        store_id = self.server.app.store.store_for_token(token.strip())
        if store_id is None:
            raise HTTPFailure(401, "Authorization: unknown or revoked token", challenge)
        return store_id


# --- routes -----------------------------------------------------------------------------


def route(h: Handler, method: str, path: str, query: dict, body: bytes) -> None:
    """Dispatch one request by method and path."""
    parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
    app = h.server.app
    if method == "GET":
        if not parts:
            return h.send_html(dashboard.index_page(app.store))
        if parts[0] == "stores" and len(parts) == 2:
            return h.send_html(dashboard.store_page(app.store, parts[1]))
        if parts[0] == "stores" and len(parts) == 3 and parts[2] == "gaps.json":
            return h.send_json(200, {d: [list(r) for r in rs] for d, rs in app.store.gap_ranges(parts[1]).items()})
        if parts == ["v1", "openapi.json"]:
            return h.send_bytes(200, OPENAPI_PATH.read_bytes(), "application/json")
    if parts[:1] == ["_faults"] and app.fault_endpoint:
        return faults_endpoint(h, method, body)
    if parts[:1] != ["v1"] or len(parts) < 2:
        raise HTTPFailure(404, f"no such resource: {path}")
    store_id = h.store_of_token()
    name, rest = parts[1], parts[2:]
    handler = _V1.get((method, name, len(rest)))
    if handler is None:
        raise HTTPFailure(404 if not any(k[1] == name for k in _V1) else 405, f"no such resource: {method} {path}")
    handler(h, store_id, rest, query, body)


def _one(query: dict, key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


def _body_text(h: Handler, body: bytes) -> str:
    """The request body as text, gunzipped when Content-Encoding says gzip."""
    encoding = h.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=31)
        try:
            body = inflater.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error as exc:
            raise HTTPFailure(400, f"body: not valid gzip: {exc}") from None
        if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
            raise HTTPFailure(413, f"body: more than {MAX_BODY_BYTES} bytes once decompressed")
    elif encoding != "identity":
        raise HTTPFailure(415, f"Content-Encoding: {encoding!r} not supported (use gzip)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPFailure(400, f"body: not UTF-8 text: {exc}") from None


def _json_body(h: Handler, body: bytes, text: str | None = None) -> object:
    try:
        return json.loads(_body_text(h, body) if text is None else text)
    except ValueError as exc:
        raise HTTPFailure(400, f"body: not JSON: {exc}") from None


def post_events(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    text = _body_text(h, body)
    try:
        batch_store, bridge_id, events = check_batch(_json_body(h, body, text))
    except BatchInvalid as exc:
        raise HTTPFailure(400, str(exc)) from None
    if batch_store != store_id:
        raise HTTPFailure(403, f"store_id: the token belongs to store {store_id!r}, not {batch_store!r}")
    results = h.server.app.store.add_events(store_id, bridge_id, events, check_event, raw=text)
    h.send_bytes(200, _results_json(results), "application/json")


def _results_json(results: list[dict]) -> bytes:
    """{"results": [...]} built by joining strings: most results are an id and a fixed status."""
    # check_batch allowed only [A-Za-z0-9_-] in ids, so they need no escaping.
    parts = [f'{{"id":"{r["id"]}","status":"{r["status"]}"}}' if len(r) == 2
             else json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in results]
    return ('{"results":[' + ",".join(parts) + "]}").encode("utf-8")


def get_catalog(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    h.send_json(200, catalog_page(h.server.app.store, _one(query, "since"), _one(query, "limit")))


def get_stock(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    h.send_json(200, stock_page(h.server.app.store, _one(query, "since"), _one(query, "limit")))


def get_image(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    path = image_file(h.server.app.catalog_dir, rest[0])
    if path is None:
        raise HTTPFailure(404, f"no such image: {rest[0]}")
    data = path.read_bytes()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    wanted = [t.strip() for t in h.headers.get("If-None-Match", "").split(",")]
    if etag in wanted or "*" in wanted:
        return h.send_bytes(304, b"", "", {"ETag": etag})
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    h.send_bytes(200, data, kind, {"ETag": etag, "Cache-Control": "no-cache"})


def get_profile(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    profile = h.server.app.store.profile(rest[0])
    if profile is None:
        raise HTTPFailure(404, f"profile not found: {rest[0]}")
    h.send_json(200, profile)


def get_keys(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    h.send_json(200, h.server.app.jwks())


def post_claim(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    code = rest[0]
    if not _CODE.fullmatch(code):
        raise HTTPFailure(400, "claim_code: 1-128 characters of [A-Za-z0-9_-]")
    obj = _json_body(h, body)
    profile_id = obj.get("profile_id") if isinstance(obj, dict) else None
    if not isinstance(profile_id, str) or not profile_id:
        raise HTTPFailure(400, "profile_id: required (a non-empty string)")
    try:
        linked = h.server.app.store.claim(code, profile_id)
    except KeyError:
        raise HTTPFailure(404, f"profile_id: unknown profile {profile_id!r}") from None
    except ValueError as exc:
        raise HTTPFailure(409, f"claim_code: {exc}") from None
    h.send_json(200, {"claim_code": code, "profile_id": profile_id, "linked": linked})


def post_heartbeat(h: Handler, store_id: str, rest: list, query: dict, body: bytes) -> None:
    beat = _json_body(h, body)
    if not isinstance(beat, dict):
        raise HTTPFailure(400, "body: must be a JSON object")
    if beat.get("store_id", store_id) != store_id:
        raise HTTPFailure(403, f"store_id: the token belongs to store {store_id!r}, not {beat['store_id']!r}")
    _check_heartbeat(beat)
    h.server.app.store.add_heartbeat(store_id, beat)
    h.send_bytes(204, b"", "")


def _check_heartbeat(beat: dict) -> None:
    """Raise HTTPFailure(400) naming the first heartbeat field of the wrong type."""
    if not isinstance(beat.get("bridge_id"), str) or not beat["bridge_id"]:
        raise HTTPFailure(400, "bridge_id: required (a non-empty string)")
    if beat.get("version") is not None and not isinstance(beat["version"], str):
        raise HTTPFailure(400, "version: must be a string")
    for key in ("pending", "dead_letters"):
        value = beat.get(key)
        if value is not None and (type(value) is not int or value < 0):
            raise HTTPFailure(400, f"{key}: must be an integer >= 0")
    age = beat.get("oldest_pending_age_s")
    if age is not None and (isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0):
        raise HTTPFailure(400, "oldest_pending_age_s: must be a number >= 0 or null")
    if beat.get("last_push_at") is not None and not is_timestamp(beat["last_push_at"]):
        raise HTTPFailure(400, "last_push_at: must be an RFC 3339 timestamp with an offset, or null")


def faults_endpoint(h: Handler, method: str, body: bytes) -> None:
    """POST /_faults queues a fault ({status, retry_after, times, delay_s, reset, body, path_prefix}); DELETE clears."""
    faults = h.server.app.faults
    if method == "DELETE":
        faults.clear()
        return h.send_bytes(204, b"", "")
    if method != "POST":
        raise HTTPFailure(405, "use POST to add a fault or DELETE to clear them")
    spec = _json_body(h, body)
    allowed = {"status", "retry_after", "times", "delay_s", "reset", "body", "path_prefix"}
    if not isinstance(spec, dict) or set(spec) - allowed:
        raise HTTPFailure(400, f"body: an object with keys among {sorted(allowed)}")
    try:
        faults.add(**spec)
    except (TypeError, ValueError) as exc:
        raise HTTPFailure(400, str(exc)) from None
    h.send_json(200, {"pending": faults.pending()})


_V1 = {
    ("POST", "events", 0): post_events,
    ("GET", "catalog", 0): get_catalog,
    ("GET", "stock", 0): get_stock,
    ("GET", "images", 1): get_image,
    ("GET", "profiles", 1): get_profile,
    ("GET", "keys", 0): get_keys,
    ("POST", "claims", 1): post_claim,
    ("POST", "heartbeats", 0): post_heartbeat,
}


# --- building and running ------------------------------------------------------------------


def build_app(
    db_path: str | PathLike[str],
    *,
    tokens: dict[str, str] | None = None,
    seed_catalog: bool = True,
    catalog_dir: str | PathLike[str] | None = None,
    signing_key: str | PathLike[str] | None = None,
    fault_endpoint: bool = False,
) -> HQApp:
    """Open (or create) the database, set tokens, seed demo data; return the shared app state."""
    store = HQStore(db_path)
    directory = Path(catalog_dir) if catalog_dir is not None else DEFAULT_CATALOG_DIR
    if tokens is None:
        if not store.has_stores():
            store.set_token(DEV_STORE, DEV_TOKEN)
    else:
        for store_id, token in tokens.items():
            store.set_token(store_id, token)
    for profile_id, first_name, language in DEMO_PROFILES:
        store.add_profile(profile_id, first_name, language)
    if seed_catalog and store.catalog_version() == 0 and store.stock_version() == 0:
        store.upsert_products(load_products(directory))
        store.upsert_stock(load_stock(directory))
    return HQApp(store=store, catalog_dir=directory, signing_keys=[load_signing_key(signing_key)],
                 fault_endpoint=fault_endpoint)


class RunningHQ:
    """A reference HQ serving in a background thread, with helpers for tests."""

    def __init__(self, server: HQServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.app = server.app
        self.store = server.app.store
        self.faults = server.app.faults
        host, port = server.server_address[:2]
        self.port: int = port
        self.url: str = f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving, cut open connections and close the database."""
        self.app.stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=10)
        self.store.close()

    def set_token(self, store_id: str, token: str) -> None:
        self.store.set_token(store_id, token)

    def revoke_token(self, store_id: str) -> None:
        self.store.revoke_token(store_id)

    def events(self, store_id: str | None = None) -> list[dict]:
        return self.store.events(store_id)

    def event_count(self) -> int:
        return self.store.event_count()

    def gaps(self) -> dict[str, list[int]]:
        return self.store.gaps()

    def heartbeats(self) -> list[dict]:
        return self.store.heartbeats()

    def profile(self, profile_id: str) -> dict | None:
        return self.store.profile(profile_id)

    def bump_catalog(self, product_id: str | None = None, *, product: dict | None = None,
                     delete: bool = False, **changes: object) -> None:
        """Change the catalog so the next pull sees it.

        product=dict upserts a whole product; product_id with delete=True deletes it;
        product_id with field=value changes those fields; product_id alone touches it;
        no arguments touch every product.
        """
        store = self.store
        if product is not None:
            images = [feed_image_url(x) for x in product.get("images", [])]
            store.upsert_products([{"updated_at": utc_now(), **product, "images": images}])
        elif product_id is None:
            ids = [r[2] for r in store.products_after(None, 1_000_000)]
            store.upsert_products([{**store.product(i), "updated_at": utc_now()} for i in ids])
        elif delete:
            store.delete_products([product_id])
        else:
            current = store.product(product_id)
            if current is None:
                raise KeyError(f"no product {product_id!r} to change")
            store.upsert_products([{**current, **changes, "updated_at": utc_now()}])

    def set_stock(self, sku: str, location: str, on_hand: int) -> None:
        self.store.upsert_stock([{"sku": sku, "location": location, "on_hand": on_hand}])


def start_server(app: HQApp, host: str = "127.0.0.1", port: int = 0) -> RunningHQ:
    """Bind and serve app in a daemon thread."""
    server = HQServer((host, port), app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="vitrine-hq", daemon=True)
    thread.start()
    return RunningHQ(server, thread)


def serve_in_thread(
    db_path: str | PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tokens: dict[str, str] | None = None,
    seed_catalog: bool = True,
    catalog_dir: str | PathLike[str] | None = None,
    signing_key: str | PathLike[str] | None = None,
    fault_endpoint: bool = False,
) -> RunningHQ:
    """A reference HQ on host:port (0 picks a free port) for tests; tokens maps store id to token."""
    app = build_app(db_path, tokens=tokens, seed_catalog=seed_catalog, catalog_dir=catalog_dir,
                    signing_key=signing_key, fault_endpoint=fault_endpoint)
    return start_server(app, host, port)
