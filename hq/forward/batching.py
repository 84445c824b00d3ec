"""Pack encoded messages into request bodies under the receiver's size limits.

    fits, oversize = split_oversize(items, max_event_bytes=32_000)
    for group in pack(fits, max_batch_bytes=500_000): ...
    body = batch_body([m for _, m in group], sent_at="2026-12-02T07:00:00.000Z")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# {"batch":[ ... ],"sentAt":"2026-12-02T07:00:00.123Z"}: the envelope, generously
ENVELOPE_BYTES = 64


def split_oversize(items: Sequence[tuple[T, bytes]], max_event_bytes: int) -> tuple[list, list]:
    """(items that fit, items whose message alone exceeds max_event_bytes)."""
    fits = [(key, m) for key, m in items if len(m) <= max_event_bytes]
    over = [(key, m) for key, m in items if len(m) > max_event_bytes]
    return fits, over


def pack(items: Sequence[tuple[T, bytes]], max_batch_bytes: int) -> list[list[tuple[T, bytes]]]:
    """Consecutive groups whose body (messages, commas, envelope) stays within max_batch_bytes."""
    groups: list[list] = []
    size = ENVELOPE_BYTES
    for item in items:
        extra = len(item[1]) + 1  # its comma
        if groups and size + extra <= max_batch_bytes:
            groups[-1].append(item)
            size += extra
        else:
            groups.append([item])
            size = ENVELOPE_BYTES + extra
    return groups


def batch_body(messages: Sequence[bytes], sent_at: str) -> bytes:
    """The POST /v1/batch body: the messages as encoded, and when this request was sent."""
    return b'{"batch":[' + b",".join(messages) + b'],"sentAt":"' + sent_at.encode("ascii") + b'"}'
