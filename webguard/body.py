"""Read a request body within bounds: size, time, encoding, content type and JSON depth.

    reader = BodyReader(limit=1_048_576, refusal=Refused)
    raw = await reader.read(request, timeout_s=10)     # 411, 413, 408 as Refused
    data = reader.json(request.headers, raw)           # 400, 413, 415 as Refused
"""

from __future__ import annotations

import json
import zlib

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request

from webguard.refusal import Refusal
from webguard.storable import refuse_constant

CLOSE = {"Connection": "close"}


class BodyReader:
    """Bodies of at most `limit` bytes (before and after gunzip), refused as `refusal`.

    A declared body over the limit is refused before a byte is read; the connection is closed
    unless it is at most `drain_limit` bytes (default: the limit), which the server then drains.
    """

    def __init__(self, limit: int, refusal: type[Refusal] = Refusal, *, drain_limit: int | None = None) -> None:
        self.limit = limit
        self.refusal = refusal
        self.drain_limit = limit if drain_limit is None else drain_limit

    async def read(self, request: Request, timeout_s: float) -> bytes:
        """The raw body, refused from its Content-Length when too large, or when not in within timeout_s."""
        headers = request.headers
        if "content-length" not in headers:
            if "transfer-encoding" in headers:
                raise self.refusal(411, "Content-Length: required (chunked bodies are not accepted)", CLOSE)
            return b""
        length = int(headers["content-length"])  # the HTTP server answered 400 to a malformed one already
        if length > self.limit:
            close = CLOSE if length > self.drain_limit else {}
            raise self.refusal(413, f"body: {length} bytes, more than {self.limit}", close)
        chunks: list[bytes] = []
        with anyio.move_on_after(timeout_s) as scope:
            async for chunk in request.stream():
                chunks.append(chunk)
        if scope.cancelled_caught:
            raise self.refusal(408, f"body: not received within {timeout_s:g} s", CLOSE)
        return b"".join(chunks)

    def check_json_type(self, headers: Headers) -> None:
        """415 unless the body is declared as JSON (a missing Content-Type reads as JSON)."""
        declared = headers.get("content-type")
        if declared is None:
            return
        kind = declared.split(";", 1)[0].strip().lower()
        if kind != "application/json" and not kind.endswith("+json"):
            raise self.refusal(415, f"Content-Type: must be application/json, got {kind or 'nothing'!r}")

    def text(self, headers: Headers, body: bytes) -> str:
        """The body as UTF-8 text, gunzipped when Content-Encoding says gzip (at most limit bytes inflated)."""
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding == "gzip":
            body = self._gunzip(body)
        elif encoding != "identity":
            raise self.refusal(415, f"Content-Encoding: {encoding!r} not supported (use gzip)")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.refusal(400, f"body: not UTF-8 text: {exc}") from None

    def json(self, headers: Headers, body: bytes, text: str | None = None) -> object:
        """The body (or its text, when already decoded) as a JSON value; 415 for another type, 400 for bad JSON."""
        self.check_json_type(headers)
        try:
            return json.loads(self.text(headers, body) if text is None else text, parse_constant=refuse_constant)
        except RecursionError:
            raise self.refusal(400, "body: JSON nested too deeply") from None
        except ValueError as exc:
            raise self.refusal(400, f"body: not JSON: {exc}") from None

    def _gunzip(self, body: bytes) -> bytes:
        # inflate at most limit + 1 bytes: a small bomb must not cost its inflated size in memory
        inflater = zlib.decompressobj(wbits=31)
        try:
            body = inflater.decompress(body, self.limit + 1)
        except zlib.error as exc:
            raise self.refusal(400, f"body: not valid gzip: {exc}") from None
        if len(body) > self.limit or inflater.unconsumed_tail:
            raise self.refusal(413, f"body: more than {self.limit} bytes once decompressed")
        if not inflater.eof:
            raise self.refusal(400, "body: not valid gzip: truncated stream")
        return body
