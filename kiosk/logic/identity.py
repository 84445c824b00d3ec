"""Shopper identity: the one place the kiosk has an app QR token verified.

    profile_id = verify_app_token(bridge, scanned.code.text)   # or raises TokenRefused

The checks themselves (signature, expiry, replay) live in bridge.app_token.
"""

from __future__ import annotations

from typing import Any, Protocol

from bridge.app_token import (
    REASONS,
    MemoryReplayGuard,
    ReplayGuard,
    SqliteReplayGuard,
    TokenRefused,
    verify,
)

__all__ = ["REASONS", "MemoryReplayGuard", "ReplayGuard", "SqliteReplayGuard", "TokenRefused", "verify",
           "verify_app_token"]


class TokenChecker(Protocol):
    """What verification needs of the bridge: its cached JWKS and its database."""

    db: Any

    def jwks(self) -> dict: ...


def verify_app_token(bridge: TokenChecker, token: str) -> str:
    """The token's profile id, checked offline against the bridge's keys and replay record."""
    return verify(token, bridge.jwks(), replay_guard=SqliteReplayGuard(bridge.db))
