"""Who is calling: the bearer token is checked before any endpoint runs or any body is read.

- intake paths take the [intake] token (the tills);
- profile API paths take a device's token: [serve.tokens], [serve] token_file, or one minted
  by `vitrine-bridge pair` (a revoked one, or one not used before its pairing expired, is
  refused with 401, saying so); `POST /v1/devices/token` with a `Swap-Request-Id` also takes
  a pairing code's token that was swapped already (the swap itself decides whether this
  request may swap it again);
- the health paths are open, but say more than "ok" only to a token holder.

The caller's name goes to `scope["state"]["client"]`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from bridge.serve.errors import Refused

INTAKE_PREFIX = "/v1/intake/"
OPEN_PATHS = frozenset({"/v1/intake/health", "/healthz"})
SWAP_PATH = "/v1/devices/token"
SWAP_REQUEST_HEADER = "swap-request-id"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vitrine-bridge"', "Connection": "close"}


@dataclass(frozen=True)
class TokenSources:
    """Where tokens are looked up: each returns the client name for a token, or raises Refused."""

    intake: Callable[[], str]  # the [intake] token, "" when intake is disabled
    configured: Callable[[], dict[str, str]]  # name -> token from [serve]
    # token -> (name, why it is refused or None) from the registry; None when unknown
    paired: Callable[[str], tuple[str, str | None] | None]
    # the same for a swap naming its request: a spent pairing code is admitted (it may retry)
    swapping: Callable[[str], tuple[str, str | None] | None]


def bearer(headers: Headers) -> str | None:
    """The bearer token of the request, or None."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def intake_client(sources: TokenSources, token: str | None) -> str:
    """"intake" when token is the [intake] token; else Refused 401."""
    expected = sources.intake()
    if not expected:
        raise Refused(401, "intake is disabled: no [intake] token is configured", CHALLENGE)
    if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Refused(401, "missing or wrong bearer token", CHALLENGE)
    return "intake"


def device_client(sources: TokenSources, token: str | None, retrying_swap: bool = False) -> str:
    """The device name holding token; Refused 401 when unknown, revoked or expired unused.

    retrying_swap: a pairing code already swapped is let through (sources.swapping).
    """
    if token is None:
        raise Refused(401, "Authorization: a bearer token is required", CHALLENGE)
    found = None
    for name, expected in sources.configured().items():  # every one compared: constant time
        if hmac.compare_digest(token.encode(), expected.encode()):
            found = name
    if found is not None:
        return found
    paired = (sources.swapping if retrying_swap else sources.paired)(token)  # by the token's SHA-256
    if paired is None:
        raise Refused(401, "Authorization: unknown token", CHALLENGE)
    name, refusal = paired
    if refusal is not None:
        raise Refused(401, f"Authorization: {refusal}", CHALLENGE)
    return name


class BearerAuth:
    """ASGI middleware putting the caller's name in scope["state"]["client"], or refusing with 401."""

    def __init__(self, app: ASGIApp, sources: TokenSources) -> None:
        self.app = app
        self.sources = sources

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/v1/") or path in OPEN_PATHS:
            headers = Headers(scope=scope)
            scope.setdefault("state", {})["client"] = self._client(path, headers)
        await self.app(scope, receive, send)

    def _client(self, path: str, headers: Headers) -> str | None:
        token = bearer(headers)
        if path in OPEN_PATHS:
            return self._optional(token)
        if path.startswith(INTAKE_PREFIX):
            return intake_client(self.sources, token)
        return device_client(self.sources, token,
                             retrying_swap=path == SWAP_PATH and SWAP_REQUEST_HEADER in headers)

    def _optional(self, token: str | None) -> str | None:
        """A health check's caller: a name for a valid token, else None (answered "ok" only)."""
        if token is None:
            return None
        for check in (intake_client, device_client):
            try:
                return check(self.sources, token)
            except Refused:
                continue
        return None
