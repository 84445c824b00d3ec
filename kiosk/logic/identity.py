"""Shopper identity: the one place the kiosk has an app QR token verified.

    profile_id = verify_app_token(bridge, scanned.code.text)   # or raises TokenRefused

The checks themselves (signature, expiry, replay) live in bridge.app_token.
"""

from __future__ import annotations

from typing import Protocol

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
    """What verification needs of the bridge: one call that checks keys and replays."""

    def verify_app_token(self, token: str) -> str: ...


def verify_app_token(bridge: TokenChecker, token: str) -> str:
    """The token's profile id, checked offline against the bridge's keys and replay record."""
    return bridge.verify_app_token(token)
