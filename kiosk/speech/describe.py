"""Words for what is on the kiosk's screen: a screen's title and contents, a focused widget.

    describe_screen(screen, tr)  -> ("La collection", ["60 pièces"])
    describe_widget(widget, tr)  -> "Escarpins Vendôme en cuir verni, 450 €"
"""

from __future__ import annotations

import re
from typing import Any, Callable

# The ids whose text tells a screen's title then its contents, in reading order.
SCREEN_TEXT_IDS = {
    "attract": ["brand", "invitation"],
    "browse": ["title", "total"],
    "search": ["query", "count"],
    "product": ["name", "price", "stock", "stock_as_of"],
    "selection": ["title", "empty", "claim_title"],
    "scan": ["title", "instruction", "calm_note", "message"],
    "staff_pin": ["title", "hint", "message"],
    "staff": ["product_name", "stock_note"],
}
# Keys whose face is a symbol: what to say instead.
SPOKEN_KEYS = {"⌫": "Delete", "backspace": "Delete", " ": "Space", "'": "Apostrophe", "-": "Hyphen"}
_MARKUP = re.compile(r"\[/?[a-z]+(=[^\]]*)?\]")


def plain(text: str) -> str:
    """Text without Kivy markup tags or layout whitespace."""
    return " ".join(_MARKUP.sub("", text or "").split())


def describe_screen(screen: Any, tr: Callable[[str], str]) -> tuple[str, list[str]]:
    """The title and the informative lines of a screen (new screens: their `title` id, if any)."""
    ids = SCREEN_TEXT_IDS.get(screen.name, ["title"])
    # Each line its own sentence: stock lines read "11 in stock here. Also in Bordeaux", not run on.
    lines = [line for i in ids for line in (getattr(screen.ids.get(i), "text", "") or "").split("\n")]
    texts = [t for t in (plain(line) for line in lines) if t]
    if not texts:
        return screen.name.replace("_", " "), []
    return texts[0], texts[1:]


def describe_widget(widget: Any, tr: Callable[[str], str]) -> str:
    """What to say when widget gets the focus."""
    from kiosk.widgets import KeyButton, ProductCard, Swatch

    if isinstance(widget, ProductCard):
        return ", ".join(part for part in (widget.name, widget.price) if part)
    if isinstance(widget, KeyButton):
        key = widget.key or widget.text
        return tr(SPOKEN_KEYS[key]) if key in SPOKEN_KEYS else plain(widget.text)
    text = plain(getattr(widget, "text", ""))
    if text in ("♡", "♥"):
        return tr("Saved") if text == "♥" else tr("Save")
    if text in SPOKEN_KEYS:
        return tr(SPOKEN_KEYS[text])
    if (isinstance(widget, Swatch) or hasattr(widget, "category")) and getattr(widget, "selected", False):
        return f"{text}, {tr('selected')}"
    return text
