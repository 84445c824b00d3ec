"""[serve] and [intake] tokens: from the table and from a token file, errors naming file and line."""

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


def test_one_token_for_two_serve_clients_is_refused_naming_the_second(tmp_path):
    token = "kiosk-token-0123456789"
    with pytest.raises(ConfigError, match=r"\[serve.tokens\] kiosk-2: the same token as kiosk-1"):
        _config(tmp_path, f'[serve.tokens]\nkiosk-1 = "{token}"\nkiosk-2 = "{token}"')
    (tmp_path / "tokens").write_text(f"kiosk-3 {token}\n", encoding="utf-8")
    s = _config(tmp_path, f'token_file = "tokens"\n[serve.tokens]\nkiosk-1 = "{token}"')
    with pytest.raises(ConfigError, match=r"\[serve\] token_file: .*tokens:1: kiosk-3: the same token as kiosk-1"):
        s.serve_tokens()


def test_a_token_file_open_to_other_users_is_refused(tmp_path):
    (tmp_path / "tokens").write_text("till-1 till-token-0123456789ab\n", encoding="utf-8")
    s = _config(tmp_path, 'token_file = "tokens"')
    (tmp_path / "tokens").chmod(0o644)
    with pytest.raises(ConfigError, match=r"\[serve\] token_file: .* open to other users .*chmod 600"):
        s.serve_tokens()


def _intake(tmp_path, intake: str, tills: str = ""):
    """Load a config with these [intake] keys and [intake.tokens] entries."""
    path = tmp_path / "c.toml"
    path.write_text(f'[store]\nid = "s"\n[intake]\n{intake}\n[intake.tokens]\n{tills}\n', encoding="utf-8")
    return load_settings(path)


TILL_A = "till-a-token-0123456789abcdef"


@pytest.mark.parametrize(("tills", "expected"), [
    ('till-a = "short"', r"\[intake.tokens\] till-a: must be a string of at least 16 characters"),
    (f'till-a = "{TILL_A}"\ntill-b = "{TILL_A}"', r"\[intake.tokens\] till-b: the same token as till-a"),
    (f'"till a" = "{TILL_A}"', r"\[intake.tokens\] till a: a client name is 1-64 letters"),
    ('till-a = 1234567890123456789', r"\[intake.tokens\] till-a: must be a string"),
])
def test_a_bad_till_token_in_the_table_is_refused_naming_the_key(tmp_path, tills, expected):
    with pytest.raises(ConfigError, match=rf"c.toml: {expected}"):
        _intake(tmp_path, "", tills)


def test_a_till_may_not_hold_the_shared_token_even_from_its_file(tmp_path):
    with pytest.raises(ConfigError, match=r"\[intake.tokens\] till-a: the same token as \[intake\] token"):
        _intake(tmp_path, f'token = "{TILL_A}"', f'till-a = "{TILL_A}"')
    (tmp_path / "shared").write_text(TILL_A, encoding="utf-8")
    (tmp_path / "shared").chmod(0o600)
    with pytest.raises(ConfigError, match=r"till-a: the same token as \[intake\] token"):
        _intake(tmp_path, 'token_file = "shared"', f'till-a = "{TILL_A}"')


@pytest.mark.parametrize(("lines", "expected"), [
    (f"till-a {TILL_A}\ntill-b short\n", r":2: expected `NAME TOKEN`"),
    (f"till-a {TILL_A}\n\n# b\ntill b {TILL_A}x\n", r":4: expected `NAME TOKEN`"),  # a name with a space
    (f"till-a {TILL_A}\ntill-b {TILL_A}\n", r":2: till-b: the same token as till-a"),
    (f"till-a {TILL_A}\ntill-a {TILL_A}x\n", r":2: till-a: listed twice \(first on line 1\)"),
    (f"till/a {TILL_A}\n", r":1: till/a: a client name is 1-64 letters"),
])
def test_a_bad_tokens_file_line_names_the_key_file_and_line_at_load(tmp_path, lines, expected):
    tills = tmp_path / "tills"
    tills.write_text(lines, encoding="utf-8")
    tills.chmod(0o600)
    with pytest.raises(ConfigError, match=rf"\[intake\] tokens_file: {tills}{expected}") as info:
        _intake(tmp_path, 'tokens_file = "tills"')
    assert TILL_A not in str(info.value)  # a token never reaches the log


def test_a_tokens_file_line_may_not_take_a_table_tills_token(tmp_path):
    tills = tmp_path / "tills"
    tills.write_text(f"till-b {TILL_A}\n", encoding="utf-8")
    tills.chmod(0o600)
    with pytest.raises(ConfigError, match=rf"{tills}:1: till-b: the same token as till-a"):
        _intake(tmp_path, 'tokens_file = "tills"', f'till-a = "{TILL_A}"')


def test_a_tokens_file_open_to_others_is_refused_at_load_and_when_reread(tmp_path):
    tills = tmp_path / "tills"
    tills.write_text(f"till-a {TILL_A}\n", encoding="utf-8")
    tills.chmod(0o644)
    with pytest.raises(ConfigError, match=r"\[intake\] tokens_file: .* open to other users .*chmod 600"):
        _intake(tmp_path, 'tokens_file = "tills"')
    tills.chmod(0o600)
    s = _intake(tmp_path, 'tokens_file = "tills"', 'till-c = "till-c-token-0123456789"')
    assert s.intake_tokens() == {"till-a": TILL_A, "till-c": "till-c-token-0123456789"}
    tills.chmod(0o640)
    with pytest.raises(ConfigError, match=r"open to other users"):
        s.intake_tokens()
