"""The period and options of an attribution request, from its query string, with errors that name the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from hq.attribution.period import Period
from hq.errors import HTTPFailure

MAX_DAYS = 366
DEFAULT_DAYS = 30
MAX_WINDOW_DAYS = 365


def period_from(query: Mapping[str, str], today: date | None = None) -> Period:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, both included; without them the 30 days ending today (UTC)."""
    today = today or datetime.now(timezone.utc).date()
    last = _day(query, "to") or today
    first = _day(query, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise HTTPFailure(400, f"from: {first} is after to: {last}")
    if (last - first).days + 1 > MAX_DAYS:
        raise HTTPFailure(400, f"to: at most {MAX_DAYS} days from `from`")
    return Period(first, last)


def window_from(query: Mapping[str, str], default: int) -> int:
    """?window_days=N (1-365), else the server's setting."""
    text = query.get("window_days")
    if text is None:
        return default
    # isdigit() alone accepts "²" (int() refuses it) and "٣"; a short number keeps int() cheap.
    if not (text.isascii() and text.isdigit() and len(text.lstrip("0")) <= 3) \
            or not 1 <= int(text) <= MAX_WINDOW_DAYS:
        raise HTTPFailure(400, f"window_days: must be an integer from 1 to {MAX_WINDOW_DAYS}")
    return int(text)


def currency_from(query: Mapping[str, str]) -> str | None:
    text = query.get("currency")
    if text is not None and not (len(text) == 3 and text.isascii() and text.isupper()):
        raise HTTPFailure(400, "currency: must be a 3-letter ISO 4217 code such as EUR")
    return text


def _day(query: Mapping[str, str], key: str) -> date | None:
    text = query.get(key)
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPFailure(400, f"{key}: must be a date YYYY-MM-DD, got {text[:40]!r}") from None
