"""Gettext for the kiosk: every domain's catalog for a language, chained.

    tr = Translator()
    tr("Touch to explore", "fr")   # -> "Touchez pour découvrir"

English msgids; catalogs in kiosk/locale/<lang>/LC_MESSAGES/<domain>.mo.
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS = ("kiosk", "staff", "access")
LANGUAGES = ("fr", "en")


def load_translations(lang: str, domains: tuple[str, ...] = DOMAINS) -> gettext.NullTranslations:
    """The chained catalogs of every domain for lang (missing ones are skipped)."""
    chain: gettext.NullTranslations | None = None
    for domain in domains:
        found = gettext.translation(domain, LOCALE_DIR, languages=[lang], fallback=True)
        if chain is None:
            chain = found
        elif found is not chain:
            chain.add_fallback(found)
    return chain or gettext.NullTranslations()


class Translator:
    """Translates msgids into either language, loading each language once."""

    def __init__(self, domains: tuple[str, ...] = DOMAINS) -> None:
        self._domains = domains
        self._loaded: dict[str, gettext.NullTranslations] = {}

    def __call__(self, msgid: str, lang: str) -> str:
        if lang not in self._loaded:
            self._loaded[lang] = load_translations(lang, self._domains)
        return self._loaded[lang].gettext(msgid)
