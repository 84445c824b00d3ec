"""A request refused with an HTTP status, and the JSON answers that carry it."""

from __future__ import annotations

import json

from starlette.responses import Response


class Refusal(Exception):
    """Refuse the whole request: `status` and `headers` are the answer's, `message` its {"error": ...}.

    Each server subclasses it under its own error base class (bridge's Refused, HQ's HTTPFailure):

        class Refused(VitrineError, Refusal): ...
    """

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def json_response(status: int, obj: object, headers: dict[str, str] | None = None) -> Response:
    """A compact UTF-8 JSON answer."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status, headers, media_type="application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The contract's error shape: {"error": message}."""
    return json_response(status, {"error": message}, headers)
