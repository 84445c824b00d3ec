"""Bridge.verify_app_token: the bridge's cached JWKS and its SQLite replay guard, across a restart."""

from __future__ import annotations

import time

import pytest

from bridge.app_token import REPLAYED, TokenRefused
from bridge.config import parse_settings
from bridge.facade import Bridge

from .tokens_helper import KeyPair, claims, jwks, sign

KEY = KeyPair.generate("k1")


def _open(tmp_path) -> Bridge:
    settings = parse_settings({"store": {"id": "paris-marais"},
                               "bridge": {"database": str(tmp_path / "bridge.db")},
                               "hq": {"url": "http://127.0.0.1:9", "token": "t"}}, str(tmp_path / "c.toml"))
    return Bridge.open(settings)


def test_a_token_is_verified_once_even_after_a_restart(tmp_path):
    token = sign(KEY, claims("prof-7", now=time.time()))
    with _open(tmp_path) as bridge:
        bridge.state.set_jwks(jwks(KEY))
        assert bridge.verify_app_token(token) == "prof-7"
    with _open(tmp_path) as bridge, pytest.raises(TokenRefused) as info:
        bridge.verify_app_token(token)
    assert info.value.reason == REPLAYED
