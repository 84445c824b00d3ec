"""Named bearer tokens: a `[serve.tokens]` or `[intake.tokens]` table and a file of `NAME TOKEN` lines.

    tokens = named_tokens(table, Path("/etc/vitrine/tills"), "[intake] tokens_file", "config.toml")
    tokens  # -> {"till-1": "…", "till-2": "…"}

Every client has a name (what the device-id bindings record) and a token of its own: a name
of 1-64 letters, digits, '.', '_' or '-', a token of MIN_CHARS or more characters, and no token
held by two names (a request carrying it could not say which of them sent it).
"""

from __future__ import annotations

import re
from pathlib import Path

from bridge.errors import ConfigError
from bridge.secret_file import read_secret_file

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # the device names of the registry
MIN_CHARS = 16
BAD_LINE = f"expected `NAME TOKEN` (a token of {MIN_CHARS}+ characters)"


def problem(name: str, token: object, holders: dict[str, str]) -> str | None:
    """What is wrong with giving name this token (holders: token -> who has it already), or None."""
    if not NAME_RE.fullmatch(name):
        return "a client name is 1-64 letters, digits, '.', '_' or '-' (no spaces)"
    if not isinstance(token, str) or len(token) < MIN_CHARS:
        return f"must be a string of at least {MIN_CHARS} characters"
    if holders.get(token, name) != name:
        return f"the same token as {holders[token]}: give each client its own"
    return None


def table_problem(table: dict, holders: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(name, what is wrong) for the first bad entry of a tokens table, else None."""
    seen = dict(holders or {})
    for name, token in table.items():
        wrong = problem(name, token, seen)
        if wrong:
            return name, wrong
        seen[token] = name
    return None


def named_tokens(table: dict[str, str], path: Path | None, key: str, source: str,
                 holders: dict[str, str] | None = None) -> dict[str, str]:
    """Name -> token from table and from path's lines (read now; a line replaces the table's entry).

    Blank lines and `#` comments are skipped; a bad line raises ConfigError naming key, file
    and line. holders: tokens that no name may take (token -> who has it), e.g. a shared one.
    """
    tokens = dict(table)
    if path is None:
        return tokens
    seen = {**(holders or {}), **{token: name for name, token in table.items()}}
    lines: dict[str, int] = {}
    for number, line in enumerate(read_secret_file(path, key, source).splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        where = f"{source}: {key}: {path}:{number}"
        if len(words) != 2 or len(words[1]) < MIN_CHARS:
            raise ConfigError(f"{where}: {BAD_LINE}")
        name, token = words
        if name in lines:
            raise ConfigError(f"{where}: {name}: listed twice (first on line {lines[name]})")
        wrong = problem(name, token, seen)
        if wrong:
            raise ConfigError(f"{where}: {name}: {wrong}")
        lines[name], seen[token], tokens[name] = number, name, token
    return tokens
