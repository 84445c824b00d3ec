"""Settle the kiosk sessions nobody joined, once HQ has heard nothing of them for the retention period.

    pruned = prune_sessions(db, older_than_s=30 * 86400, limit=500)       # one short transaction
    settled = settle_identified(db, older_than_s=30 * 86400, limit=500)   # Settled(recovered=1, forgotten=2)

A session's row waits for the other half of its join (links.py): its claim code, or the profile
of its shopper_identified. Its age is HQ's clock since the last event of the session (each one
renews it). Past the retention period:

- a row with a claim code only (a shopper who never identified), which nothing will complete, is
  deleted (prune_sessions);
- a row with a profile only (the shopper identified, but the session_started carrying the claim
  code never reached the join: refused or dead-lettered at the bridge, stored while forwarding was
  off, or a kiosk that identified the shopper before minting a code) is settled
  (settle_identified): the claim code is looked for in what HQ stored of the session, kiosk_facts
  (a session event of the same store, device and session id with a claim code, found by the
  index kiosk_facts_session; the events table keeps no session id); if found, the link is made
  as links.py makes it, the session's alias and identify queued once, and the row deleted
  ("recovered"); if not, the row is deleted all the same ("forgotten"), so the table does not
  grow with every identified session whose other half is lost. forward_counters keeps both
  counts for /forward/stats.json;
- a row with both is joined as it is noted and deleted then (links.py); neither function touches one.

Every worker's forwarder runs both; a batch is one short transaction. On PostgreSQL the rows are
picked with FOR UPDATE SKIP LOCKED, so workers never wait for each other nor for a batch that is
noting the same session; the DELETE checks the row's state again as it is then, so a session
renewed or joined meanwhile stays. A recovered link commits with its row's DELETE, and links are
keyed by claim code, so two workers never queue a session's alias and identify twice; a batch's
links are recorded and queued in a few statements (link_all), not three per session. (One case can
still wait: a batch that links a code from an event carrying code and profile, and then notes the
very session this settle holds, whose code is the same. PostgreSQL ends such a deadlock by failing
one of the two; a failed settle is tried again at the next prune, a failed batch is sent again.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hq.clock import utc_now
from hq.db import Database, Tx
from hq.forward.links import SESSION_TYPES, Link, link_all

DAY_S = 86_400.0
RECOVER_CHUNK = 200  # sessions looked up per statement

_CLAIM_ONLY = "profile_id IS NULL AND noted_at < ?"
_PROFILE_ONLY = "profile_id IS NOT NULL AND claim_code IS NULL AND noted_at < ?"  # as forward_sessions_owed


@dataclass(frozen=True)
class Settled:
    """Identified sessions past the retention settled in one batch: linked from stored facts, or forgotten."""

    recovered: int = 0
    forgotten: int = 0

    @property
    def total(self) -> int:
        return self.recovered + self.forgotten


@dataclass(frozen=True)
class _Owed:
    """A deleted profile-only row: the session and what its shopper_identified told."""

    store_id: str
    device_id: str
    session_id: str
    profile_id: str
    identified_at: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.store_id, self.device_id, self.session_id


def prune_sessions(db: Database, *, older_than_s: float, limit: int, now: float | None = None) -> int:
    """Delete up to limit unjoined claim-code-only sessions last noted over older_than_s ago; return how many."""
    cutoff = (time.time() if now is None else now) - older_than_s
    with db.write() as tx:
        return len(tx.rows(_delete_picked(db.kind, _CLAIM_ONLY, "session_id"), (cutoff, limit, cutoff)))


def settle_identified(db: Database, *, older_than_s: float, limit: int, now: float | None = None) -> Settled:
    """Delete up to limit profile-only sessions last noted over older_than_s ago, linking those whose code HQ kept."""
    cutoff = (time.time() if now is None else now) - older_than_s
    columns = "store_id, device_id, session_id, profile_id, identified_at"
    with db.write() as tx:
        gone = [_Owed(*row) for row in tx.rows(_delete_picked(db.kind, _PROFILE_ONLY, columns),
                                               (cutoff, limit, cutoff))]
        codes = _stored_claim_codes(tx, gone)
        # as links.py joins a session (a code linked already is left as it is), in a few statements for the batch
        link_all(tx, [Link(codes[o.key], o.profile_id, o.store_id, o.identified_at or utc_now(), "shopper_identified")
                      for o in gone if o.key in codes])
        settled = Settled(recovered=sum(o.key in codes for o in gone), forgotten=sum(o.key not in codes for o in gone))
        # last, so each counter row is held only until the commit (every batch that settles any updates it)
        for name, count in (("sessions_recovered", settled.recovered), ("sessions_forgotten", settled.forgotten)):
            if count:
                tx.run("UPDATE forward_counters SET value = value + ? WHERE name = ?", (count, name))
    return settled


def _stored_claim_codes(tx: Tx, sessions: list[_Owed]) -> dict[tuple[str, str, str], str]:
    """The claim code kept with a session event of each session (kiosk_facts), by (store, device, session)."""
    wanted = {s.key for s in sessions}
    found: dict[tuple[str, str, str], str] = {}
    types = ", ".join(f"'{t}'" for t in SESSION_TYPES)
    for start in range(0, len(sessions), RECOVER_CHUNK):
        ids = sorted({s.session_id for s in sessions[start:start + RECOVER_CHUNK]})
        rows = tx.rows(  # by kiosk_facts_session: a few entries per session id
            "SELECT store_id, device_id, session_id, claim_code FROM kiosk_facts WHERE session_id IN ("
            + ",".join("?" * len(ids)) + f") AND claim_code IS NOT NULL AND type IN ({types}) "
            "ORDER BY at, event_id", ids)
        for store_id, device_id, session_id, claim in rows:
            if (store_id, device_id, session_id) in wanted:  # a session id is the kiosk's: another's is not it
                found.setdefault((store_id, device_id, session_id), claim)  # the first known, as links.py keeps
    return found


def _delete_picked(kind: str, where: str, returning: str) -> str:
    """DELETE up to LIMIT rows matching where, oldest first, skipping rows others hold; where checked again."""
    if kind == "postgresql":
        # ARRAY(…) runs the pick once; as `IN (…)` it was planned as a nested-loop semi join that ran the
        # locking pick again per row, each run picking other rows (LIMIT 3 deleted 7: tested)
        return (f"DELETE FROM forward_sessions WHERE ctid = ANY(ARRAY(SELECT ctid FROM forward_sessions "
                f"WHERE {where} ORDER BY noted_at LIMIT ? FOR UPDATE SKIP LOCKED)) AND {where} "
                f"RETURNING {returning}")
    return (f"DELETE FROM forward_sessions WHERE rowid IN (SELECT rowid FROM forward_sessions WHERE {where} "
            f"ORDER BY noted_at LIMIT ?) AND {where} RETURNING {returning}")
