"""The app token HQ mints stays small enough for a low QR version, and the bridge still accepts it."""

from __future__ import annotations

import jwt
import qrcode

from bridge.app_token import MemoryReplayGuard, verify
from hq.tokens import jwks, mint_app_token

NOW = 1_790_000_000


def qr_version(text: str) -> int:
    """The QR version qrcode picks at error correction M, as `vitrine-hq mint-token --png` draws it."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version


def test_minted_token_fits_qr_version_12_at_error_correction_m():
    # Was version 14 (333 characters) before the header, kid and jti were trimmed.
    token = mint_app_token("p-0123456789ab", now=NOW)
    assert len(token) <= 270
    assert qr_version(token) <= 12


def test_trimmed_token_carries_no_typ_and_is_still_verified():
    token = mint_app_token("p-camille", now=NOW)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": jwks()["keys"][0]["kid"]}
    assert verify(token, jwks(), now=NOW + 10, replay_guard=MemoryReplayGuard()) == "p-camille"
