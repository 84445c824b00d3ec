"""When a profile becomes known for an earlier anonymous id, queue one alias and one identify.

    note_events(tx, store_id, events)          # in the storing transaction (from enqueue_hook)
    note_claim(tx, claim_code, profile_id)     # in the claim's transaction (HQStore.on_claimed)

Our only anonymous id worth joining is the claim code: a kiosk session tags its events with it
until the shopper is known (kiosk/logic/session.py); `STORE:DEVICE` is the kiosk itself,
shared by every shopper, and is never aliased. A profile becomes known for a claim code when:

- the app claims the code (`POST /v1/claims/{code}`);
- the shopper identifies in that kiosk session: `shopper_identified` carries the profile and
  the session id, `session_started` (or `session_ended`) carries the session id and the claim
  code; they may arrive in either order, in one batch or several (forward_sessions joins them);
- an event carries both a claim code and a profile id (the contract allows it).

forward_links' primary key is the claim code, so each code is linked once, to the first profile
known for it, whatever the workers, machines and retries (a second profile is not merged in).
The two queue rows' ids are derived from the link, never minted, and are not valid event ids
(they hold a colon), so they cannot collide with an event's.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from hq.clock import utc_now
from hq.db import Tx

KINDS = ("alias", "identify")  # queued in this order: alias first, as the receivers that need it ask
SESSION_TYPES = ("session_started", "session_ended", "shopper_identified")
LINK_CHUNK = 200  # links per INSERT statement (6 parameters each)


@dataclass(frozen=True)
class Link:
    """An anonymous id (a claim code) now known to be this profile, when and how it became known."""

    previous_id: str
    user_id: str
    store_id: str | None
    at: str
    source: str  # "claim" | "shopper_identified" | "event"


def link_key(previous_id: str, user_id: str) -> str:
    """A link's key: derived from it alone, so every worker and retry names it alike."""
    return hashlib.sha256(f"{previous_id}\n{user_id}".encode()).hexdigest()[:32]


def message_id(kind: str, previous_id: str, user_id: str) -> str:
    """The queue id and messageId of a link's alias or identify."""
    return f"{kind}:{link_key(previous_id, user_id)}"


_PREFIXES = tuple(kind + ":" for kind in KINDS)


def is_link_id(queue_id: str) -> bool:
    """True for a link's alias or identify (an event id never holds a colon)."""
    return ":" in queue_id and queue_id.startswith(_PREFIXES)


def note_events(tx: Tx, store_id: str, events: list[dict]) -> None:
    """Record the links these newly accepted events make known (most batches make none: one pass, no query)."""
    sessions: dict[tuple[str, str], dict] = {}
    for ev in events:
        claim, profile = ev.get("claim_code"), ev.get("profile_id")
        if claim and profile:
            link(tx, Link(claim, profile, store_id, ev["occurred_at"], "event"))
        if ev["type"] in SESSION_TYPES and isinstance(ev.get("payload"), dict) and ev["payload"].get("session_id"):
            known = sessions.setdefault((ev["device_id"], str(ev["payload"]["session_id"])), {})
            if claim:
                known.setdefault("claim_code", claim)
            if profile and ev["type"] == "shopper_identified":
                known.setdefault("profile_id", profile)
                known.setdefault("at", ev["occurred_at"])
    for (device_id, session_id), known in sessions.items():
        if known:  # an event that tells neither (an identified session's end, say) would only leave a husk row
            _note_session(tx, store_id, device_id, session_id, known)


