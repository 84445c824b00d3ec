"""Verify shoppers' app QR tokens (EdDSA JWS, see the contract) offline, refusing replays.

    profile_id = verify(qr_text, bridge.jwks())           # or raises TokenRefused
    guard = SqliteReplayGuard(bridge.db)                  # replays refused across restarts
    profile_id = verify(qr_text, bridge.jwks(), replay_guard=guard)
"""

from __future__ import annotations

import heapq
import threading
import time
from typing import Any, Protocol

import jwt

from bridge.errors import VitrineError

AUDIENCE = "store-kiosk"
ALGORITHM = "EdDSA"
SKEW_S = 60.0
MAX_LIFETIME_S = 600.0
REQUIRED_CLAIMS = ("sub", "aud", "iat", "exp", "jti")

BAD_SIGNATURE = "bad signature"
UNKNOWN_KEY = "unknown key"
WRONG_AUDIENCE = "wrong audience"
EXPIRED = "expired"
NOT_YET_VALID = "not yet valid"
LIFETIME_TOO_LONG = "lifetime too long"
REPLAYED = "replayed"
MALFORMED = "malformed"
REASONS = (BAD_SIGNATURE, UNKNOWN_KEY, WRONG_AUDIENCE, EXPIRED, NOT_YET_VALID,
           LIFETIME_TOO_LONG, REPLAYED, MALFORMED)

MIGRATIONS: list[tuple[int, str, str]] = [
    (30, "app_token_jti", """
        CREATE TABLE IF NOT EXISTS app_token_jti (
            jti TEXT PRIMARY KEY,
            expires_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS app_token_jti_expires ON app_token_jti (expires_at);
    """),
]


class TokenRefused(VitrineError):
    """An app QR token was refused; `reason` is one of REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"app token refused: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.detail = detail


class ReplayGuard(Protocol):
    """Remembers accepted jtis until they expire."""

    def first_use(self, jti: str, expires_at: float, now: float) -> bool:
        """Mark jti as seen until expires_at; False when it was already seen."""
        ...


class MemoryReplayGuard:
    """Thread-safe in-process replay guard (forgotten on restart)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []  # heap, so purging is cheap

    def first_use(self, jti: str, expires_at: float, now: float) -> bool:
        """Mark jti as seen until expires_at; False when it was already seen."""
        with self._lock:
            self._purge(now)
            if jti in self._seen:
                return False
            self._seen[jti] = expires_at
            heapq.heappush(self._expiry, (expires_at, jti))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def _purge(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] < now:
            expires_at, jti = heapq.heappop(self._expiry)
            if self._seen.get(jti) == expires_at:
                del self._seen[jti]


class SqliteReplayGuard:
    """Replay guard in the bridge database (table app_token_jti), so it survives restarts.

    `db` is a bridge.db.Database (anything with a `write()` context manager
    yielding a sqlite3.Connection inside a transaction).
    """

    def __init__(self, db: Any) -> None:
        self._db = db

    def first_use(self, jti: str, expires_at: float, now: float) -> bool:
        """Mark jti as seen until expires_at; False when it was already seen."""
        with self._db.write() as conn:
            conn.execute("DELETE FROM app_token_jti WHERE expires_at < ?", (now,))
            cur = conn.execute(
                "INSERT OR IGNORE INTO app_token_jti (jti, expires_at) VALUES (?, ?)",
                (jti, expires_at),
            )
            return cur.rowcount == 1

    def count(self) -> int:
        """How many jtis are remembered (expired ones included until the next purge)."""
        with self._db.write() as conn:
            return conn.execute("SELECT count(*) FROM app_token_jti").fetchone()[0]


_PROCESS_GUARD = MemoryReplayGuard()


def verify(token: str, jwks: dict, *, now: float | None = None,
           replay_guard: ReplayGuard | None = None) -> str:
    """Return the profile id of a valid app token, or raise TokenRefused."""
    now = time.time() if now is None else float(now)
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenRefused(MALFORMED, "not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRefused(MALFORMED, str(exc)) from None
    # The header only names the key; the algorithm is ours, never the token's.
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(BAD_SIGNATURE, f"algorithm {header.get('alg')!r} is not {ALGORITHM}")
    key = _public_key(jwks, header.get("kid"))
    claims = _decode(token, key)
    _check_times(claims, now)
    guard = _PROCESS_GUARD if replay_guard is None else replay_guard
    if not guard.first_use(claims["jti"], float(claims["exp"]) + SKEW_S, now):
        raise TokenRefused(REPLAYED, f"jti {claims['jti']!r} was already accepted")
    return claims["sub"]


def _public_key(jwks: dict, kid: object) -> Any:
    """The Ed25519 public key named kid in jwks (public members only, never "d")."""
    if not isinstance(kid, str) or not kid:
        raise TokenRefused(UNKNOWN_KEY, "no kid in the header")
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in keys if isinstance(keys, list) else []:
        if not isinstance(jwk, dict) or jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise TokenRefused(UNKNOWN_KEY, f"key {kid!r} is not an Ed25519 OKP key")
        try:
            return jwt.PyJWK({"kty": "OKP", "crv": "Ed25519", "x": jwk.get("x")}, ALGORITHM).key
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenRefused(UNKNOWN_KEY, f"key {kid!r} is unusable: {exc}") from None
    raise TokenRefused(UNKNOWN_KEY, f"kid {kid!r} is not in the cached keys")


def _decode(token: str, key: Any) -> dict:
    """Check the signature, audience and required claims; times are checked by us (injectable now)."""
    options = {"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_nbf": False,
               "verify_iat": False}
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, options=options)
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as exc:
        raise TokenRefused(BAD_SIGNATURE, str(exc)) from None
    except jwt.InvalidAudienceError as exc:
        raise TokenRefused(WRONG_AUDIENCE, str(exc)) from None
    except jwt.PyJWTError as exc:
        raise TokenRefused(MALFORMED, str(exc)) from None
    for name in ("sub", "jti"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise TokenRefused(MALFORMED, f"claim {name} must be a non-empty string")
    for name in ("iat", "exp", "nbf"):
        if name in claims and not _is_number(claims[name]):
            raise TokenRefused(MALFORMED, f"claim {name} must be a number")
    return claims


def _check_times(claims: dict, now: float) -> None:
    iat, exp = float(claims["iat"]), float(claims["exp"])
    if exp <= iat:
        raise TokenRefused(MALFORMED, "exp is not after iat")
    if exp - iat > MAX_LIFETIME_S:
        raise TokenRefused(LIFETIME_TOO_LONG, f"lives {exp - iat:.0f} s, at most {MAX_LIFETIME_S:.0f}")
    not_before = max(iat, float(claims.get("nbf", iat)))
    if not_before > now + SKEW_S:
        raise TokenRefused(NOT_YET_VALID, f"valid from {not_before:.0f}, now {now:.0f}")
    if exp <= now - SKEW_S:
        raise TokenRefused(EXPIRED, f"expired at {exp:.0f}, now {now:.0f}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
