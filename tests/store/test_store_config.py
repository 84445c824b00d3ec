"""[serve] settings: tokens from the table and from a token file, errors naming file and line."""

from __future__ import annotations

import pytest

from bridge.config import load_settings
from bridge.errors import ConfigError


def _config(tmp_path, serve: str):
    if (tmp_path / "tokens").exists():
        (tmp_path / "tokens").chmod(0o600)  # a token file open to others is refused
    path = tmp_path / "c.toml"
    path.write_text(f'[store]\nid = "s"\n[serve]\nenabled = true\n{serve}\n', encoding="utf-8")
    return load_settings(path)


def test_tokens_come_from_the_table_and_the_file_reread_each_time(tmp_path):
    (tmp_path / "tokens").write_text("# the tills\ntill-1 till-token-0123456789ab\n\n", encoding="utf-8")
    s = _config(tmp_path, 'token_file = "tokens"\n[serve.tokens]\nkiosk-1 = "kiosk-token-0123456789"')
    assert s.serve_tokens() == {"kiosk-1": "kiosk-token-0123456789", "till-1": "till-token-0123456789ab"}
    (tmp_path / "tokens").write_text("till-2 another-token-0123456789\n", encoding="utf-8")
    assert "till-2" in s.serve_tokens() and "till-1" not in s.serve_tokens()


def test_a_bad_token_line_names_the_file_and_line(tmp_path):
    (tmp_path / "tokens").write_text("ok-1 token-0123456789abcdef\nshort abc\n", encoding="utf-8")
    s = _config(tmp_path, 'token_file = "tokens"')
    with pytest.raises(ConfigError, match=r"tokens:2: expected `NAME TOKEN`"):
        s.serve_tokens()


def test_a_short_table_token_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"\[serve.tokens\] kiosk-1: must be a string of at least 16"):
        _config(tmp_path, '[serve.tokens]\nkiosk-1 = "short"')


def test_a_token_file_open_to_other_users_is_refused(tmp_path):
    (tmp_path / "tokens").write_text("till-1 till-token-0123456789ab\n", encoding="utf-8")
    s = _config(tmp_path, 'token_file = "tokens"')
    (tmp_path / "tokens").chmod(0o644)
    with pytest.raises(ConfigError, match=r"\[serve\] token_file: .* open to other users .*chmod 600"):
        s.serve_tokens()
