"""Reading a request body within bounds: size, time, encoding, content type and JSON depth.

    raw = await read_body(request, limit=1_048_576, timeout_s=10)   # 411, 413, 408 as Refused
    data = parse_json(request.headers, raw, limit=1_048_576)         # 400, 413, 415 as Refused
"""

from __future__ import annotations

import json
import zlib

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request

from bridge.serve.errors import Refused

CLOSE = {"Connection": "close"}


async def read_body(request: Request, *, limit: int, timeout_s: float) -> bytes:
    """The raw body, refused from its Content-Length before a byte is read when too large."""
    headers = request.headers
    length = headers.get("content-length")
    if length is None:
        if "transfer-encoding" in headers:
            raise Refused(411, "Content-Length: required (chunked bodies are not accepted)", CLOSE)
        return b""
    # h11 already answered 400 to a malformed Content-Length; int() cannot fail here
    if int(length) > limit:
        raise Refused(413, f"body of {length} bytes exceeds the limit of {limit} bytes", CLOSE)
    chunks: list[bytes] = []
    with anyio.move_on_after(timeout_s) as scope:
        async for chunk in request.stream():
            chunks.append(chunk)
    if scope.cancelled_caught:
        raise Refused(408, f"body: not received within {timeout_s:g} s", CLOSE)
    return b"".join(chunks)


def check_json_type(headers: Headers) -> None:
    """415 unless the body is declared as JSON (a missing Content-Type reads as JSON)."""
    declared = headers.get("content-type")
    if declared is None:
        return
    kind = declared.split(";", 1)[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise Refused(415, f"Content-Type must be application/json, got {kind or 'nothing'!r}")


def body_text(headers: Headers, body: bytes, limit: int) -> str:
    """The body as text, gunzipped when Content-Encoding says gzip (at most limit bytes inflated)."""
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=31)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise Refused(400, f"body: not valid gzip: {exc}") from None
        if len(body) > limit or inflater.unconsumed_tail:
            raise Refused(413, f"body: more than {limit} bytes once decompressed")
        if not inflater.eof:
            raise Refused(400, "body: not valid gzip: truncated stream")
    elif encoding != "identity":
        raise Refused(415, f"Content-Encoding: {encoding!r} not supported (use gzip)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, f"body: not UTF-8 text: {exc}") from None


def parse_json(headers: Headers, body: bytes, limit: int) -> object:
    """The body as a JSON value; 415 for another type, 400 for bad or too deeply nested JSON."""
    check_json_type(headers)
    text = body_text(headers, body, limit)
    try:
        return json.loads(text)
    except RecursionError:
        raise Refused(400, "body: JSON nested too deeply") from None
    except ValueError as exc:
        raise Refused(400, f"body is not valid JSON: {exc}") from None
