"""Fixtures for the receipts tests: a real Bridge on a SQLite file in tmp_path, a small catalog, signing keys."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bridge.config import parse_settings

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "poslog"  # a copy of ../shared/samples/poslog
HERE = Path(__file__).resolve().parent
STORE = "paris-marais"
SKU = "RM-1001-M-BLK"
EAN = "3700000000013"  # a valid EAN-13 of SKU in the test catalog

PRODUCT = {
    "id": "rm-1001", "name": {"fr": "Robe midi", "en": "Midi dress"},
    "description": {"fr": "Robe", "en": "Dress"}, "category": "dresses",
    "price": {"amount": "129.00", "currency": "EUR"}, "images": [],
    "variants": [{"sku": SKU, "ean": EAN, "size": "M", "color": "black"},
                 {"sku": "RM-1001-S-BLK", "ean": "3700000000020", "size": "S", "color": "black"}],
    "updated_at": "2026-11-20T10:00:00+00:00",
}


def flat(event: dict) -> dict:
    """A receipt event the POSLog reader built, flattened for reading in a test: the payload's
    fields beside the envelope, each money as its amount and the one currency they all share
    as `currency` (it fails if two differ). Quantities stay numbers."""
    currencies = set()

    def amount(value: object) -> object:
        if isinstance(value, dict) and set(value) == {"amount", "currency"}:
            currencies.add(value["currency"])
            return value["amount"]
        if isinstance(value, dict):
            return {k: amount(v) for k, v in value.items()}
        if isinstance(value, list):
            return [amount(v) for v in value]
        return value

    doc = {k: v for k, v in event.items() if k != "payload"}
    doc.update(amount(event["payload"]))
    assert len(currencies) == 1, currencies
    doc["currency"] = currencies.pop()
    return doc


def make_settings(tmp_path: Path, hq_url: str = "http://127.0.0.1:9", **intake):
    return parse_settings({
        "store": {"id": STORE, "currency": "EUR"},
        "bridge": {"database": str(tmp_path / "bridge.db"), "synchronous": "NORMAL"},
        "hq": {"url": hq_url, "token": "t", "timeout_s": 5.0},
        "intake": {"drop_dir": str(tmp_path / "drop"), "drop_settle_s": 2.0, **intake},
    })


@pytest.fixture
def open_bridge(tmp_path):
    """Open a Bridge over tmp_path (intake overrides as keyword arguments); closed after the test."""
    from bridge.facade import Bridge

    opened = []

    def opener(settings=None, **kwargs):
        b = Bridge.open(settings or make_settings(tmp_path, **kwargs))
        opened.append(b)
        return b

    yield opener
    for b in opened:
        b.close()


def seed(b):
    """Put one dress in two sizes in the catalog, 5 of SKU in this store."""
    b.catalog.upsert_products([PRODUCT])
    b.catalog.upsert_stock([{"sku": SKU, "location": f"store:{STORE}", "on_hand": 5}])
    return b


@pytest.fixture
def bridge(open_bridge):
    """A Bridge with the seeded catalog."""
    return seed(open_bridge())


class CapturingHQ:
    """A real HTTP server on 127.0.0.1 that accepts every event and keeps the raw bodies it got."""

    def __init__(self) -> None:
        import gzip
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                received.append(raw)
                events = json.loads(raw).get("events", [])
                out = json.dumps({"results": [{"id": e["id"], "status": "accepted"} for e in events]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def capturing_hq():
    hq = CapturingHQ()
    yield hq
    hq.close()


class Keys:
    """An Ed25519 key that signs app tokens like the brand's app does."""

    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwks = {"keys": [{**jwk, "kid": "app-1", "alg": "EdDSA", "use": "sig"}]}

    def token(self, sub: str, *, iat: float | None = None, ttl: int = 300) -> str:
        iat = time.time() if iat is None else iat
        claims = {"sub": sub, "aud": "store-kiosk", "iat": int(iat), "exp": int(iat) + ttl,
                  "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": "app-1"})


@pytest.fixture
def keys():
    return Keys()


def on_hand(bridge, sku: str = SKU) -> int:
    levels = {s.location: s.on_hand for s in bridge.catalog.stock_for_sku(sku)}
    return levels.get(f"store:{STORE}", 0)


def bodies(bridge) -> list[dict]:
    import json
    return [json.loads(r[0]) for r in bridge.db.read().execute("SELECT body FROM outbox ORDER BY pos")]
