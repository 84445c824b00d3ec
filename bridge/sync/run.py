"""One sync pass with HQ: push the outbox in batches, then pull catalog, stock and keys.

`sync_once` is a plain function with no threads and no sleeping; whether and when to try
again is decided by `ctx.backoff` (bridge.backoff) and acted on by the scheduler.

    report = sync_once(bridge)          # or a SyncContext
    report.acked, report.pending, report.error
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.sync.backoff import Backoff, Clock, parse_retry_after
from bridge.config import Settings
from bridge.errors import ConfigError, HQError, ResponseTooLarge
from bridge.sync.hq_client import Answer, HQClient
from bridge.store.sync_state import SyncState

log = logging.getLogger("bridge.sync")

RESULT_STATUSES = {"accepted", "duplicate", "rejected"}
STATUS_FLUSH_S = 1.0  # how often a long push pass records its progress for `status`
PIPELINE_DEPTH = 2  # batches on the wire at once: HQ works on one while the next one travels
# After a 413 the batch limits are halved; each LIMIT_RECOVERY_S without another 413 they
# double again up to the configured ones, so a passing 413 storm does not cut them for good.
LIMIT_RECOVERY_S = 600.0


@dataclass
class SyncContext:
    """Everything a sync pass needs, plus the sender's in-memory state (limits, auth)."""

    settings: Settings
    outbox: Any
    catalog: Any
    state: SyncState
    client: HQClient
    clock: Clock
    backoff: Backoff
    batch_size: int = 0
    max_bytes: int = 0
    page_size: int = 500
    failed_token: str | None = None
    auth_retry_at: float = 0.0
    limits_cut_at: float | None = None
    status: dict[str, Any] = field(default_factory=dict)
    status_flushed_at: float = float("-inf")

    def __post_init__(self) -> None:
        self.batch_size = self.batch_size or self.settings.hq.batch_size
        self.max_bytes = self.max_bytes or self.settings.hq.max_batch_bytes


@dataclass(frozen=True)
class SyncReport:
    """What one pass did; `drained` when nothing is left to send and nothing failed."""

    acked: int = 0
    duplicates: int = 0
    dead: int = 0
    requests: int = 0
    pending: int = 0
    in_flight: int = 0
    products: int = 0
    stock_levels: int = 0
    error: str | None = None
    auth_failed: bool = False
    retry_in_s: float | None = None
    pull_error: str | None = None

    @property
    def drained(self) -> bool:
        return self.pending == 0 and self.in_flight == 0 and self.error is None


@dataclass
class _Tally:
    acked: int = 0
    duplicates: int = 0
    dead: int = 0
    requests: int = 0
    error: str | None = None


def sync_once(bridge_or_ctx: Any, *, push: bool = True, pull: bool = False) -> SyncReport:
    """One push pass (until the outbox is empty or HQ fails) and optionally one pull."""
    ctx: SyncContext = getattr(bridge_or_ctx, "sync_ctx", bridge_or_ctx)
    tally = _Tally()
    skipped = None
    if push:
        skipped = _push_blocker(ctx)
        if skipped is None:
            push_pass(ctx, tally)
        _flush_status(ctx, force=True)
    pull_error, products, levels = None, 0, 0
    if pull:
        products, levels, pull_error = pull_once(ctx)
    stats = ctx.outbox.stats()
    return SyncReport(
        acked=tally.acked, duplicates=tally.duplicates, dead=tally.dead,
        requests=tally.requests, pending=stats.pending, in_flight=stats.in_flight,
        products=products, stock_levels=levels,
        error=tally.error or skipped, auth_failed=ctx.failed_token is not None,
        retry_in_s=ctx.backoff.wait_s() or None, pull_error=pull_error)


def _push_blocker(ctx: SyncContext) -> str | None:
    """Why no push may be attempted now (backoff or a refused token), or None."""
    if ctx.failed_token is not None:
        token = _token(ctx)
        changed = token != ctx.failed_token
        if not changed and ctx.clock.monotonic() < ctx.auth_retry_at:
            return ctx.status.get("last_error") or "HQ refused the store token"
        return None
    if not ctx.backoff.ready():
        return ctx.status.get("last_error") or f"waiting {ctx.backoff.wait_s():.1f}s before retrying HQ"
    return None


