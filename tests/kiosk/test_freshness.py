"""Stock freshness and store names: the phrases the product page and staff screen share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bridge.errors import ConfigError
from kiosk.logic.freshness import moment_text, parse_time, stock_freshness
from kiosk.i18n import Translator
from kiosk.logic.store_names import load_store_names, store_name

TR = Translator()
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def tr(lang):
    return lambda msgid: TR(msgid, lang)


@pytest.mark.parametrize("lang, expected", [("fr", "Stock à 10 h 42"), ("en", "Stock as of 10:42")])
def test_stock_today_says_the_time(lang, expected):
    assert stock_freshness(NOW.replace(hour=10, minute=42), tr(lang), now=NOW) == expected


@pytest.mark.parametrize("lang, expected", [("fr", "Stock à 6 h 04"), ("en", "Stock as of 06:04")])
def test_early_morning_keeps_its_minutes(lang, expected):
    assert stock_freshness(NOW.replace(hour=6, minute=4), tr(lang), now=NOW) == expected


@pytest.mark.parametrize("lang, expected", [("fr", "Stock au 22 nov. à 18 h 05"),
                                            ("en", "Stock as of 22 Nov, 18:05")])
def test_older_stock_adds_the_date(lang, expected):
    moment = (NOW - timedelta(days=1)).replace(hour=18, minute=5)
    assert stock_freshness(moment, tr(lang), now=NOW) == expected


def test_every_month_is_translated_into_french():
    names = [moment_text(datetime(2026, m, 2, 9, 0, tzinfo=timezone.utc), tr("fr"), now=NOW) for m in range(1, 13)]
    assert names[0] == "2 janv. à 9 h 00" and names[7] == "2 août à 9 h 00"
    assert len(set(names)) == 12


def test_unknown_time_says_nothing():
    assert stock_freshness(None, tr("fr")) == "" and parse_time("not a time") is None
    assert parse_time("2026-11-22T17:05:00Z") == datetime(2026, 11, 22, 17, 5, tzinfo=timezone.utc)


def test_store_names_come_from_the_catalog_file():
    assert store_name("store:lyon-presquile") == "Lyon Presqu’île"
    assert store_name("store:bordeaux-intendance") == "Bordeaux Intendance"
    assert store_name("store:nice-massena") == "Nice Massena"  # not listed: the id, title-cased


def test_a_broken_stores_file_names_itself_and_the_line(tmp_path):
    path = tmp_path / "stores.json"
    path.write_text('{\n  "paris-marais": "Paris Marais",\n  oops\n}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"stores\.json: line 3"):
        load_store_names(path)
    empty = tmp_path / "empty.json"
    empty.write_text('{"paris-marais": ""}', encoding="utf-8")
    with pytest.raises(ConfigError, match="paris-marais"):
        load_store_names(empty)
