"""The Bridge facade: one object the kiosk, the CLI and the intake server share.

    with Bridge.open("config.toml") as bridge:
        bridge.record("search_performed", device_id="kiosk-1",
                      payload={"query": "escarpins", "results_count": 12})
        bridge.status()["pending"]  # -> 1
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from bridge.app_token import SqliteReplayGuard, verify
from bridge.sync.backoff import Backoff, Clock, SystemClock
from bridge.store.catalog import Catalog
from bridge.config import Settings, load_settings
from bridge.store.database import Database
from bridge.store.registry import open_database
from bridge.errors import HQError
from bridge.sync.hq_client import HQClient
from bridge.store.lock import SenderLock
from bridge.store.outbox import Outbox
from bridge.store.local_state import LocalState
from bridge.store.quarantine import Quarantines
from bridge.sync.run import SyncContext, SyncReport, heartbeat_once, purge_once, sync_once
from bridge.store.sync_state import SyncState

log = logging.getLogger("bridge")


class Bridge:
    """The store bridge: outbox, catalog, sync state and (once started) the sender."""

    def __init__(self, settings: Settings, db: Database, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.db = db
        self.quarantines = Quarantines(db)
        self.local_state = LocalState(db)  # the kiosk's staff lockout, kept across restarts
        self.clock = clock or SystemClock()
        # A fake clock (tests) drives the outbox's timestamps too; the real one stays time.time.
        self.outbox = Outbox(db, clock=lambda: self.clock.now().timestamp()) if clock else Outbox(db)
        self.catalog = Catalog(db)
        self.state = SyncState(db)
        self.client = HQClient(settings)
        self.sync_ctx = SyncContext(
            settings=settings, outbox=self.outbox, catalog=self.catalog, state=self.state,
            client=self.client, clock=self.clock, quarantines=self.quarantines,
            backoff=Backoff(settings.hq.backoff_base_s, settings.hq.backoff_max_s, self.clock,
                            retry_after_max_s=settings.hq.retry_after_max_s))
        self._replay_guard = SqliteReplayGuard(db)
        self._sync_lock = threading.RLock()  # one sync pass at a time, whoever asks
        self._sender_lock: Any = None
        self.scheduler: Any = None
        self.intake: Any = None

    @classmethod
    def open(cls, config: str | os.PathLike[str] | Settings | None = None, *,
             clock: Clock | None = None, sender: bool = False) -> "Bridge":
        """Open the bridge of a config file path (or $VITRINE_CONFIG) or of Settings.

        sender=True takes the sender lock first (AlreadyRunning if another process holds
        it): only then may a corrupt database be moved aside (recorded, and counted);
        without it a corrupt database raises DatabaseCorrupt and stays where it is.
        """
        settings = config if isinstance(config, Settings) else load_settings(config)
        lock = SenderLock(settings.database_path).acquire() if sender else None
        try:
            db = open_database(settings.database_path, synchronous=settings.bridge.synchronous,
                               may_quarantine=lock is not None)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        bridge = cls(settings, db, clock=clock)
        if lock is not None:
            bridge._adopt_sender_lock(lock)
        return bridge

    def _adopt_sender_lock(self, lock: SenderLock) -> None:
        """Become the sender with a lock taken before the database opened; record quarantines."""
        from bridge.store.recover import note_quarantine, note_stray_files

        self._sender_lock = lock
        if self.db.quarantined:
            note_quarantine(self.db, self.db.quarantined, "failed its integrity check")
        note_stray_files(self.db)
        released = self.outbox.release_stale_claims()
        if released:
            log.info("released %d events left in flight by a previous run", released)

    # --- recording ---------------------------------------------------------------------

    def record(self, type: str, *, device_id: str, payload: dict,
               profile_id: str | None = None, claim_code: str | None = None,
               id: str | None = None, occurred_at: str | None = None) -> str:
        """Store one event durably (never touches the network) and return its id."""
        return self.outbox.record(type, device_id=device_id, payload=payload,
                                  profile_id=profile_id, claim_code=claim_code, id=id,
                                  occurred_at=occurred_at).id

    # --- sending -----------------------------------------------------------------------

    def acquire_sender(self) -> None:
        """Take the sender lock (AlreadyRunning if another process holds it) and release stale claims."""
        if self._sender_lock is not None:
            return
        lock = SenderLock(self.settings.database_path)
        lock.acquire()
        self._sender_lock = lock
        released = self.outbox.release_stale_claims()
        if released:
            log.info("released %d events left in flight by a previous run", released)

    def sync(self, *, pull: bool = True) -> SyncReport:
        """One push pass and (by default) one pull, now; takes the sender lock if needed."""
        self.acquire_sender()
        with self._sync_lock:
            return self._pass(pull=pull)

    def push(self) -> SyncReport | None:
        """Push if anything is pending and backoff allows (the scheduler's job)."""
        self.acquire_sender()
        with self._sync_lock:
            stats = self.outbox.stats()
            if stats.pending == 0 and stats.in_flight == 0:
                return None
            return self._pass()

    def pull(self) -> SyncReport:
        """Pull catalog, stock and keys; also retries a refused token (the pull job)."""
        self.acquire_sender()
        with self._sync_lock:
            return self._pass(push=self.sync_ctx.failed_token is not None, pull=True)

    def _pass(self, *, push: bool = True, pull: bool = False) -> SyncReport:
        """sync_once, first giving back claims that a failed pass left in flight."""
        # Under the sync lock and the sender lock no other pass can hold claims, so any
        # in flight now are a crashed pass's (e.g. StorageError mid-settle, ConfigError
        # from a token_file mid-rotation): without this they wait for a restart.
        if push and self.outbox.stats().in_flight:
            released = self.outbox.release_stale_claims()
            log.warning("released %d events left in flight by a failed push pass", released)
        return sync_once(self.sync_ctx, push=push, pull=pull)

    def heartbeat(self) -> bool:
        return heartbeat_once(self.sync_ctx)

    def purge(self) -> int:
        return purge_once(self.sync_ctx)

    # --- reading -----------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Outbox counts and the last sync outcome (keys listed in docs/internals.md)."""
        stats = self.outbox.stats()
        saved = self.state.status()
        saved.update(self.sync_ctx.status)  # not yet flushed by a running pass
        return {
            "pending": stats.pending,
            "in_flight": stats.in_flight,
            "dead_letters": stats.dead,
            "oldest_pending_age_s": stats.oldest_pending_age_s,
            "last_push_at": saved["last_push_at"],
            "last_pull_at": saved["last_pull_at"],
            "last_error": saved["last_error"],
            "hq_reachable": saved["hq_reachable"],
            "auth_failed": saved["auth_failed"],
            "retry_at": saved["retry_at"],
            "receipts_skipped": saved["receipts_skipped"],
            "receipts_refused": saved["receipts_refused"],
            "receipts_not_recorded_recent": saved["receipts_not_recorded_recent"],
            "quarantined": [r.heartbeat() for r in self.quarantines.unrecovered()],
            "intake_port": self.intake.port if self.intake else None,
        }

    def fetch_profile(self, profile_id: str) -> dict | None:
        """The shopper's kiosk-safe profile from HQ, None when unknown; HQError when unreachable."""
        answer = self.client.get_profile(profile_id)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise HQError(f"GET /v1/profiles: {answer.reason()}")
        try:
            data = answer.json()
        except ValueError as exc:
            raise HQError("GET /v1/profiles: HQ answered 200 with invalid JSON") from exc
        return data if isinstance(data, dict) else None

    def store_devices(self) -> list[dict] | None:
        """The devices of the store bridge this bridge talks to, or None when [hq] url is HQ itself.

        Each is {"device_id", "kind", "last_seen_at", "pending", "revoked"}; HQError when
        unreachable or refused.
        """
        answer = self.client.get_devices()
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise HQError(f"GET /v1/devices: {answer.reason()}")
        try:
            listed = answer.json()["devices"]
        except (ValueError, KeyError, TypeError) as exc:
            raise HQError("GET /v1/devices: not a device list") from exc
        return listed if isinstance(listed, list) else None

    def jwks(self) -> dict:
        """The cached JWKS that verifies app QR codes offline."""
        return self.state.jwks()

    def verify_app_token(self, token: str) -> str:
        """The profile id of a shopper's app QR token; raises app_token.TokenRefused.

        Checked offline against the cached JWKS; each token is accepted once, and the
        database remembers it across restarts.
        """
        return verify(token, self.jwks(), replay_guard=self._replay_guard)

    # --- lifecycle ---------------------------------------------------------------------

    def start(self, *, intake: bool = True) -> None:
        """Become the sender: take the lock, release stale claims, start scheduler and intake."""
        from bridge.scheduler import build_scheduler

        self.acquire_sender()
        if intake and self.intake is None:
            from bridge.serve import BridgeServer

            self.intake = BridgeServer(self)
            self.intake.start()
            log.info("intake server listening on %s:%d", self.settings.intake.host, self.intake.port)
            if self.intake.serve_port is not None:
                log.info("serving profile API v1 to the store's devices on %s:%d",
                         self.settings.serve.host, self.intake.serve_port)
        if self.scheduler is None:
            scan_drop = None
            if self.settings.intake.drop_dir:
                from bridge.intake.dropfolder import DropFolder

                scan_drop = DropFolder(self).scan_once
            self.scheduler = build_scheduler(self.settings, self, scan_drop)
            self.scheduler.start()

    def stop(self) -> None:
        """Stop accepting, let the current push finish, release claims and the sender lock."""
        if self.intake is not None:
            self.intake.stop()
            self.intake = None
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        if self._sender_lock is not None:
            with self._sync_lock:
                self.outbox.release_stale_claims()
            self._sender_lock.release()
            self._sender_lock = None

    def close(self) -> None:
        """Stop sending (if started) and close the database and the HTTP session."""
        self.stop()
        self.client.close()
        self.db.close()

    def __enter__(self) -> "Bridge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