def _token(ctx: SyncContext) -> str | None:
    try:
        return ctx.settings.hq_token()
    except ConfigError:
        return None


def push_pass(ctx: SyncContext, tally: _Tally) -> None:
    """Claim and send batches until the outbox is empty or a request must stop the pass.

    Pipelined: while HQ works on one batch, the next is claimed, built and sent on a
    second connection, so HQ never waits for the bridge's bookkeeping. At most
    PIPELINE_DEPTH batches are in flight; answers are applied in sending order, each
    batch's acknowledgement committed with the next claim (Outbox.settle). Exactly-once
    at HQ rests on HQ's idempotency, as it always has: a batch is only ever re-sent.
    """
    _restore_limits(ctx)
    inflight: deque[tuple[list, Future]] = deque()
    to_ack: list = []
    stopped = False
    with ThreadPoolExecutor(PIPELINE_DEPTH, thread_name_prefix="vitrine-push") as pool:
        while True:
            if not stopped and len(inflight) < PIPELINE_DEPTH:
                batch = ctx.outbox.settle(to_ack, limit=ctx.batch_size, max_bytes=_claim_bytes(ctx))
                to_ack = []
                if batch:
                    tally.requests += 1
                    inflight.append((batch, pool.submit(_post, ctx, batch)))
                    continue
            if not inflight:
                break
            items, future = inflight.popleft()
            if stopped:
                _wind_down(ctx, items, future.result(), tally, to_ack)
                continue
            if not _handle(ctx, items, future.result(), tally, to_ack):
                stopped = True
            _flush_status(ctx)
    if to_ack:
        ctx.outbox.settle(to_ack)
    if tally.requests:
        log.info("push: %d acked (%d duplicate), %d dead, %d requests%s",
                 tally.acked, tally.duplicates, tally.dead, tally.requests,
                 f"; stopped: {tally.error}" if tally.error else "")


def _restore_limits(ctx: SyncContext) -> None:
    """Double the batch limits cut by a 413 once LIMIT_RECOVERY_S passed without another."""
    if ctx.limits_cut_at is None or ctx.clock.monotonic() - ctx.limits_cut_at < LIMIT_RECOVERY_S:
        return
    hq = ctx.settings.hq
    ctx.batch_size = min(hq.batch_size, ctx.batch_size * 2)
    ctx.max_bytes = min(hq.max_batch_bytes, ctx.max_bytes * 2)
    restored = ctx.batch_size == hq.batch_size and ctx.max_bytes == hq.max_batch_bytes
    ctx.limits_cut_at = None if restored else ctx.clock.monotonic()
    log.info("no 413 for %.0fs: batches now at most %d events / %d bytes",
             LIMIT_RECOVERY_S, ctx.batch_size, ctx.max_bytes)


def _claim_bytes(ctx: SyncContext) -> int:
    # The contract's byte limit counts the whole body: leave room for the envelope and commas.
    return max(1, ctx.max_bytes - 512 - ctx.batch_size)


def _envelope(ctx: SyncContext) -> tuple[bytes, bytes]:
    head = json.dumps({
        "store_id": ctx.settings.store.id,
        "bridge_id": ctx.settings.bridge.id,
        "sent_at": ctx.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    })[:-1] + ', "events": ['
    return head.encode(), b"]}"


def build_body(ctx: SyncContext, items: list) -> bytes:
    """The batch's JSON text, joined from the stored event texts, gzip level 1."""
    head, tail = _envelope(ctx)
    raw = head + ",".join(item.body for item in items).encode() + tail
    return gzip.compress(raw, compresslevel=1, mtime=0)


def _post(ctx: SyncContext, items: list) -> Answer | HQError:
    """POST one batch; a transport failure is returned, not raised (it crosses a thread)."""
    try:
        return ctx.client.post_events(build_body(ctx, items))
    except HQError as exc:
        return exc


