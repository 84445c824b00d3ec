"""Run the bridge's HTTP server (uvicorn + the Starlette app) in a thread of the bridge process.

uvicorn bounds what a client can hold: `[serve] max_connections` connections plus requests
in flight (beyond: 503), a listen backlog of BACKLOG, a deadline on each request's headers
and body (`[serve] request_timeout_s`), idle keep-alive connections closed after KEEP_ALIVE_S.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import replace
from typing import Any

import uvicorn

from bridge.config import Settings

from bridge.serve.app import create_app
from bridge.serve.auth import TokenSources
from bridge.serve.services import Services
from bridge.store import devices
from webguard.listen import listening_socket
from webguard.protocol import with_header_timeout

log = logging.getLogger("bridge.serve")

BACKLOG = 2048
KEEP_ALIVE_S = 30
MAX_HEADER_BYTES = 64 * 1024
START_TIMEOUT_S = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one)."""
    return listening_socket(host, port, BACKLOG)


def services_for(bridge: Any) -> Services:
    """The narrow collaborators the endpoints use, taken from a Bridge."""
    return Services(settings=bridge.settings, db=bridge.db, outbox=bridge.outbox,
                    catalog=bridge.catalog, state=bridge.state, receipts=bridge,
                    status=bridge.status, fetch_profile=bridge.fetch_profile)


def warn_of_shared_intake(settings: Settings) -> None:
    """Log a warning when the tills have tokens of their own and the shared one still works."""
    if settings.intake.token and settings.intake_tokens():
        log.warning("[intake] token is set besides per-till tokens: the tills sending it are one "
                    "client (\"intake\"), each may write receipts and events as another's register, "
                    "and it may take a register id before its till does; give every till its own "
                    "token ([intake.tokens] or tokens_file) and remove it")


def token_sources(bridge: Any) -> TokenSources:
    settings, db = bridge.settings, bridge.db
    return TokenSources(intake=lambda: settings.intake.token, tills=settings.intake_tokens,
                        configured=settings.serve_tokens,
                        paired=lambda token: devices.admit(db, token),
                        swapping=lambda token: devices.admit_swap(db, token))


class _SignallingServer(uvicorn.Server):
    """A uvicorn server that sets `ready` once it listens (uvicorn itself offers only a flag)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.ready.set()


class BridgeServer:
    """The intake endpoints on [intake] host/port, plus profile API v1 on [serve] when enabled."""

    def __init__(self, bridge: Any, host: str | None = None, port: int | None = None,
                 request_timeout_s: float | None = None) -> None:
        s = bridge.settings
        if request_timeout_s:  # IntakeServer's own deadline, for the body too
            s = replace(s, serve=replace(s.serve, request_timeout_s=request_timeout_s))
        warn_of_shared_intake(s)  # reads tokens_file: a broken one stops here, before binding
        self._bind(s, host or s.intake.host, s.intake.port if port is None else port)
        services = replace(services_for(bridge), settings=s)
        app = create_app(services, token_sources(bridge), serve_api=s.serve.enabled)
        self._server = _SignallingServer(uvicorn.Config(
            app, http=with_header_timeout(s.serve.request_timeout_s), lifespan="off",
            limit_concurrency=s.serve.max_connections, backlog=BACKLOG, timeout_keep_alive=KEEP_ALIVE_S,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES, timeout_graceful_shutdown=2,
            access_log=False, log_level="warning", server_header=False))
        self._thread: threading.Thread | None = None

    def _bind(self, s: Settings, intake_host: str, intake_port: int) -> None:
        """The intake socket, and the [serve] one when enabled (one socket when they coincide)."""
        self._sockets = [bind(intake_host, intake_port)]
        self.port: int = self._sockets[0].getsockname()[1]
        self.serve_port: int | None = None
        if not s.serve.enabled:
            return
        if (s.serve.host, s.serve.port) == (intake_host, self.port):
            self.serve_port = self.port
        else:
            self._sockets.append(bind(s.serve.host, s.serve.port))
            self.serve_port = self._sockets[-1].getsockname()[1]

    def start(self) -> None:
        """Serve in a daemon thread; return once it accepts connections."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": self._sockets},
                                        name="bridge-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the bridge's HTTP server did not start")

    def stop(self) -> None:
        """Stop accepting, finish the requests in flight (2 s at most), close the sockets."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        for sock in self._sockets:
            sock.close()
