"""One POST /v1/batch, and what its answer means for the events in it.

    outcome = post_batch(session, config, body)
    outcome.kind   # "delivered", "retry" (429, 5xx, network, refused key), or "poison" (400, 413)
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

import requests

from hq.forward.config import ForwardConfig

POISON_STATUSES = (400, 413)  # the receiver refuses these bytes: sending them again cannot help
MAX_RETRY_AFTER_S = 3600.0  # a Retry-After beyond an hour is read as an hour (a typo must not stall us for days)


@dataclass(frozen=True)
class Outcome:
    """What to do with the events of one request."""

    kind: str  # "delivered" | "retry" | "poison"
    reason: str = ""
    retry_after_s: float = 0.0  # the receiver's Retry-After, 0 if none


def post_batch(session: requests.Session, config: ForwardConfig, body: bytes) -> Outcome:
    """Send body with the write key as HTTP basic auth's user name; classify the answer."""
    try:
        answer = session.post(config.batch_url, data=body, auth=(config.write_key, ""), timeout=config.request_timeout_s,
                              headers={"Content-Type": "application/json"})
    except requests.RequestException as exc:
        return Outcome("retry", f"{type(exc).__name__}: {exc}"[:300])
    status = answer.status_code
    if 200 <= status < 300:
        return Outcome("delivered")
    reason = f"HTTP {status} from {config.batch_url}: {answer.text[:300]}"
    if status in POISON_STATUSES:
        return Outcome("poison", reason)
    # 429, 5xx, and also 401/403/404 (a wrong key or URL is the operator's to fix: keep the events)
    return Outcome("retry", reason, retry_after(answer.headers.get("Retry-After")))


def retry_after(value: str | None, now: float | None = None) -> float:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date); 0 if absent or unreadable."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to isdigit(), not to float()
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return min(MAX_RETRY_AFTER_S, max(0.0, when.timestamp() - (time.time() if now is None else now)))
