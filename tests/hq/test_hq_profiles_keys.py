"""Profiles, claims, JWKS and app tokens on a real reference HQ."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import requests
from hq_helpers import batch, event
from PIL import Image
from pyzbar.pyzbar import decode

from hq.tokens import mint_app_token

ROOT = Path(__file__).resolve().parents[2]


def saved(n, product_id, *, etype="item_saved", **who):
    return event(n, etype=etype, payload={"product_id": product_id, "sku": f"{product_id.upper()}-M"}, **who)


def test_profiles_are_seeded_and_unknown_ones_are_404(hq, session):
    camille = session.get(hq.url + "/v1/profiles/p-camille", timeout=10).json()
    assert camille == {"id": "p-camille", "first_name": "Camille", "language": "fr", "saved_items": []}
    assert session.get(hq.url + "/v1/profiles/p-ines", timeout=10).json()["first_name"] == "Inès"
    assert session.get(hq.url + "/v1/profiles/p-nobody", timeout=10).status_code == 404
    assert requests.get(hq.url + "/v1/profiles/p-camille", timeout=10).status_code == 401


def test_saved_items_follow_saves_unsaves_and_claims(hq, session):
    events = [
        saved(1, "rm-1", profile_id="p-james"),
        saved(2, "rm-2", profile_id="p-james"),
        saved(3, "rm-1", etype="item_unsaved", profile_id="p-james"),
        saved(4, "rm-3", claim_code="claim-abc"),
        event(5, claim_code="claim-abc"),
    ]
    session.post(hq.url + "/v1/events", json=batch(events), timeout=10).raise_for_status()
    profile = session.get(hq.url + "/v1/profiles/p-james", timeout=10).json()
    assert profile["saved_items"] == [{"product_id": "rm-2", "sku": "RM-2-M"}]

    answer = session.post(hq.url + "/v1/claims/claim-abc", json={"profile_id": "p-james"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"claim_code": "claim-abc", "profile_id": "p-james", "linked": 2}
    profile = session.get(hq.url + "/v1/profiles/p-james", timeout=10).json()
    assert [i["product_id"] for i in profile["saved_items"]] == ["rm-2", "rm-3"]


def test_claim_errors(hq, session):
    url = hq.url + "/v1/claims/"
    assert session.post(url + "c1", json={}, timeout=10).status_code == 400
    assert session.post(url + "c1", json={"profile_id": "p-nobody"}, timeout=10).status_code == 404
    assert session.post(url + "c1", json={"profile_id": "p-ines"}, timeout=10).status_code == 200
    assert session.post(url + "c1", json={"profile_id": "p-ines"}, timeout=10).status_code == 200
    assert session.post(url + "c1", json={"profile_id": "p-james"}, timeout=10).status_code == 409


def test_jwks_verifies_a_minted_token_and_refuses_a_bad_one(hq, session):
    keys = session.get(hq.url + "/v1/keys", timeout=10).json()["keys"]
    assert len(keys) == 1
    jwk = keys[0]
    assert {k: jwk[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig"}
    token = mint_app_token("p-camille", ttl_s=120)
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"]
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], audience="store-kiosk")
    assert claims["sub"] == "p-camille"
    assert claims["exp"] - claims["iat"] == 120
    assert len(claims["jti"]) >= 16
    assert claims["jti"] != jwt.decode(mint_app_token("p-camille"), options={"verify_signature": False})["jti"]

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = mint_app_token("p-camille", key=Ed25519PrivateKey.generate(), kid=jwk["kid"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], audience="store-kiosk")
    elsewhere = mint_app_token("p-camille", extra_claims={"aud": "elsewhere"})
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(elsewhere, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], audience="store-kiosk")
    assert jwt.get_unverified_header(mint_app_token("p", headers={"kid": "k-unknown"}))["kid"] == "k-unknown"


def test_ttl_over_ten_minutes_is_refused():
    with pytest.raises(ValueError, match="ttl_s"):
        mint_app_token("p-camille", ttl_s=601)


def test_mint_token_cli_prints_a_token_and_writes_a_decodable_qr(tmp_path):
    png = tmp_path / "qr.png"
    done = subprocess.run([sys.executable, "-m", "hq", "mint-token", "--profile", "p-ines", "--png", str(png),
                           "--ttl", "60"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "p-ines"
    assert decode(Image.open(png))[0].data.decode() == token
    too_long = subprocess.run([sys.executable, "-m", "hq", "mint-token", "--profile", "p", "--ttl", "900"],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert too_long.returncode == 2 and "--ttl" in too_long.stderr
