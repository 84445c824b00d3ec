"""webguard.body: every bound on a request body, over a real socket and on its own."""

from __future__ import annotations

import gzip
import json
import socket

import pytest
import requests
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webguard.body import BodyReader
from webguard.middleware import Errors
from webguard.refusal import Refusal, error_response, json_response

LIMIT = 1000
DRAIN = 4000
TIMEOUT_S = 0.3


class Mine(Refusal):
    """A server's own refusal class: the reader must raise this one, not the base."""


READER = BodyReader(LIMIT, Mine, drain_limit=DRAIN)


def _answer(exc: Exception) -> Response:
    assert isinstance(exc, Mine), exc  # every refusal comes as the class the reader was given
    return error_response(exc.status, exc.message, exc.headers)


async def _echo(request: Request) -> Response:
    raw = await READER.read(request, TIMEOUT_S)
    return json_response(200, {"data": READER.json(request.headers, raw)})


@pytest.fixture
def url(serve) -> str:
    app = Starlette(routes=[Route("/echo", _echo, methods=["POST"])],
                    middleware=[Middleware(Errors, answer=_answer)])
    return serve(app) + "/echo"


def _post(url: str, body: bytes, **headers: str) -> requests.Response:
    return requests.post(url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=10)


def test_a_good_body_is_read_plain_or_gzipped(url):
    body = json.dumps({"a": [1, "é"]}).encode()
    assert _post(url, body).json() == {"data": {"a": [1, "é"]}}
    assert _post(url, gzip.compress(body), **{"Content-Encoding": "gzip"}).json() == {"data": {"a": [1, "é"]}}
    assert requests.post(url, data=b"[]", timeout=10).json() == {"data": []}  # no Content-Type: JSON
    assert _post(url, b"[]", **{"Content-Type": "application/vnd.x+json; charset=utf-8"}).status_code == 200


def test_a_declared_body_over_the_limit_is_413_and_closed_only_beyond_the_drain_limit(url):
    drained = _post(url, b"[" + b" " * LIMIT + b"]")
    assert drained.status_code == 413 and "more than 1000" in drained.json()["error"]
    assert drained.headers.get("connection") != "close"
    closed = _post(url, b" " * (DRAIN + 1))
    assert closed.status_code == 413 and closed.headers.get("connection") == "close"


def test_a_reader_without_a_drain_limit_closes_on_every_413():
    assert BodyReader(LIMIT).drain_limit == LIMIT


def test_a_chunked_body_is_411(url):
    answer = requests.post(url, data=iter([b"[", b"]"]), headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 411 and answer.headers["connection"] == "close"


def test_a_body_not_received_in_time_is_408(url):
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n[1")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert b"not received within 0.3 s" in answer


@pytest.mark.parametrize(("body", "headers", "status", "says"), [
    (gzip.compress(b" " * (LIMIT + 1)), {"Content-Encoding": "gzip"}, 413, "more than 1000 bytes once decompressed"),
    (gzip.compress(b"0" * 10_000_000), {"Content-Encoding": "gzip"}, 413, "once decompressed"),
    (b"not gzip", {"Content-Encoding": "gzip"}, 400, "not valid gzip"),
    (gzip.compress(b"[1, 2, 3]")[:-6], {"Content-Encoding": "gzip"}, 400, "truncated stream"),
    (b"[]", {"Content-Encoding": "br"}, 415, "not supported"),
    (b"[]", {"Content-Type": "text/plain"}, 415, "must be application/json, got 'text/plain'"),
    (b"[]", {"Content-Type": ""}, 415, "got 'nothing'"),
    (b'["\xff"]', {}, 400, "not UTF-8"),
    (b"{not json", {}, 400, "body: not JSON"),
    (b'[{"extra": NaN}]', {}, 400, "NaN is not a JSON number"),
    (b'[{"extra": -Infinity}]', {}, 400, "-Infinity is not a JSON number"),
    (b"[" * 100_000 + b"]" * 100_000, {}, 400, "nested too deeply"),
])
def test_bad_bodies_are_refused_with_a_status_and_a_reason(body, headers, status, says):
    with pytest.raises(Mine) as refused:
        READER.json(Headers(headers), body)
    assert refused.value.status == status
    assert says in refused.value.message, refused.value.message


def test_a_bad_body_reaches_the_client_as_a_4xx_json_error(url):
    answer = _post(url, gzip.compress(b"[1]")[:-6], **{"Content-Encoding": "gzip"})
    assert answer.status_code == 400 and "truncated stream" in answer.json()["error"]


def test_json_takes_text_already_decoded():
    assert READER.json(Headers(), b"ignored", '{"k": 1}') == {"k": 1}
    with pytest.raises(Mine) as refused:
        READER.json(Headers({"content-type": "text/csv"}), b"", "[]")
    assert refused.value.status == 415
