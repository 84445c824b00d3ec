"""Run the production HQ server (uvicorn + the Starlette app) in a background thread, for tests and the demo.

    hq = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": "t0k3n"})
    requests.get(hq.url + "/v1/keys", headers={"Authorization": "Bearer t0k3n"})
    hq.faults.add(status=503, retry_after=5)
    hq.stop()
"""

from __future__ import annotations

import threading
import time
from os import PathLike

import uvicorn

from hq.catalog_files import feed_image_url
from hq.forward.config import ForwardConfig
from hq.server import bind_socket, uvicorn_config
from hq.state import Access, HQApp, build_state
from hq.store import utc_now
from hq.web.app import create_app
from hq.web.protocol import HEADER_TIMEOUT_S, with_header_timeout

START_TIMEOUT_S = 10.0


class RunningHQ:
    """A reference HQ serving in a background thread, with helpers for tests."""

    def __init__(self, state: HQApp, server: uvicorn.Server, thread: threading.Thread, host: str, port: int) -> None:
        self._server = server
        self._thread = thread
        self.app = state
        self.store = state.store
        self.faults = state.faults
        self.port: int = port
        self.url: str = f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving, close open connections and the database."""
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self.app.close()

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


def start_server(state: HQApp, host: str = "127.0.0.1", port: int = 0,
                 header_timeout_s: float = HEADER_TIMEOUT_S) -> RunningHQ:
    """Serve state on uvicorn in a daemon thread; return once it accepts connections."""
    sock = bind_socket(host, port)
    http = with_header_timeout(header_timeout_s)
    server = uvicorn.Server(uvicorn_config(create_app(state), http=http, graceful_s=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="vitrine-hq", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:  # uvicorn offers a flag, not an event, for "serving now"
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the embedded HQ server did not start")
        time.sleep(0.005)
    return RunningHQ(state, server, thread, host, sock.getsockname()[1])


def serve_in_thread(
    database: str | PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tokens: dict[str, str] | None = None,
    seed_catalog: bool = True,
    catalog_dir: str | PathLike[str] | None = None,
    signing_key: str | PathLike[str] | None = None,
    fault_endpoint: bool = False,
    header_timeout_s: float = HEADER_TIMEOUT_S,
    body_timeout_s: float | None = None,
    access: Access | None = None,
    forward: ForwardConfig | None = None,
) -> RunningHQ:
    """A reference HQ on host:port (0 picks a free port); database is a SQLite path or a postgresql:// URL."""
    state = build_state(database, tokens=tokens, seed_catalog=seed_catalog, catalog_dir=catalog_dir,
                        signing_key=signing_key, fault_endpoint=fault_endpoint, access=access,
                        forward=forward)
    if body_timeout_s is not None:
        state.body_timeout_s = body_timeout_s
    try:
        return start_server(state, host, port, header_timeout_s)
    except BaseException:
        state.close()
        raise
