"""Who is calling: the bearer token is checked before any endpoint runs or any body is read.

- intake paths take a till's own token ([intake.tokens], [intake] tokens_file: the caller is
  "till:NAME") or the shared [intake] token (every till is one caller, "intake");
- profile API paths take a device's token: [serve.tokens], [serve] token_file, or one minted
  by `vitrine-bridge pair` (a revoked one, or one not used before its pairing expired, is
  refused with 401, saying so); `POST /v1/devices/token` with a `Swap-Request-Id` also takes
  a pairing code's token that was swapped already (the swap itself decides whether this
  request may swap it again);
- the health paths are open, but say more than "ok" only to a token holder.

The caller's name goes to `scope["state"]["client"]`. A token file that cannot be read
(mode opened to others, a bad line mid-rotation) is answered 503 and logged.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from bridge.errors import ConfigError
from bridge.serve.errors import Refused

log = logging.getLogger("bridge.serve")

INTAKE_PREFIX = "/v1/intake/"
OPEN_PATHS = frozenset({"/v1/intake/health", "/healthz"})
SWAP_PATH = "/v1/devices/token"
SWAP_REQUEST_HEADER = "swap-request-id"
SHARED_INTAKE = "intake"  # the caller holding the shared [intake] token
TILL_PREFIX = "till:"  # + the till's name, for a caller holding its own intake token
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vitrine-bridge"', "Connection": "close"}


@dataclass(frozen=True)
class TokenSources:
    """Where tokens are looked up: each returns the client name for a token, or raises Refused."""

    intake: Callable[[], str]  # the shared [intake] token, "" when none
    tills: Callable[[], dict[str, str]]  # till name -> its own token, from [intake]
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


def matching(token: str, named: dict[str, str]) -> str | None:
    """The name whose token is token; every one is compared, so the time says nothing of which."""
    found = None
    presented = token.encode()
    for name, expected in named.items():
        if hmac.compare_digest(presented, expected.encode()):
            found = name
    return found


def intake_client(sources: TokenSources, token: str | None) -> str:
    """"till:NAME" for a till's own token, "intake" for the shared one; else Refused 401."""
    shared, tills = sources.intake(), sources.tills()
    if not shared and not tills:
        raise Refused(401, "intake is disabled: no [intake] token or till tokens are configured", CHALLENGE)
    if token is None:
        raise Refused(401, "missing or wrong bearer token", CHALLENGE)
    callers = {TILL_PREFIX + name: expected for name, expected in tills.items()}
    if shared:
        callers[SHARED_INTAKE] = shared  # the config lets no till hold it too
    found = matching(token, callers)
    if found is None:
        raise Refused(401, "missing or wrong bearer token", CHALLENGE)
    return found


def device_client(sources: TokenSources, token: str | None, retrying_swap: bool = False) -> str:
    """The device name holding token; Refused 401 when unknown, revoked or expired unused.

    retrying_swap: a pairing code already swapped is let through (sources.swapping).
    """
    if token is None:
        raise Refused(401, "Authorization: a bearer token is required", CHALLENGE)
    found = matching(token, sources.configured())
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
        try:
            return self._caller(path, headers)
        except ConfigError as exc:  # e.g. a token file rotated with the wrong mode: say so, keep serving
            log.error("cannot check bearer tokens: %s", exc)
            raise Refused(503, "the bridge cannot read its token configuration (see the bridge's log)",
                          {"Retry-After": "5"}) from None

    def _caller(self, path: str, headers: Headers) -> str | None:
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
