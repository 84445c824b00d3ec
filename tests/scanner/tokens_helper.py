"""Test helper: Ed25519 key pairs, JWKS dicts and app tokens signed with PyJWT (no hq/ import)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NOW = 1_790_000_000.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 key pair with its kid."""

    kid: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, kid: str) -> "KeyPair":
        return cls(kid, Ed25519PrivateKey.generate())

    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def jwk(self) -> dict:
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "use": "sig", "alg": "EdDSA",
                "x": b64url(self.public_bytes())}


def jwks(*pairs: KeyPair) -> dict:
    return {"keys": [p.jwk() for p in pairs]}


def claims(sub: str = "prof-123", *, now: float = NOW, ttl: float = 300, **extra) -> dict:
    body = {"sub": sub, "aud": "store-kiosk", "iat": int(now), "exp": int(now + ttl),
            "jti": uuid.uuid4().hex}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def sign(pair: KeyPair, body: dict, *, kid: str | None = None, headers: dict | None = None) -> str:
    hdr = {"kid": pair.kid if kid is None else kid, **(headers or {})}
    return jwt.encode(body, pair.private, algorithm="EdDSA", headers=hdr)


def unsigned(body: dict, kid: str) -> str:
    """An `alg: none` token, crafted by hand."""
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{b64url(json.dumps(body).encode())}."


def hs256_with_public_key(pair: KeyPair, body: dict) -> str:
    """The classic confusion attack: HMAC keyed with the public key bytes, crafted by hand."""
    import hashlib
    import hmac

    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": pair.kid}).encode())
    payload = b64url(json.dumps(body).encode())
    signing_input = f"{header}.{payload}".encode()
    mac = hmac.new(pair.jwk()["x"].encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(mac)}"
