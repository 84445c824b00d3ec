"""The configuration: defaults, the example file, and errors that name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bridge.config import defaults_as_toml_values, load_settings, parse_settings
from bridge.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"
# Keys whose example value deliberately differs from the default (required ones).
EXAMPLE_ONLY = {("store", "id")}


def test_example_lists_every_key_with_its_default() -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    defaults = defaults_as_toml_values()
    assert set(example) == set(defaults)
    for section, keys in defaults.items():
        assert set(example[section]) == set(keys), f"[{section}] keys differ from the defaults"
        for key, value in keys.items():
            if (section, key) not in EXAMPLE_ONLY:
                assert example[section][key] == value, f"[{section}] {key}"


def test_example_documents_every_key() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"line {i + 1} ({line.split('=')[0].strip()}) has no comment"


def test_example_loads(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE)
    assert settings.store.id == "paris-marais"
    assert settings.bridge.id == "paris-marais-bridge-1"
    assert settings.database_path == ROOT / "vitrine.db"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "[store] id: required"),
        ({"store": {"id": "s"}, "hq": {"timeout_s": "ten"}}, "[hq] timeout_s: expected float"),
        ({"store": {"id": "s"}, "hq": {"batch_size": 501}}, "[hq] batch_size"),
        ({"store": {"id": "s"}, "bridge": {"databse": "x"}}, "[bridge] databse: unknown key"),
        ({"store": {"id": "s"}, "kiosk": {"language": "de"}}, "[kiosk] language"),
        ({"store": {"id": "s"}, "stores": {}}, "[stores]: unknown section"),
        ({"store": {"id": "s"}, "intake": {"port": True}}, "[intake] port: expected int"),
    ],
)
def test_errors_name_the_key(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        parse_settings(data, source="x.toml")


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[store]\nid = "x\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(bad)
    assert str(bad) in str(info.value) and "line 2" in str(info.value)


def test_token_file_is_reread(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("one\n", encoding="utf-8")
    token.chmod(0o600)  # a token file open to others is refused
    cfg = tmp_path / "c.toml"
    cfg.write_text('[store]\nid = "s"\n[hq]\ntoken_file = "token"\n', encoding="utf-8")
    settings = load_settings(cfg)
    assert settings.hq_token() == "one"
    token.write_text("two\n", encoding="utf-8")
    assert settings.hq_token() == "two"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_token_file_open_to_other_users_is_refused(tmp_path: Path, mode: int) -> None:
    token = tmp_path / "token"
    token.write_text("secret\n", encoding="utf-8")
    token.chmod(mode)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[store]\nid = "s"\n[hq]\ntoken_file = "token"\n', encoding="utf-8")
    settings = load_settings(cfg)
    with pytest.raises(ConfigError, match=rf"\[hq\] token_file: {token} is open to other users "
                                          rf"\(mode 0{mode:o}\).*chmod 600"):
        settings.hq_token()
    token.chmod(0o600)
    assert settings.hq_token() == "secret"


def test_the_intake_token_can_come_from_a_private_file(tmp_path: Path) -> None:
    token = tmp_path / "intake-token"
    token.write_text("till-secret\n", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[store]\nid = "s"\n[intake]\ntoken_file = "intake-token"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[intake\] token_file: .* open to other users"):
        load_settings(cfg)
    token.chmod(0o600)
    assert load_settings(cfg).intake.token == "till-secret"
    cfg.write_text('[store]\nid = "s"\n[intake]\ntoken = "x"\ntoken_file = "intake-token"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[intake\] token_file: give token or token_file, not both"):
        load_settings(cfg)
