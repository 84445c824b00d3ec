"""webguard.protocol and webguard.listen: a client whose headers never end is cut off; others are served."""

from __future__ import annotations

import socket

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from webguard.listen import listening_socket
from webguard.protocol import HeaderDeadlineH11Protocol, with_header_timeout

DEADLINE_S = 0.3
WAIT_S = 10.0  # far beyond the deadline: a connection still open by then was not cut off


async def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


@pytest.fixture
def address(serve) -> tuple[str, int]:
    url = serve(Starlette(routes=[Route("/", _hello)]), http=with_header_timeout(DEADLINE_S))
    host, port = url.split("//", 1)[1].split(":")
    return host, int(port)


def _until_closed(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def _answer(sock: socket.socket) -> bytes:
    answer = b""
    while b"hello" not in answer:
        chunk = sock.recv(65536)
        assert chunk, answer
        answer += chunk
    return answer


def test_headers_that_never_end_are_cut_off_with_a_408(address):
    with socket.create_connection(address, timeout=WAIT_S) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")  # and nothing more
        answer = _until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in answer
    assert b"headers: not received within" in answer


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(address):
    with socket.create_connection(address, timeout=WAIT_S) as sock:
        assert _until_closed(sock) == b""


def test_a_kept_alive_connection_gets_a_new_deadline_for_its_next_request(address):
    with socket.create_connection(address, timeout=WAIT_S) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
        assert _until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_the_deadline_is_per_class_and_keeps_the_subclass():
    class Mine(HeaderDeadlineH11Protocol):
        pass

    quick = with_header_timeout(0.5, Mine)
    assert issubclass(quick, Mine) and quick.header_timeout_s == 0.5
    assert Mine.header_timeout_s == HeaderDeadlineH11Protocol.header_timeout_s == 10.0


def test_the_listening_socket_is_tcp_and_bound_where_asked():
    sock = listening_socket("127.0.0.1", 0, 16)
    try:
        assert sock.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY only then
        assert sock.getsockname()[0] == "127.0.0.1" and sock.getsockname()[1] > 0
        socket.create_connection(sock.getsockname(), timeout=WAIT_S).close()
    finally:
        sock.close()
