"""The outbox's records: an event's status, and what record(), claim() and stats() return."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class EventStatus(IntEnum):
    """Where an event is in its life."""

    PENDING = 0
    IN_FLIGHT = 1
    ACKED = 2
    DEAD = 3


@dataclass(frozen=True)
class Recorded:
    """What record() did: created is False when the id was already held (nothing changed)."""

    id: str
    seq: int
    created: bool


@dataclass(frozen=True)
class Claimed:
    """A claimed event; body is its exact JSON text as sent to HQ."""

    rowid: int
    id: str
    body: str


@dataclass(frozen=True)
class DeadLetter:
    """An event HQ refused for good (or the sender gave up on), with why and when."""

    id: str
    type: str
    device_id: str
    seq: int
    reason: str
    dead_at: str
    body: str


@dataclass(frozen=True)
class OutboxStats:
    """Counts per status and how long the oldest pending event has waited."""

    pending: int
    in_flight: int
    acked: int
    dead: int
    oldest_pending_at: str | None
    oldest_pending_age_s: float | None
