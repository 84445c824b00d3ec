"""The push half of a sync pass: send the outbox to HQ in pipelined batches, apply its answers."""

from __future__ import annotations

import gzip
import json
import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from bridge.errors import ConfigError, HQError
from bridge.sync.backoff import parse_retry_after
from bridge.sync.context import SyncContext, flush_status, iso
from bridge.sync.hq_client import Answer

log = logging.getLogger("bridge.sync")

RESULT_STATUSES = {"accepted", "duplicate", "rejected"}
PIPELINE_DEPTH = 2  # batches on the wire at once: HQ works on one while the next one travels
# After a 413 the batch limits are halved; each LIMIT_RECOVERY_S without another 413 they
# double again up to the configured ones, so a passing 413 storm does not cut them for good.
LIMIT_RECOVERY_S = 600.0


@dataclass
class Tally:
    """What a push pass did so far."""

    acked: int = 0
    duplicates: int = 0
    dead: int = 0
    requests: int = 0
    error: str | None = None


def push_blocker(ctx: SyncContext) -> str | None:
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


def push_pass(ctx: SyncContext, tally: Tally) -> None:
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
            flush_status(ctx)
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


def _send(ctx: SyncContext, items: list, tally: Tally, to_ack: list) -> bool:
    """Send claimed items now and apply HQ's answer; False when the pass must stop."""
    tally.requests += 1
    return _handle(ctx, items, _post(ctx, items), tally, to_ack)


def _handle(ctx: SyncContext, items: list, answer: Answer | HQError, tally: Tally,
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


def _wind_down(ctx: SyncContext, items: list, answer: Answer | HQError, tally: Tally,
               to_ack: list) -> None:
    """A batch sent before the pass stopped: keep HQ's verdicts if it gave them, else release."""
    results = _parse_results(items, answer) if isinstance(answer, Answer) and answer.status == 200 else None
    if results is None:
        ctx.outbox.release([item.id for item in items])
        return
    _record_results(ctx, items, results, tally, to_ack)


def _split(ctx: SyncContext, items: list, tally: Tally, reason: str, to_ack: list) -> bool:
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


def _apply_results(ctx: SyncContext, items: list, answer: Answer, tally: Tally,
                   to_ack: list) -> bool:
    results = _parse_results(items, answer)
    if results is None:
        return _transient(ctx, items, tally, "HQ answered 200 without a valid result list")
    _record_results(ctx, items, results, tally, to_ack)
    _note_ok(ctx)
    return True


def _record_results(ctx: SyncContext, items: list, results: list[dict], tally: Tally,
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
    ctx.status.update(last_push_at=iso(ctx), last_error=None, hq_reachable=True,
                      auth_failed=False, retry_at=None)


def _transient(ctx: SyncContext, items: list, tally: Tally, reason: str, *,
               min_wait_s: float | None = None, reachable: bool = True) -> bool:
    ctx.outbox.release([item.id for item in items])
    wait = ctx.backoff.fail(min_wait_s)
    tally.error = reason
    log.warning("push failed (%s); retrying in %.1fs", reason, wait)
    ctx.status.update(last_error=reason, hq_reachable=reachable, retry_at=iso(ctx, wait))
    return False


def _auth_refused(ctx: SyncContext, items: list, tally: Tally, answer: Answer) -> bool:
    ctx.outbox.release([item.id for item in items])
    ctx.failed_token = _token(ctx) or ""
    wait = ctx.settings.bridge.pull_interval_s
    ctx.auth_retry_at = ctx.clock.monotonic() + wait
    reason = f"HQ refused the store token ({answer.reason()}); pushing stopped, events kept"
    tally.error = reason
    log.error("%s; fix [hq] token or token_file, retrying in %.0fs", reason, wait)
    ctx.status.update(last_error=reason, hq_reachable=True, auth_failed=True,
                      retry_at=iso(ctx, wait))
    return False
