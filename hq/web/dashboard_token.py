"""The dashboard token: when HQ runs with --dashboard-token, no page or JSON of store data answers without it.

A browser presents it once as `?token=...` (answered with a cookie that carries it after),
a script as `Authorization: Bearer ...` or the cookie. Health, readiness, the OpenAPI
document and the API under /v1/ (its own tokens) are not behind it.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hq.errors import HTTPFailure

COOKIE = "vitrine_dashboard"
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/_faults"})


class DashboardToken:
    """Refuse every page outside /v1/ and OPEN_PATHS with 401 unless the dashboard token is presented."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (self.token is None or scope["type"] != "http" or path.startswith("/v1/")
                or path in OPEN_PATHS):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        from_query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[-1]
        scheme, _, bearer = headers.get("authorization", "").partition(" ")
        cookie = SimpleCookie(headers.get("cookie", ""))
        presented = [from_query, bearer.strip() if scheme.lower() == "bearer" else "",
                     cookie[COOKIE].value if COOKIE in cookie else ""]
        if not any(hmac.compare_digest(p.encode("utf-8", "surrogateescape"), self.token) for p in presented):
            raise HTTPFailure(401, "the dashboard token is required (?token=, a bearer token or the cookie)",
                              {"WWW-Authenticate": 'Bearer realm="vitrine-hq-dashboard"'})
        if not from_query:
            return await self.app(scope, receive, send)

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "Set-Cookie", f"{COOKIE}={from_query}; Path=/; HttpOnly; SameSite=Strict")
            await send(message)

        await self.app(scope, receive, with_cookie)
