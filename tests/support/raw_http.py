"""HTTP/1.1 over a bare socket, for requests a client library would tidy up (hostile-input tests)."""

from __future__ import annotations

import socket


def exchange(address: tuple[str, int], data: bytes, timeout: float = 10.0) -> bytes:
    """Send data on a fresh connection; return what is answered until a whole answer, a close or timeout."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while not (b"\r\n\r\n" in answer and complete(answer)):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def complete(answer: bytes) -> bool:
    """Whether the answer's body is all there (by its Content-Length; without one, yes)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def status(answer: bytes) -> int:
    """The status code of an answer that must be an HTTP/1.1 one."""
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])
