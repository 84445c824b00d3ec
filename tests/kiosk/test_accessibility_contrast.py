"""WCAG 2.2 contrast of the theme's text colours in every accessibility mode (1.4.3: 4.5:1)."""

from __future__ import annotations

import itertools

import pytest

from kiosk.theme import TEXT_PAIRS, _hex, contrast_ratio, make_theme, over

MODES = {
    "normal": {},
    "larger text": {"large_text": True},
    "high contrast": {"high_contrast": True},
    "low reach": {"low_reach": True},
    "all three": {"large_text": True, "high_contrast": True, "low_reach": True},
}


def test_the_measure_matches_known_wcag_figures():
    assert contrast_ratio(_hex("#000000"), _hex("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(_hex("#777777"), _hex("#ffffff")) == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert contrast_ratio(_hex("#ffffff"), _hex("#ffffff")) == pytest.approx(1.0)


@pytest.mark.parametrize("mode", MODES)
def test_every_text_colour_reaches_4_5_to_1_on_its_background(mode):
    theme = make_theme(**MODES[mode])
    failures = []
    for text, background in TEXT_PAIRS:
        ratio = contrast_ratio(getattr(theme, text), getattr(theme, background))
        if ratio < 4.5:
            failures.append(f"{text} on {background}: {ratio:.2f}:1")
    assert not failures, f"{mode}: " + ", ".join(failures)


@pytest.mark.parametrize("mode", MODES)
def test_white_overlay_text_reads_on_the_scrim_over_any_page(mode):
    theme = make_theme(**MODES[mode])
    for page in (theme.bg, theme.surface, _hex("#ffffff"), theme.accent):
        assert contrast_ratio(_hex("#ffffff"), over(theme.scrim, page)) >= 4.5


def test_high_contrast_goes_further_than_normal():
    normal, high = make_theme(), make_theme(high_contrast=True)
    for text, background in TEXT_PAIRS:
        assert contrast_ratio(getattr(high, text), getattr(high, background)) >= 7.0  # WCAG AAA, 1.4.6
    assert min(contrast_ratio(getattr(normal, t), getattr(normal, b)) for t, b in TEXT_PAIRS) < 7.0


def test_no_kv_file_colours_text_with_the_hairline_colour():
    """`line` (a hairline, 1.4:1) may draw rules and disabled keys, never text that informs."""
    from pathlib import Path

    kiosk = Path(__file__).resolve().parents[2] / "kiosk"
    offenders = []
    for kv in itertools.chain([kiosk / "widgets.kv"], (kiosk / "screens").glob("*.kv")):
        for number, line in enumerate(kv.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("color:") and "theme.line" in stripped:
                offenders.append(f"{kv.name}:{number}: {stripped}")
    assert not offenders, "\n".join(offenders)
