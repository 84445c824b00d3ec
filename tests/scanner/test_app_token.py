"""App QR token verification: every refusal reason, replay guards in memory and in SQLite."""

from __future__ import annotations

import threading

import pytest

from bridge import app_token
from bridge.app_token import MemoryReplayGuard, SqliteReplayGuard, TokenRefused, verify
from bridge.store.registry import open_database
from bridge.errors import VitrineError
from kiosk.logic import identity

from .tokens_helper import NOW, KeyPair, b64url, claims, hs256_with_public_key, jwks, sign, unsigned

KEY = KeyPair.generate("k1")
OTHER = KeyPair.generate("k2")
JWKS = jwks(KEY)


def refused(token: str, *, keys: dict = JWKS, now: float = NOW, guard=None) -> str:
    with pytest.raises(TokenRefused) as info:
        verify(token, keys, now=now, replay_guard=guard or MemoryReplayGuard())
    assert isinstance(info.value, VitrineError)
    return info.value.reason


def test_valid_token_returns_profile_id():
    token = sign(KEY, claims("prof-42"))
    assert verify(token, JWKS, now=NOW, replay_guard=MemoryReplayGuard()) == "prof-42"


def test_identity_reexports_the_same_objects():
    assert identity.verify is verify and identity.TokenRefused is TokenRefused
    assert identity.SqliteReplayGuard is SqliteReplayGuard


def test_token_signed_by_another_key_with_our_kid_is_bad_signature():
    assert refused(sign(OTHER, claims(), kid="k1")) == "bad signature"


def test_tampered_payload_is_bad_signature():
    header, _, sig = sign(KEY, claims("prof-1")).split(".")
    forged = b64url(b'{"sub":"prof-admin","aud":"store-kiosk","iat":1790000000,"exp":1790000300,"jti":"x"}')
    assert refused(f"{header}.{forged}.{sig}") == "bad signature"


def test_unknown_kid_and_missing_kid():
    assert refused(sign(OTHER, claims())) == "unknown key"
    assert refused(sign(KEY, claims()), keys={"keys": []}) == "unknown key"
    token = sign(KEY, claims(), kid="")
    assert refused(token) == "unknown key"


def test_non_ed25519_key_in_jwks_is_not_used():
    keys = {"keys": [{"kty": "oct", "kid": "k1", "k": b64url(KEY.public_bytes())}]}
    assert refused(sign(KEY, claims()), keys=keys) == "unknown key"


def test_private_member_in_jwks_is_ignored_and_public_part_still_verifies():
    jwk = dict(KEY.jwk(), d=b64url(b"\0" * 32))
    assert verify(sign(KEY, claims()), {"keys": [jwk]}, now=NOW, replay_guard=MemoryReplayGuard())


def test_wrong_audience():
    assert refused(sign(KEY, claims(aud="hq-console"))) == "wrong audience"


@pytest.mark.parametrize("offset", [300 + 61, 10_000])
def test_expired_beyond_skew(offset):
    assert refused(sign(KEY, claims()), now=NOW + offset) == "expired"


def test_expired_within_skew_is_accepted():
    token = sign(KEY, claims())
    assert verify(token, JWKS, now=NOW + 300 + 59, replay_guard=MemoryReplayGuard()) == "prof-123"


def test_future_iat_and_nbf_are_not_yet_valid():
    assert refused(sign(KEY, claims(now=NOW + 120))) == "not yet valid"
    assert refused(sign(KEY, claims(nbf=int(NOW + 200)))) == "not yet valid"
    # Within the 60 s of skew a fast phone clock is fine.
    assert verify(sign(KEY, claims(now=NOW + 50)), JWKS, now=NOW, replay_guard=MemoryReplayGuard())


def test_lifetime_over_ten_minutes():
    assert refused(sign(KEY, claims(ttl=601))) == "lifetime too long"
    assert verify(sign(KEY, claims(ttl=600)), JWKS, now=NOW, replay_guard=MemoryReplayGuard())


def test_alg_none_is_refused():
    assert refused(unsigned(claims(), "k1")) == "bad signature"