def _note_session(tx: Tx, store_id: str, device_id: str, session_id: str, known: dict) -> None:
    """Merge what these events tell of a kiosk session; link its claim code once its profile is known too."""
    # noted_at is HQ's clock, renewed by every event of the session: retention counts from the last one
    # (and a prune racing this update re-reads the row and leaves it: retention.py)
    claim, profile, at = tx.rows(
        "INSERT INTO forward_sessions (store_id, device_id, session_id, claim_code, profile_id, identified_at, "
        "noted_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store_id, device_id, session_id) DO UPDATE SET "
        "claim_code = coalesce(forward_sessions.claim_code, excluded.claim_code), "
        "profile_id = coalesce(forward_sessions.profile_id, excluded.profile_id), "
        "identified_at = coalesce(forward_sessions.identified_at, excluded.identified_at), "
        "noted_at = excluded.noted_at "
        "RETURNING claim_code, profile_id, identified_at",
        (store_id, device_id, session_id, known.get("claim_code"), known.get("profile_id"), known.get("at"),
         time.time()))[0]
    if claim and profile:
        link(tx, Link(claim, profile, store_id, at, "shopper_identified"))
        # joined: the session's row has done its job (a late duplicate is not accepted again, so not seen)
        tx.run("DELETE FROM forward_sessions WHERE store_id = ? AND device_id = ? AND session_id = ?",
               (store_id, device_id, session_id))


def note_claim(tx: Tx, claim_code: str, profile_id: str) -> None:
    """The app claimed claim_code for profile_id (called in the claim's transaction)."""
    stores = tx.rows("SELECT store_id FROM events WHERE claim_code = ? LIMIT 1", (claim_code,))
    link(tx, Link(claim_code, profile_id, stores[0][0] if stores else None, utc_now(), "claim"))


def link(tx: Tx, new: Link) -> bool:
    """Record new unless its claim code is linked already; queue its alias and identify if recorded."""
    return bool(link_all(tx, [new]))


def link_all(tx: Tx, links: list[Link]) -> list[Link]:
    """link() each, in a few statements whatever their number; return those recorded (their code was not linked)."""
    first: dict[str, Link] = {}
    for new in links:  # one per code, the first, as one link() after another would keep
        first.setdefault(new.previous_id, new)
    wanted = sorted(first.values(), key=lambda n: n.previous_id)  # one lock order for every caller's codes
    fresh: set[str] = set()
    for start in range(0, len(wanted), LINK_CHUNK):
        chunk = wanted[start:start + LINK_CHUNK]
        fresh.update(code for code, in tx.rows(
            "INSERT INTO forward_links (previous_id, user_id, store_id, at, source, message_key) VALUES "
            + ",".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk)) + " ON CONFLICT (previous_id) DO NOTHING "
            "RETURNING previous_id",
            [v for n in chunk for v in (n.previous_id, n.user_id, n.store_id, n.at, n.source,
                                        link_key(n.previous_id, n.user_id))]))
    recorded = [n for n in wanted if n.previous_id in fresh]
    now = utc_now()
    for kind in KINDS:  # a statement per kind, so each alias gets a lower ord than its identify on both databases
        for start in range(0, len(recorded), LINK_CHUNK):
            chunk = recorded[start:start + LINK_CHUNK]
            tx.run("INSERT INTO forward_queue (event_id, store_id, enqueued_at) VALUES "
                   + ",".join(["(?, ?, ?)"] * len(chunk)) + " ON CONFLICT (event_id) DO NOTHING",
                   [v for n in chunk for v in (message_id(kind, n.previous_id, n.user_id), n.store_id or "", now)])
    return recorded


def read_links(read, queue_ids: list[str]) -> dict[str, Link]:
    """The Link behind each link queue id given (read is Database.read); ids whose link is gone are left out."""
    if not queue_ids:
        return {}
    wanted = set(queue_ids)
    out: dict[str, Link] = {}
    for chunk_start in range(0, len(queue_ids), 200):
        chunk = queue_ids[chunk_start:chunk_start + 200]
        rows = read("SELECT previous_id, user_id, store_id, at, source FROM forward_links WHERE message_key IN ("
                    + ",".join("?" * len(chunk)) + ")", [q.partition(":")[2] for q in chunk])
        for row in rows:
            found = Link(*row)
            for kind in KINDS:
                qid = message_id(kind, found.previous_id, found.user_id)
                if qid in wanted:
                    out[qid] = found
    return out
