"""Serve HQ on uvicorn: the server settings, one process or N workers on one socket.

    sock = bind_socket("0.0.0.0", 8700)
    run(WorkerSpec(database="postgresql://hq@db/hq"), sock, workers=4)

Tests use hq.embedded.serve_in_thread, which runs the same app and settings in a thread.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from hq.forward.config import ForwardConfig, read_write_key
from hq.forward.config import default as forward_default  # the one place forwarding defaults live
from hq.state import Access, open_state
from hq.web.app import create_app
from hq.web.protocol import GuardedH11Protocol
from webguard.listen import listening_socket

WORKER_ENV = "VITRINE_HQ_WORKER"  # how the parent hands the worker settings to spawned workers
LIMIT_CONCURRENCY = 1000  # connections plus requests in flight per process; beyond: 503
KEEP_ALIVE_S = 30  # an idle keep-alive connection is closed after this
MAX_HEADER_BYTES = 64 * 1024  # h11's limit on a request's unparsed headers
BACKLOG = 2048


@dataclass(frozen=True)
class WorkerSpec:
    """What each worker process needs to open its own state (the database is already prepared)."""

    database: str
    catalog_dir: str | None = None
    signing_key: str | None = None
    fault_endpoint: bool = False
    orders_token: str | None = None
    dashboard_token: str | None = None
    attribution_window_days: int = 14
    forward_url: str | None = None  # forwarding: the pipeline's base URL
    forward_key_file: str | None = None  # and the file holding its write key (never the key itself)
    forward_lease_s: float = forward_default("lease_s")  # a dead worker's claimed events go again after this
    forward_session_retention_days: int = forward_default("session_retention_days")  # unjoined kiosk sessions


def uvicorn_config(app: object, *, verbose: bool = False, http: type = GuardedH11Protocol,
                   workers: int = 1, graceful_s: float | None = None) -> uvicorn.Config:
    """uvicorn's settings for HQ: timeouts and connection limits from the server, h11 with a header deadline."""
    return uvicorn.Config(
        app, factory=isinstance(app, str), http=http, workers=workers, lifespan="off",
        limit_concurrency=LIMIT_CONCURRENCY, timeout_keep_alive=KEEP_ALIVE_S, backlog=BACKLOG,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES, timeout_graceful_shutdown=graceful_s,
        access_log=verbose, log_level="info" if verbose else "warning", server_header=False,
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one), shared by every worker."""
    sock = listening_socket(host, port, BACKLOG)
    sock.set_inheritable(True)  # the worker processes accept on it
    return sock


def app_from_env() -> Starlette:
    """The app of one worker process, from the settings the parent put in the environment."""
    spec = WorkerSpec(**json.loads(os.environ[WORKER_ENV]))
    access = Access(orders_token=spec.orders_token, dashboard_token=spec.dashboard_token,
                    attribution_window_days=spec.attribution_window_days)
    forward = None
    if spec.forward_url and spec.forward_key_file:
        forward = ForwardConfig(spec.forward_url, read_write_key(Path(spec.forward_key_file)),
                                lease_s=spec.forward_lease_s,
                                session_retention_days=spec.forward_session_retention_days)
    return create_app(open_state(spec.database, catalog_dir=spec.catalog_dir, signing_key=spec.signing_key,
                                 fault_endpoint=spec.fault_endpoint, access=access, forward=forward))


def run(spec: WorkerSpec, sock: socket.socket, *, workers: int = 1, verbose: bool = False) -> None:
    """Serve on sock until SIGINT or SIGTERM: in this process, or in `workers` processes."""
    # uvicorn re-raises the stopping signal once it has shut down; a no-op handler lets us exit 0
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    os.environ[WORKER_ENV] = json.dumps(asdict(spec))
    config = uvicorn_config("hq.server:app_from_env", verbose=verbose, workers=workers, graceful_s=10)
    server = uvicorn.Server(config)
    if workers <= 1:
        server.run(sockets=[sock])
    else:
        Multiprocess(config, sockets=[sock]).run()
