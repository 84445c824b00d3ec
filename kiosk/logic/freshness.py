"""How fresh the stock figures are, in one phrase the product page and staff screen share.

    stock_freshness(moment, tr)   # "Stock à 10 h 42" / "Stock as of 10:42" (today)
                                  # "Stock au 22 nov. à 18 h 05" / "Stock as of 22 Nov, 18:05"

`tr(msgid)` translates into the shopper's language; the clock and date patterns are
msgids too, so each language's catalog decides "10 h 42" or "10:42".
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

# msgids: each catalog gives its abbreviation ("nov." in French).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp as a local datetime, None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone()


def clock_text(moment: datetime, tr: Callable[[str], str]) -> str:
    """ "10:42" or "10 h 42", as the language writes a time of day."""
    return tr("{hh}:{mm}").format(h=moment.hour, hh=f"{moment.hour:02d}", mm=f"{moment.minute:02d}")


def date_text(moment: datetime, tr: Callable[[str], str]) -> str:
    """ "22 Nov" or "22 nov."."""
    return tr("{day} {month}").format(day=moment.day, month=tr(MONTHS[moment.month - 1]))


def moment_text(moment: datetime | None, tr: Callable[[str], str], now: datetime | None = None) -> str:
    """ "10:42" today, "22 Nov, 18:05" another day, "" when unknown."""
    if moment is None:
        return ""
    now = now or datetime.now().astimezone()
    if moment.date() == now.date():
        return clock_text(moment, tr)
    return tr("{date}, {time}").format(date=date_text(moment, tr), time=clock_text(moment, tr))


def stock_freshness(moment: datetime | None, tr: Callable[[str], str], now: datetime | None = None) -> str:
    """"Stock as of 10:42" today, with the date on another day; "" when unknown."""
    if moment is None:
        return ""
    now = now or datetime.now().astimezone()
    time = clock_text(moment, tr)
    if moment.date() == now.date():
        return tr("Stock as of {time}").format(time=time)
    return tr("Stock as of {date}, {time}").format(date=date_text(moment, tr), time=time)


def age_text(seconds: float | None) -> str:
    """A short duration: "45 s", "12 min", "3 h 05"."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
