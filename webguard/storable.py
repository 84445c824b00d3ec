"""Strings JSON can carry but the databases cannot store, found before they fail a batch.

Half of a UTF-16 surrogate pair (a till that cut an emoji in two: not encodable as UTF-8,
so SQLite refuses it) and NUL (PostgreSQL text refuses it). Either one inside a batch's
transaction would fail the whole batch, and its sender would resend it for ever; found
first, it is one rejected event naming its field.

    storable({"name": "Robe"})                    # True
    first_unstorable({"name": "\\ud83d"}, "")     # ("name", "holds half of a UTF-16 surrogate pair ...")
"""

from __future__ import annotations

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In a body decoded as strict UTF-8 and parsed by json (which refuses raw control characters),
# such a character can only come from one of these escapes: without one, no string needs a look.
UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def storable_text(text: str) -> bool:
    """False when text holds half of a UTF-16 surrogate pair or NUL."""
    return (text.isascii() and "\x00" not in text) or UNSTORABLE.search(text) is None


def storable(value: dict | list | tuple) -> bool:
    """True when no string (key or value) at any depth holds a character storage refuses."""
    # One level's strings are joined and checked at once: one isascii() and one search per
    # level instead of per string (the record() hot path: fewer calls).
    texts = list(value) if type(value) is dict else []
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind is str:
            texts.append(item)
        elif (kind is dict or kind is list) and not storable(item):
            return False
    return storable_text("".join(texts))


def first_unstorable(value: object, path: str) -> tuple[str, str] | None:
    """(field, message) for the first unstorable string under value (path names value), else None."""
    if isinstance(value, str):
        found = UNSTORABLE.search(value)
        if found is None:
            return None
        what = "a NUL character" if found.group() == "\x00" else "half of a UTF-16 surrogate pair"
        return (path or "event", f"holds {what} (U+{ord(found.group()):04X}) at character "
                                 f"{found.start()}, which cannot be stored; send whole characters and no NUL")
    if isinstance(value, dict):
        for key, item in value.items():
            problem = first_unstorable(key, path) or first_unstorable(item, f"{path}.{key}" if path else str(key))
            if problem:
                return problem
    elif isinstance(value, list):
        for i, item in enumerate(value):
            problem = first_unstorable(item, f"{path}[{i}]")
            if problem:
                return problem
    return None


def refuse_constant(name: str) -> object:
    """json.loads' parse_constant: NaN and Infinity are Python's extensions, not JSON; stored,
    they would make a body no JSON parser downstream accepts."""
    raise ValueError(f"{name} is not a JSON number (numbers must be finite)")