def test_hs256_keyed_with_public_key_is_refused():
    assert refused(hs256_with_public_key(KEY, claims())) == "bad signature"


def test_other_asymmetric_algorithms_are_refused():
    header = b64url(b'{"alg":"ES256","kid":"k1"}')
    body = b64url(b'{"sub":"p"}')
    assert refused(f"{header}.{body}.{b64url(b'sig')}") == "bad signature"


@pytest.mark.parametrize("garbage", [
    "", "hello", "a.b", "a.b.c", "...", "🙂.🙂.🙂", "eyJhbGciOiJFZERTQSJ9.e30", 12345,
    "eyJub3QganNvbg.e30.AA",
])
def test_garbage_is_malformed(garbage):
    assert refused(garbage) == "malformed"


@pytest.mark.parametrize("missing", ["sub", "aud", "iat", "exp", "jti"])
def test_missing_required_claim_is_malformed(missing):
    assert refused(sign(KEY, claims(**{missing: None}))) == "malformed"


def test_wrongly_typed_claims_are_malformed():
    assert refused(sign(KEY, claims(sub=42))) == "malformed"
    assert refused(sign(KEY, claims(exp="soon"))) == "malformed"
    assert refused(sign(KEY, claims(jti=""))) == "malformed"


def test_replay_is_refused_only_after_all_other_checks():
    guard = MemoryReplayGuard()
    token = sign(KEY, claims())
    # An expired attempt must not burn the jti...
    assert refused(token, now=NOW + 1000, guard=guard) == "expired"
    assert verify(token, JWKS, now=NOW, replay_guard=guard) == "prof-123"
    assert refused(token, guard=guard) == "replayed"


def test_default_guard_is_process_wide():
    token = sign(KEY, claims())
    assert verify(token, JWKS, now=NOW) == "prof-123"
    with pytest.raises(TokenRefused) as info:
        verify(token, JWKS, now=NOW)
    assert info.value.reason == "replayed"


def test_memory_guard_forgets_expired_jtis():
    guard = MemoryReplayGuard()
    assert guard.first_use("a", expires_at=100.0, now=0.0)
    assert not guard.first_use("a", expires_at=100.0, now=50.0)
    assert guard.first_use("b", expires_at=300.0, now=101.0)
    assert len(guard) == 1


def test_memory_guard_is_thread_safe():
    guard = MemoryReplayGuard()
    token = sign(KEY, claims())
    results: list[str] = []

    def attempt():
        try:
            results.append(verify(token, JWKS, now=NOW, replay_guard=guard))
        except TokenRefused as exc:
            results.append(exc.reason)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["prof-123"] + ["replayed"] * 15


def test_sqlite_guard_refuses_replay_after_reopening(tmp_path):
    path = tmp_path / "bridge.db"
    token = sign(KEY, claims())
    db = open_database(path)
    assert verify(token, JWKS, now=NOW, replay_guard=SqliteReplayGuard(db)) == "prof-123"
    assert refused(token, guard=SqliteReplayGuard(db)) == "replayed"
    db.close()
    db = open_database(path)
    try:
        assert refused(token, guard=SqliteReplayGuard(db)) == "replayed"
        assert verify(sign(KEY, claims()), JWKS, now=NOW, replay_guard=SqliteReplayGuard(db))
    finally:
        db.close()


def test_sqlite_guard_purges_expired_entries(tmp_path):
    db = open_database(tmp_path / "bridge.db")
    try:
        guard = SqliteReplayGuard(db)
        assert guard.first_use("old", expires_at=100.0, now=0.0)
        assert guard.first_use("new", expires_at=1000.0, now=0.0)
        assert guard.count() == 2
        assert guard.first_use("later", expires_at=2000.0, now=500.0)
        assert guard.count() == 2
        assert not guard.first_use("new", expires_at=1000.0, now=600.0)
    finally:
        db.close()


def test_migrations_are_in_the_app_token_range():
    assert all(30 <= version <= 39 for version, _, _ in app_token.MIGRATIONS)
