"""Read a request body within limits: size, time, encoding, content type, JSON nesting.

    body = await read_body(request)          # 411, 413 or 408 as HTTPFailure
    obj = parse_json(headers, body)          # 400 or 415 as HTTPFailure
"""

from __future__ import annotations

import json
import zlib

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request

from hq.errors import HTTPFailure
from hq.validation import MAX_BODY_BYTES

# A declared body larger than this is not drained: the connection is closed after the 413.
DRAIN_LIMIT = 16 * MAX_BODY_BYTES
_JSON_TYPES = ("application/json",)


async def read_body(request: Request, timeout_s: float) -> bytes:
    """The raw body, at most MAX_BODY_BYTES, read within timeout_s."""
    headers = request.headers
    if "content-length" not in headers:
        if "transfer-encoding" in headers:
            raise HTTPFailure(411, "Content-Length: required (chunked bodies are not accepted)",
                              {"Connection": "close"})
        return b""
    length = int(headers["content-length"])  # the HTTP server refused a malformed one already
    if length > MAX_BODY_BYTES:
        close = {"Connection": "close"} if length > DRAIN_LIMIT else {}
        raise HTTPFailure(413, f"body: {length} bytes, more than {MAX_BODY_BYTES}", close)
    chunks: list[bytes] = []
    with anyio.move_on_after(timeout_s) as scope:
        async for chunk in request.stream():
            chunks.append(chunk)
    if scope.cancelled_caught:
        raise HTTPFailure(408, f"body: not received within {timeout_s:g} s", {"Connection": "close"})
    return b"".join(chunks)


def check_json_type(headers: Headers) -> None:
    """Refuse with 415 a body declared as something other than JSON (none declared reads as JSON)."""
    declared = headers.get("content-type")
    if declared is None:
        return
    kind = declared.split(";", 1)[0].strip().lower()
    if kind not in _JSON_TYPES and not kind.endswith("+json"):
        raise HTTPFailure(415, f"Content-Type: must be application/json, got {kind or 'nothing'!r}")


def body_text(headers: Headers, body: bytes) -> str:
    """The body as text, gunzipped when Content-Encoding says gzip."""
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=31)
        try:
            body = inflater.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error as exc:
            raise HTTPFailure(400, f"body: not valid gzip: {exc}") from None
        if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
            raise HTTPFailure(413, f"body: more than {MAX_BODY_BYTES} bytes once decompressed")
        if not inflater.eof:
            raise HTTPFailure(400, "body: not valid gzip: truncated stream")
    elif encoding != "identity":
        raise HTTPFailure(415, f"Content-Encoding: {encoding!r} not supported (use gzip)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPFailure(400, f"body: not UTF-8 text: {exc}") from None


def parse_json(headers: Headers, body: bytes, text: str | None = None) -> object:
    """The body as a JSON value; 415 for another declared type, 400 for bad or too deeply nested JSON."""
    check_json_type(headers)
    try:
        return json.loads(body_text(headers, body) if text is None else text)
    except RecursionError:
        raise HTTPFailure(400, "body: JSON nested too deeply") from None
    except ValueError as exc:
        raise HTTPFailure(400, f"body: not JSON: {exc}") from None
