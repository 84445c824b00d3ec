"""The signing key of shoppers' app QR tokens: load it, publish its JWKS, mint tokens.

Minting is PyJWT (EdDSA) over a `cryptography` Ed25519 key. The committed key in
hq/dev_keys/ is for development only (see its README): never use it in production.

    token = mint_app_token("p-camille")           # a valid token signed by the dev key
    bad = mint_app_token("p-camille", extra_claims={"aud": "elsewhere"})
    jwks()                                         # -> {"keys": [{"kty": "OKP", ...}]}
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from datetime import datetime
from os import PathLike
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from hq.errors import HQServerError

DEV_KEY_PATH = (Path(__file__).resolve().parent / "dev_keys"
                / "dev-signing-key.DEVELOPMENT-ONLY-never-use-in-production.pem")
AUDIENCE = "store-kiosk"
MAX_TTL_S = 600
# Every byte makes the shopper's QR code denser and harder for a camera to read, so the
# token carries nothing it does not need: no "typ" header, a short kid, a 96-bit jti
# (unique enough for a replay guard that forgets a jti after ten minutes).
KID_CHARS = 8
JTI_BYTES = 12

KeyLike = Ed25519PrivateKey | str | bytes | PathLike[str] | None


class SigningKeyError(HQServerError):
    """The signing key file is missing or not an Ed25519 private key; the message names the file."""


def load_signing_key(path: str | PathLike[str] | None = None) -> Ed25519PrivateKey:
    """Read an Ed25519 private key from a PEM file (the development key by default)."""
    path = Path(path) if path is not None else DEV_KEY_PATH
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read signing key: {exc.strerror or exc}") from exc
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key ({type(key).__name__})")
    return key


def _as_key(key: KeyLike) -> Ed25519PrivateKey:
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, bytes):
        loaded = serialization.load_pem_private_key(key, password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise SigningKeyError(f"PEM data: not an Ed25519 key ({type(loaded).__name__})")
        return loaded
    return load_signing_key(key)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey, kid: str | None = None) -> dict:
    """The public JWK of a key; kid defaults to the start of its RFC 7638 thumbprint."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    if kid is None:
        canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
        kid = _b64url(hashlib.sha256(canonical).digest())[:KID_CHARS]
    return {**members, "kid": kid, "alg": "EdDSA", "use": "sig"}


def jwks(keys: list[KeyLike] | None = None) -> dict:
    """A JWKS (RFC 7517) of the public halves of keys (the development key by default)."""
    return {"keys": [public_jwk(_as_key(k)) for k in (keys or [None])]}


def mint_app_token(
    profile_id: str,
    *,
    ttl_s: float = 300,
    now: float | datetime | None = None,
    key: KeyLike = None,
    kid: str | None = None,
    extra_claims: dict | None = None,
    headers: dict | None = None,
) -> str:
    """A compact JWS for the app QR code: claims sub, aud, iat, exp, jti; header kid.

    extra_claims and headers override the defaults, so tests can mint deliberately bad
    tokens (another aud, an exp too far out, an unknown kid).
    """
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl_s: must be > 0 and <= {MAX_TTL_S} (the contract's limit), got {ttl_s}")
    private = _as_key(key)
    issued = now.timestamp() if isinstance(now, datetime) else (time.time() if now is None else now)
    claims = {
        "sub": profile_id,
        "aud": AUDIENCE,
        "iat": int(issued),
        "exp": int(issued + ttl_s),
        "jti": secrets.token_urlsafe(JTI_BYTES),
        **(extra_claims or {}),
    }
    header = {"typ": None, "kid": kid or public_jwk(private)["kid"], **(headers or {})}
    return jwt.encode(claims, private, algorithm="EdDSA", headers=header)
