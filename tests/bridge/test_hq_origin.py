"""The store's HQ token goes to HQ's origin only, and never over plain HTTP to another
machine unless the configuration says so (issue 10 item 4). Two real local servers
record the headers they receive."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bridge.config import parse_settings
from bridge.errors import ConfigError
from bridge.sync.hq_client import HQClient

TOKEN = "dev-token-origin-test"


class _Recorder(ThreadingHTTPServer):
    """An HTTP server that records each request's path and Authorization header."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str | None]] = []
        self.redirect_to: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Recorder

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.server.redirect_to and self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"\xff\xd8 not really a jpeg"
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers():
    started = [_Recorder(), _Recorder()]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in started]
    for t in threads:
        t.start()
    yield started
    for s in started:
        s.shutdown()
        s.server_close()


def _client(hq_url: str) -> HQClient:
    return HQClient(parse_settings({"store": {"id": "s"}, "hq": {"url": hq_url, "token": TOKEN}}))


def test_the_token_goes_to_hq_and_not_to_an_image_host(servers):
    hq, cdn = servers
    client = _client(hq.url)
    try:
        assert client.get_image("/images/a.jpg", None).status == 200
        assert client.get_image(f"{hq.url}/images/b.jpg", None).status == 200
        assert client.get_image(f"{cdn.url}/images/c.jpg", None).status == 200
    finally:
        client.close()
    assert hq.seen == [("/images/a.jpg", f"Bearer {TOKEN}"), ("/images/b.jpg", f"Bearer {TOKEN}")]
    assert cdn.seen == [("/images/c.jpg", None)]


def test_a_redirect_from_hq_to_another_host_drops_the_token(servers):
    hq, cdn = servers
    hq.redirect_to = f"{cdn.url}/images/d.jpg"
    client = _client(hq.url)
    try:
        assert client.get_image("/moved/d.jpg", None).status == 200
    finally:
        client.close()
    assert hq.seen == [("/moved/d.jpg", f"Bearer {TOKEN}")]
    assert cdn.seen == [("/images/d.jpg", None)]


@pytest.mark.parametrize("url", ["http://hq.example.com", "http://192.0.2.7:8700/api"])
def test_plain_http_to_another_machine_is_refused_unless_allowed(url):
    with pytest.raises(ConfigError, match=r"\[hq\] url: plain http:// would send the store's token"):
        parse_settings({"store": {"id": "s"}, "hq": {"url": url}})
    allowed = parse_settings({"store": {"id": "s"}, "hq": {"url": url, "allow_insecure_http": True}})
    assert allowed.hq.url == url


@pytest.mark.parametrize("url", ["https://hq.example.com", "http://127.0.0.1:8700",
                                 "http://127.8.0.1", "http://localhost:8700", "http://[::1]:8700"])
def test_https_and_loopback_need_no_flag(url):
    assert parse_settings({"store": {"id": "s"}, "hq": {"url": url}}).hq.url == url
