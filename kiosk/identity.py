"""Shopper identity for the kiosk: app QR token verification lives in bridge.app_token.

    from kiosk.identity import verify, TokenRefused
    profile_id = verify(scanned.code.text, bridge.jwks())
"""

from bridge.app_token import (
    REASONS,
    MemoryReplayGuard,
    ReplayGuard,
    SqliteReplayGuard,
    TokenRefused,
    verify,
)

__all__ = ["REASONS", "MemoryReplayGuard", "ReplayGuard", "SqliteReplayGuard", "TokenRefused", "verify"]
