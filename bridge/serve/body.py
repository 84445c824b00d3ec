"""Reading a request body within bounds (size, time, encoding, content type, JSON depth), as Refused.

    raw = await read_body(request, limit=1_048_576, timeout_s=10)   # 411, 413, 408 as Refused
    data = parse_json(request.headers, raw, limit=1_048_576)         # 400, 413, 415 as Refused
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request

from bridge.serve.errors import Refused
from webguard.body import BodyReader


async def read_body(request: Request, *, limit: int, timeout_s: float) -> bytes:
    """The raw body, refused from its Content-Length before a byte is read when too large."""
    return await BodyReader(limit, Refused).read(request, timeout_s)


def parse_json(headers: Headers, body: bytes, limit: int) -> object:
    """The body as a JSON value; 415 for another type, 400 for bad or too deeply nested JSON."""
    return BodyReader(limit, Refused).json(headers, body)
