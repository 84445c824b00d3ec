"""The kiosk's look: black, white and one oxblood accent, two typefaces, sizes in dp.

    theme = make_theme(large_text=False, high_contrast=False, low_reach=False)
    theme.accent      # RGBA for Kivy
    theme.key_edge    # outline of a key, drawn when its fill is the page's colour (high contrast)
    theme.fs(18)      # font size in pixels, scaled for large text and the window (kiosk/layout.py)
    theme.dp(40)      # a design length in pixels for this window
    theme.with_layout(layout)  # the same theme for another window size

A fresh Theme replaces the old one when an accessibility option or the window size
changes, so every `app.theme.…` expression in the .kv files re-evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
SERIF = "VitrineSerif"
SANS = "VitrineSans"
SANS_LIGHT = "VitrineSansLight"
SANS_MEDIUM = "VitrineSansMedium"

RGBA = tuple[float, float, float, float]


def _hex(value: str, alpha: float = 1.0) -> RGBA:
    value = value.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


@dataclass(frozen=True)
class Theme:
    """Colours, fonts and the accessibility switches the layouts honour."""

    bg: RGBA
    surface: RGBA
    fg: RGBA
    muted: RGBA
    line: RGBA
    accent: RGBA
    on_accent: RGBA
    scrim: RGBA
    serif: str = SERIF
    sans: str = SANS
    sans_light: str = SANS_LIGHT
    sans_medium: str = SANS_MEDIUM
    scale: float = 1.0
    large_text: bool = False
    high_contrast: bool = False
    low_reach: bool = False
    unit: float = 1.0        # pixels per design dp for the current window (kiosk/layout.py)
    min_touch: float = 48.0  # 48 physical dp in pixels: no touch target is smaller
    compact: bool = False    # the window is too narrow for the reference layout

    def fs(self, size: float) -> float:
        """A font size in pixels: size design sp, scaled for large text and the window."""
        from kivy.metrics import Metrics  # lazy: the module stays importable without a window

        return size * self.scale * self.unit * Metrics.fontscale

    def dp(self, size: float) -> float:
        """A design length in pixels for the current window."""
        return size * self.unit

    @property
    def touch(self) -> float:
        """Smallest touch target: 56 design dp (64 with large text), never under 48 physical dp."""
        return max(self.dp(64 if self.large_text else 56), self.min_touch)

    @property
    def key_edge(self) -> RGBA:
        """The outline of a key filled with `surface`: `line` when that fill is the page's colour.

        High contrast fills keys black on black: without an edge a low-vision shopper cannot
        tell where a key is (WCAG 1.4.11 asks 3:1 against the page). The normal fill is tinted.
        """
        return self.line if self.surface == self.bg else (0.0, 0.0, 0.0, 0.0)

    def with_layout(self, layout) -> "Theme":
        """This theme for the window a kiosk.layout.Layout describes."""
        return replace(self, unit=layout.unit, min_touch=layout.min_touch, compact=layout.compact)


def make_theme(*, large_text: bool = False, high_contrast: bool = False,
               low_reach: bool = False, layout=None) -> Theme:
    """The theme for these accessibility options."""
    if high_contrast:
        colours = dict(bg=_hex("#000000"), surface=_hex("#000000"), fg=_hex("#ffffff"),
                       muted=_hex("#ffffff"), line=_hex("#ffffff"), accent=_hex("#ffd54a"),
                       on_accent=_hex("#000000"), scrim=_hex("#000000", 0.92))
    else:
        colours = dict(bg=_hex("#faf8f5"), surface=_hex("#f0ece6"), fg=_hex("#111111"),
                       muted=_hex("#6b6660"), line=_hex("#d9d3cb"), accent=_hex("#5c1a1b"),
                       on_accent=_hex("#faf8f5"), scrim=_hex("#111111", 0.86))
    theme = Theme(**colours, scale=1.3 if large_text else 1.0, large_text=large_text,
                  high_contrast=high_contrast, low_reach=low_reach)
    return theme if layout is None else theme.with_layout(layout)


def register_fonts() -> None:
    """Register the shipped typefaces with Kivy under the names the .kv files use."""
    from kivy.core.text import LabelBase

    LabelBase.register(SERIF, str(FONTS_DIR / "EBGaramond12-Regular.ttf"),
                       fn_italic=str(FONTS_DIR / "EBGaramond12-Italic.ttf"))
    LabelBase.register(SANS, str(FONTS_DIR / "Inter-Regular.otf"),
                       fn_bold=str(FONTS_DIR / "Inter-Medium.otf"))
    LabelBase.register(SANS_LIGHT, str(FONTS_DIR / "Inter-Light.otf"))
    LabelBase.register(SANS_MEDIUM, str(FONTS_DIR / "Inter-Medium.otf"))


# Text colour on background colour, as the .kv files pair them (theme field names).
TEXT_PAIRS = [("fg", "bg"), ("fg", "surface"), ("muted", "bg"), ("muted", "surface"),
              ("accent", "bg"), ("accent", "surface"), ("on_accent", "accent")]


def relative_luminance(colour: RGBA) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour (alpha ignored)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(text: RGBA, background: RGBA) -> float:
    """WCAG 2.2 contrast ratio (1..21) of text on background; 4.5 is the floor for body text."""
    a, b = sorted((relative_luminance(text), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def over(top: RGBA, bottom: RGBA) -> RGBA:
    """top composited over an opaque bottom (a scrim over the page)."""
    alpha = top[3]
    return tuple(t * alpha + b * (1 - alpha) for t, b in zip(top[:3], bottom[:3])) + (1.0,)