def _send(ctx: SyncContext, items: list, tally: _Tally, to_ack: list) -> bool:
    """Send claimed items now and apply HQ's answer; False when the pass must stop."""
    tally.requests += 1
    return _handle(ctx, items, _post(ctx, items), tally, to_ack)


def _handle(ctx: SyncContext, items: list, answer: Answer | HQError, tally: _Tally,
            to_ack: list) -> bool:
    """Apply HQ's answer to a sent batch; False when the pass must stop."""
    if isinstance(answer, HQError):
        return _transient(ctx, items, tally, str(answer), reachable=False)
    status = answer.status
    if status == 200:
        return _apply_results(ctx, items, answer, tally, to_ack)
    if status in (401, 403):
        return _auth_refused(ctx, items, tally, answer)
    if status == 400:
        return _split(ctx, items, tally, answer.reason(), to_ack)
    if status == 413:
        ctx.batch_size = max(1, min(ctx.batch_size, len(items)) // 2)
        ctx.max_bytes = max(1024, ctx.max_bytes // 2)
        ctx.limits_cut_at = ctx.clock.monotonic()
        log.warning("HQ said 413: batches now at most %d events / %d bytes",
                    ctx.batch_size, ctx.max_bytes)
        return _split(ctx, items, tally, answer.reason(), to_ack)
    if status in (429, 503):
        wait = parse_retry_after(answer.header("retry-after"), ctx.clock.now())
        return _transient(ctx, items, tally, answer.reason(), min_wait_s=wait)
    return _transient(ctx, items, tally, answer.reason())


def _wind_down(ctx: SyncContext, items: list, answer: Answer | HQError, tally: _Tally,
               to_ack: list) -> None:
    """A batch sent before the pass stopped: keep HQ's verdicts if it gave them, else release."""
    results = _parse_results(items, answer) if isinstance(answer, Answer) and answer.status == 200 else None
    if results is None:
        ctx.outbox.release([item.id for item in items])
        return
    _record_results(ctx, items, results, tally, to_ack)


def _split(ctx: SyncContext, items: list, tally: _Tally, reason: str, to_ack: list) -> bool:
    """Bisect a refused batch so the good events get through and the bad one is isolated."""
    if len(items) == 1:
        ctx.outbox.kill([(items[0].id, reason)])
        tally.dead += 1
        log.warning("event %s dead-lettered: %s", items[0].id, reason)
        _note_ok(ctx)
        return True
    mid = len(items) // 2
    halves = (items[:mid], items[mid:])
    for i, half in enumerate(halves):
        if not _send(ctx, half, tally, to_ack):
            rest = [item.id for part in halves[i + 1:] for item in part]
            if rest:
                ctx.outbox.release(rest)
            return False
    return True


def _apply_results(ctx: SyncContext, items: list, answer: Answer, tally: _Tally,
                   to_ack: list) -> bool:
    results = _parse_results(items, answer)
    if results is None:
        return _transient(ctx, items, tally, "HQ answered 200 without a valid result list")
    _record_results(ctx, items, results, tally, to_ack)
    _note_ok(ctx)
    return True


def _record_results(ctx: SyncContext, items: list, results: list[dict], tally: _Tally,
                    to_ack: list) -> None:
    """Queue accepted and duplicate events for acknowledgement; dead-letter rejected ones now."""
    dead = []
    for item, result in zip(items, results):  # _parse_results checked they pair up in order
        status = result["status"]
        if status == "rejected":
            dead.append((item.id, str(result.get("error") or "rejected by HQ")))
        else:
            to_ack.append(item)
            tally.duplicates += status == "duplicate"
    if dead:
        ctx.outbox.kill(dead)
        for event_id, reason in dead:
            log.warning("event %s rejected by HQ: %s", event_id, reason)
    tally.acked += len(results) - len(dead)
    tally.dead += len(dead)


def _parse_results(items: list, answer: Answer) -> list[dict] | None:
    """HQ's per-event results if they answer the batch exactly, in request order, else None."""
    try:
        results = answer.json().get("results")
    except (ValueError, AttributeError):
        return None
    if type(results) is not list or len(results) != len(items):
        return None
    for item, r in zip(items, results):
        if type(r) is not dict or r.get("id") != item.id or r.get("status") not in RESULT_STATUSES:
            return None
    return results


def _note_ok(ctx: SyncContext) -> None:
    ctx.backoff.succeed()
    if ctx.failed_token is not None:
        log.info("HQ accepts the store token again; pushing resumes")
    ctx.failed_token = None
    ctx.status.update(last_push_at=_iso(ctx), last_error=None, hq_reachable=True,
                      auth_failed=False, retry_at=None)


def _transient(ctx: SyncContext, items: list, tally: _Tally, reason: str, *,
               min_wait_s: float | None = None, reachable: bool = True) -> bool:
    ctx.outbox.release([item.id for item in items])
    wait = ctx.backoff.fail(min_wait_s)
    tally.error = reason
    log.warning("push failed (%s); retrying in %.1fs", reason, wait)
    ctx.status.update(last_error=reason, hq_reachable=reachable, retry_at=_iso(ctx, wait))
    return False


def _auth_refused(ctx: SyncContext, items: list, tally: _Tally, answer: Answer) -> bool:
    ctx.outbox.release([item.id for item in items])
    ctx.failed_token = _token(ctx) or ""
    wait = ctx.settings.bridge.pull_interval_s
    ctx.auth_retry_at = ctx.clock.monotonic() + wait
    reason = f"HQ refused the store token ({answer.reason()}); pushing stopped, events kept"
    tally.error = reason
    log.error("%s; fix [hq] token or token_file, retrying in %.0fs", reason, wait)
    ctx.status.update(last_error=reason, hq_reachable=True, auth_failed=True,
                      retry_at=_iso(ctx, wait))
    return False


def _iso(ctx: SyncContext, delta_s: float = 0.0) -> str:
    from datetime import timedelta

    return (ctx.clock.now() + timedelta(seconds=delta_s)).isoformat(timespec="milliseconds")


def _flush_status(ctx: SyncContext, force: bool = False) -> None:
    """Write the in-memory status to the database, at most once a second during a pass."""
    now = ctx.clock.monotonic()
    if not ctx.status or (not force and now - ctx.status_flushed_at < STATUS_FLUSH_S):
        return
    ctx.state.set_status(**ctx.status)
    ctx.status.clear()
    ctx.status_flushed_at = now


# --- pull -------------------------------------------------------------------------------


def pull_once(ctx: SyncContext) -> tuple[int, int, str | None]:
    """Pull catalog (with images), stock and keys; (products, levels, error or None)."""
    try:
        products = _pull_pages(ctx, "catalog", ctx.client.get_catalog, _apply_catalog)
        levels = _pull_pages(ctx, "stock", ctx.client.get_stock, _apply_stock)
        _pull_keys(ctx)
        cache_images(ctx, ctx.state.wanted_images())
    except HQError as exc:
        log.warning("pull failed: %s", exc)
        ctx.state.set_status(last_error=str(exc), hq_reachable=False)
        return 0, 0, str(exc)
    ctx.state.set_status(last_pull_at=_iso(ctx), hq_reachable=True)
    return products, levels, None


def _get_json(ctx: SyncContext, answer: Answer, what: str) -> dict:
    if answer.status in (401, 403):
        ctx.state.set_status(auth_failed=True, last_error=f"{what}: {answer.reason()}")
        log.error("HQ refused the store token on %s: %s", what, answer.reason())
    if answer.status != 200:
        raise HQError(f"{what}: {answer.reason()}")
    try:
        data = answer.json()
    except ValueError as exc:
        raise HQError(f"{what}: HQ answered 200 with invalid JSON") from exc
    if not isinstance(data, dict):
        raise HQError(f"{what}: HQ answered 200 with a JSON {type(data).__name__}, not an object")
    return data


def _pull_pages(ctx: SyncContext, name: str, fetch, apply) -> int:
    """Follow next_cursor pages until has_more is false; the cursor is saved per page."""
    count = 0
    cursor = ctx.state.cursor(name)
    while True:
        data = _get_json(ctx, fetch(cursor, ctx.page_size), f"GET /v1/{name}")
        count += apply(ctx, data)
        next_cursor = data.get("next_cursor")
        if next_cursor:
            ctx.state.set_cursor(name, str(next_cursor))
        if not data.get("has_more") or not next_cursor or next_cursor == cursor:
            return count
        cursor = str(next_cursor)


def _apply_catalog(ctx: SyncContext, data: dict) -> int:
    products = data.get("products") or []
    if products:
        ctx.catalog.upsert_products(products)
    if data.get("deleted"):
        ctx.catalog.delete_products(list(data["deleted"]))
    cache_images(ctx, [url for p in products for url in p.get("images") or []])
    return len(products)


def _apply_stock(ctx: SyncContext, data: dict) -> int:
    levels = data.get("levels") or []
    if levels:
        ctx.catalog.upsert_stock(levels)
    return len(levels)


def _pull_keys(ctx: SyncContext) -> None:
    data = _get_json(ctx, ctx.client.get_keys(), "GET /v1/keys")
    if not isinstance(data.get("keys"), list):
        raise HQError("GET /v1/keys: no \"keys\" list in the JWKS")
    ctx.state.set_jwks(data)


def cache_images(ctx: SyncContext, urls: list[str]) -> int:
    """Download each image not cached yet (or changed); a failure only marks it for the next pull."""
    cache_dir = ctx.settings.image_cache_path
    done = 0
    for i, url in enumerate(urls):
        try:
            path = _cache_image(ctx, cache_dir, url)
        except ResponseTooLarge as exc:  # this image only: HQ itself answers
            log.warning("image %s not cached: %s", url, exc)
            path = None
        except HQError as exc:
            log.warning("image %s not cached (%s); the rest waits for the next pull", url, exc)
            for later in urls[i:]:
                ctx.state.want_image(later)
            return done
        except OSError as exc:
            log.warning("image %s not cached: %s", url, exc)
            path = None
        if path:
            ctx.catalog.set_image_path(url, path)
            done += 1
        else:
            ctx.state.want_image(url)
    return done


def _cache_image(ctx: SyncContext, cache_dir: Path, url: str) -> str | None:
    cached = ctx.state.image(url)
    etag = cached[1] if cached and os.path.exists(cached[0]) else None
    answer = ctx.client.get_image(url, etag)
    if answer.status == 304 and cached:
        return cached[0]
    if answer.status != 200 or not answer.body:
        log.warning("image %s not cached: %s", url, answer.reason(80))
        return None
    suffix = Path(url.split("?", 1)[0]).suffix[:8] or ".img"
    name = hashlib.sha256(url.encode()).hexdigest()[:24] + suffix
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / name
    tmp = final.with_suffix(final.suffix + ".part")
    tmp.write_bytes(answer.body)
    os.replace(tmp, final)  # atomic: a kiosk never reads half an image
    ctx.state.set_image(url, str(final), answer.header("etag"))
    return str(final)


# --- heartbeat and retention ----------------------------------------------------------


def heartbeat_once(ctx: SyncContext, version: str = "0.1.0") -> bool:
    """POST /v1/heartbeats with the contract's fields; True when HQ answered 2xx."""
    stats = ctx.outbox.stats()
    data = {
        "store_id": ctx.settings.store.id,
        "bridge_id": ctx.settings.bridge.id,
        "version": version,
        "pending": stats.pending + stats.in_flight,
        "oldest_pending_age_s": stats.oldest_pending_age_s,
        "dead_letters": stats.dead,
        "last_push_at": ctx.state.status().get("last_push_at"),
    }
    try:
        answer = ctx.client.post_heartbeat(data)
    except HQError as exc:
        log.warning("heartbeat failed: %s", exc)
        return False
    if not 200 <= answer.status < 300:
        log.warning("heartbeat refused: %s", answer.reason())
        return False
    return True


def purge_once(ctx: SyncContext) -> int:
    """Delete acked events older than retention_days."""
    removed = ctx.outbox.purge_acked(ctx.settings.bridge.retention_days * 86400.0)
    if removed:
        log.info("retention: purged %d acked events", removed)
    return removed
