"""Records the catalog hands out, and the language helpers they use."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bridge.errors import VitrineError
from bridge.money import Money

LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Variant:
    """One sellable SKU of a product."""

    sku: str
    ean: str | None
    size: str
    color: str


@dataclass(frozen=True)
class Product:
    """A full product; `images` are local file paths when cached, else the feed's URLs."""

    id: str
    name: dict[str, str]
    description: dict[str, str]
    category: str
    price: Money
    images: list[str]
    variants: list[Variant]
    updated_at: str
    collection: str | None = None

    def title(self, lang: str) -> str:
        """The name in lang, falling back to any language present."""
        return pick(self.name, lang)

    def text(self, lang: str) -> str:
        """The description in lang, falling back to any language present."""
        return pick(self.description, lang)


@dataclass(frozen=True)
class ProductCard:
    """A product in one language, for grids and search results."""

    id: str
    name: str
    price: Money
    image: str | None
    category: str


@dataclass(frozen=True)
class StockLevel:
    """How many of a SKU one location holds."""

    sku: str
    location: str
    on_hand: int
    updated_at: str


def pick(texts: dict[str, str], lang: str) -> str:
    """The text in lang, falling back to any language present."""
    if texts.get(lang):
        return texts[lang]
    for other in (*LANGUAGES, *texts):
        if texts.get(other):
            return texts[other]
    return ""


def fold(text: str) -> str:
    """Case- and accent-free form of text, for sorting ("Été" -> "ete")."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def known_lang(lang: str) -> str:
    """lang if the catalog holds texts in it, else English."""
    return lang if lang in LANGUAGES else "en"


def bad(where: str, message: str) -> VitrineError:
    """An error naming where in the feed the bad value is."""
    return VitrineError(f"{where}: {message}")


def text_map(value: object, where: str) -> dict[str, str]:
    """A language map from a feed value (a plain string counts for every language)."""
    if isinstance(value, str):
        return {"fr": value, "en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad(where, "expected a language map like {\"fr\": \"...\", \"en\": \"...\"}")
    return dict(value)
