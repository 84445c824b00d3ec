"""The SVG charts, the page tables' CSV, and money as exact millionths."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest

from hq.money import from_micros, to_micros
from hq.pages.charts import Series, day_bars, rate_bars
from hq.pages.tables import Markup, Table

DAYS = ["2026-11-01", "2026-11-02", "2026-11-03"]


def _bars(svg: str) -> list[tuple[float, float]]:
    """(y, height) of each bar with a tooltip."""
    root = ET.fromstring(svg)
    return [(float(r.get("y")), float(r.get("height"))) for r in root.iter("{http://www.w3.org/2000/svg}rect")
            if r.find("{http://www.w3.org/2000/svg}title") is not None]


def test_bars_are_proportional_and_stacked():
    svg = day_bars("Sessions <b>", DAYS, [Series("a", [2, 0, 4]), Series("b<script>", [2, 1, 0])])
    bars = _bars(svg)  # a on day 1, b on day 1, b on day 2, a on day 3 (zero-height bars are left out)
    assert len(bars) == 4
    heights = [h for _, h in bars]
    assert heights[0] == pytest.approx(heights[1]) == pytest.approx(heights[3] / 2) == pytest.approx(heights[2] * 2)
    assert bars[1][0] + bars[1][1] == pytest.approx(bars[0][0])  # b sits on a
    assert "<script>" not in svg and "&lt;b&gt;" in svg
    assert "<title>2026-11-03 a: 4</title>" in svg


def test_a_percentage_keeps_its_scale_and_rates_their_width():
    svg = day_bars("Share", DAYS, [Series("identified", [50, 100, 0])], top=100, fmt=lambda v: f"{v:.0f}%")
    heights = [h for _, h in _bars(svg)]
    assert heights[1] == pytest.approx(2 * heights[0]) and ">100%<" in svg
    widths = [float(w) for w in re.findall(r'<rect x="150" y="\d+" width="([\d.]+)" height="16" fill', rate_bars(
        "Conversion", [("with", 0.5, "50%"), ("holdout", 0.25, "25%"), ("none", None, "—")]))]
    assert widths == [240.0, 120.0, 0.0]


def test_table_csv_neutralises_formulas_and_keeps_markup_text():
    table = Table("t", ["a", "b"], [["=HYPERLINK(\"x\")", Markup("<b>5</b>", "5")], ["-3.5", "@sum"]])
    rows = list(csv.reader(io.StringIO(table.csv())))
    assert rows == [["a", "b"], ["'=HYPERLINK(\"x\")", "5"], ["-3.5", "'@sum"]]
    assert "<td><b>5</b></td>" in table.html()


@pytest.mark.parametrize("amount, micros, text", [
    ("129.90", 129_900_000, "129.90"), ("-5", -5_000_000, "-5.00"), ("-0.5", -500_000, "-0.50"),
    ("0.125", 125_000, "0.125"), ("999999999999999.999999", 999_999_999_999_999_999_999, "999999999999999.999999"),
])
def test_money_round_trips_exactly(amount, micros, text):
    assert to_micros(amount) == micros and from_micros(micros) == text
