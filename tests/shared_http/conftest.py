"""A real uvicorn server on 127.0.0.1 in a thread, serving a small Starlette app built by the test."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from starlette.applications import Starlette

START_TIMEOUT_S = 10.0


class Served:
    """A Starlette app served on 127.0.0.1 until stopped; `url` has no trailing slash."""

    def __init__(self, app: Starlette, http: type | str = "h11") -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, http=http, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        idle = threading.Event()  # never set: only its wait() is used, to poll the condition
        # uvicorn sets `started` once the socket accepts; wait on that condition, with a deadline
        for _ in range(int(START_TIMEOUT_S / 0.01)):
            if self.server.started or not self.thread.is_alive():
                break
            idle.wait(0.01)
        assert self.server.started, "the test server did not start"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(START_TIMEOUT_S)
        self.sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """serve(app, http=...) starts app on 127.0.0.1 and returns its base URL; all are stopped after the test."""
    running: list[Served] = []

    def start(app: Starlette, http: type | str = "h11") -> str:
        served = Served(app, http)
        served.start()
        running.append(served)
        return served.url

    yield start
    for served in running:
        served.stop()
