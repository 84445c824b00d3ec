"""webguard.storable: what both sides reject before a database would fail a whole batch."""

from __future__ import annotations

import json

from webguard.storable import UNSTORABLE_ESCAPE, first_unstorable, storable, storable_text


def test_whole_text_in_any_script_is_storable():
    assert storable({"name": "Robe portefeuille", "notes": ["été 🌸", "東京"], "n": 3})
    assert storable_text("Cabas Rivoli en cuir grainé 👜")


def test_a_surrogate_half_or_nul_at_any_depth_is_found_with_its_field():
    event = json.loads('{"payload": {"lines": [{"sku": "A"}, {"sku": "B\\ud83d"}]}}')
    assert not storable(event)
    field, message = first_unstorable(event, "")
    assert field == "payload.lines[1].sku" and "surrogate" in message and "character 1" in message
    assert first_unstorable({"x": "a\x00b"}, "")[0] == "x"
    assert not storable({"key\udc00": 1}) and first_unstorable({"key\udc00": 1}, "p")[0] == "p"


def test_the_escape_search_sees_every_way_json_can_spell_one():
    for text in ('"\\u0000"', '"\\ud800"', '"\\uDFFF"', '"\\udbff"'):
        assert UNSTORABLE_ESCAPE.search(text), text
    assert not UNSTORABLE_ESCAPE.search('"\\u00e9 \\u4e1c \\ud7ff"')  # é, 东 and the last BMP code point before them
