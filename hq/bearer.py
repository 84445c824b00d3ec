"""Match a presented bearer token against the store tokens, in constant time."""

from __future__ import annotations

import hmac


def store_for_token(tokens: list[tuple[bytes, str]], presented: str) -> str | None:
    """The store whose token equals presented, comparing against every token in constant time."""
    wanted = presented.encode("utf-8", "surrogateescape")
    found = None
    for token, store_id in tokens:  # no early exit: the time taken does not depend on which one matched
        if hmac.compare_digest(token, wanted):
            found = store_id
    return found
