"""Full-text search of the catalog (FTS5, prefix and accent-free, in both languages)."""

from __future__ import annotations

import re

from bridge.store.catalog.models import ProductCard, fold, known_lang
from bridge.store.catalog.facets import facet_match
from bridge.store.catalog.reads import CARD_COLUMNS, card
from bridge.store.database import Database

# Tokens this short only look at names, categories and colours: "e" against
# every description would match everything and rank nothing usefully.
_SHORT_TOKEN = 2
_SHORT_COLUMNS = "{name_fr name_en category_fr category_en colors}"
_NAME_COLUMNS = "{name_fr name_en}"
# Above this many hits a search lists hits in catalog order instead of ranking them all.
_BROAD = 2000
# bm25 weights of schema.FTS_COLUMNS, in order: a hit in a name outranks one in a description.
_BM25_WEIGHTS = "10.0, 10.0, 1.0, 1.0, 4.0, 4.0, 3.0"


def match_expression(query: str, columns: str | None = None) -> str | None:
    """Turn typed text into a safe FTS5 query: every word a quoted prefix; None if no words.

    `columns` (an FTS5 column filter like "{name_fr name_en}") limits every word to them.

    Only word characters survive, so quotes, parentheses, `-`, `*`, `:` and
    keywords like NEAR or OR can never reach the FTS5 parser as syntax.
    """
    tokens = re.findall(r"\w+", fold(query))
    if not tokens:
        return None
    terms = []
    for token in tokens[:12]:  # a pasted paragraph must not become a huge query
        term = f'"{token}"*'
        scope = columns or (_SHORT_COLUMNS if len(token) <= _SHORT_TOKEN else None)
        terms.append(f"{scope} : {term}" if scope else term)
    return " AND ".join(terms)


class CatalogSearch:
    """The search half of Catalog, over the products_fts index."""

    db: Database

    def search(self, query: str, *, lang: str, limit: int = 60, size: str | None = None,
               color: str | None = None) -> list[ProductCard]:
        """Products matching typed text in either language, best first (prefix, accent-free)."""
        expression = match_expression(query)
        if expression is None:
            return []
        lang = known_lang(lang)
        where, params = _facets(size, color)
        conn = self.db.read()
        hits = conn.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM products_fts WHERE products_fts MATCH ? LIMIT ?)",
            (expression, _BROAD + 1),
        ).fetchone()[0]
        if hits <= _BROAD:
            sql = (f"SELECT {CARD_COLUMNS.format(lang=lang)} FROM "
                   f"(SELECT rowid AS pk, bm25(products_fts, {_BM25_WEIGHTS}) AS score "
                   f" FROM products_fts WHERE products_fts MATCH ?{where}) hit "
                   f"JOIN products p ON p.pk = hit.pk LEFT JOIN image_paths ip ON ip.url = p.image"
                   f" ORDER BY hit.score, p.rank LIMIT ?")
            return [card(r) for r in conn.execute(sql, (expression, *params, limit))]
        # A broad prefix ("e", "sac" in a big catalog): ranking every hit would cost more
        # than a keystroke may, so list name hits, then the others, in catalog order.
        if params:  # filtered: one pass, as a selective filter may have to read every hit
            return self._stream(expression, where, params, lang, limit)
        cards = self._stream(match_expression(query, _NAME_COLUMNS), where, params, lang, limit)
        if len(cards) < limit:
            seen = {c.id for c in cards}
            more = self._stream(expression, where, params, lang, limit + len(cards))
            cards += [c for c in more if c.id not in seen][:limit - len(cards)]
        return cards

    def _stream(self, expression: str | None, where: str, params: list, lang: str,
                limit: int) -> list[ProductCard]:
        """The first `limit` hits in index order: cheap however many match."""
        if expression is None:
            return []
        sql = (f"SELECT {CARD_COLUMNS.format(lang=lang)} FROM "
               f"(SELECT rowid AS pk FROM products_fts WHERE products_fts MATCH ?{where}) hit "
               f"JOIN products p ON p.pk = hit.pk LEFT JOIN image_paths ip ON ip.url = p.image"
               f" LIMIT ?")
        return [card(r) for r in self.db.read().execute(sql, (expression, *params, limit))]


def _facets(size: str | None, color: str | None) -> tuple[str, list]:
    """Clause (leading " AND ", or empty) keeping the hits that have the size and colour.

    It filters rowids inside the full-text subquery, against the facet index, so hits
    without them are dropped before any product row is read or any score computed.
    """
    match = facet_match(None, size, color)
    if match is None:
        return "", []
    return " AND +rowid IN (SELECT rowid FROM product_facets WHERE product_facets MATCH ?)", [match]
