"""How the kiosk fits its window: type scale, spacing, grid columns and image sizes.

    layout = make_layout(1080, 1920, density=1.0)
    layout.unit          # pixels per design dp (1.0 for the 1080x1920 the design was drawn on)
    layout.dp(40)        # a design length in pixels for this window
    layout.gutter        # the page's side padding in pixels
    layout.cols(300)     # grid columns when a card wants ~300 design dp
    layout.image_px(w, h)  # decode size for an image shown w x h pixels
    layout.keyboard_beside(card, taken)  # a keyboard beside its results: under them, no whole row
    layout.card_height(230, caption, width)  # a grid card's height, a 4:5 photo and its caption
    layout.side_keyboard_width(10)  # that keyboard's width for rows of up to ten keys

The design was drawn for a 1080x1920 portrait totem (and 1920x1080 landscape) at density 1.
Every other window scales it by `unit`, the largest factor at which the design's reference
frame fits the window, but never so small that a touch target falls under 48 physical dp
(`Metrics.density` pixels per dp): below that floor the window is `compact` and the .kv
files use their tighter variants (smaller brand, narrower controls, fewer columns).

Pure Python: computed from numbers, testable without a window. kiosk/app.py makes a new
Layout whenever the window size changes and hands it to the Theme, so every `app.theme.fs(…)`,
`app.theme.dp(…)` and `app.layout.…` expression in the .kv files re-evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass

REFERENCE_SHORT, REFERENCE_LONG = 1080, 1920  # the design's window, in pixels at density 1
MIN_TOUCH_DP = 48.0   # EN 301 549 / WCAG 2.5.8 comfortable target, in physical dp (≈ 9 mm at 160 dpi)
DESIGN_TOUCH = 56.0   # the design's ordinary touch target, in design dp
MIN_UNIT = 0.75       # below this text would be under ~11 px on a 1x display: go compact instead
COMPACT_SHORT_DP = 760  # a short side under this many design dp cannot hold the reference header


@dataclass(frozen=True)
class Layout:
    """The metrics of one window size; a new one replaces it on every resize."""

    width: int
    height: int
    density: float
    unit: float

    @property
    def portrait(self) -> bool:
        return self.height >= self.width

    @property
    def short_dp(self) -> float:
        """The window's short side in design dp."""
        return min(self.width, self.height) / self.unit

    @property
    def compact(self) -> bool:
        """Too narrow for the reference header and rows: the .kv files tighten up."""
        return self.short_dp < COMPACT_SHORT_DP

    def dp(self, value: float) -> float:
        """A design length (dp on the 1080x1920 design) in pixels for this window."""
        return value * self.unit

    @property
    def gutter(self) -> float:
        """Side padding of a page: a little over 3.5% of the short side, within 16..96 dp."""
        return self.dp(16 if self.compact else (24 if self.short_dp < 900 else 40))

    @property
    def min_touch(self) -> float:
        """The smallest touch target allowed, in pixels: 48 physical dp."""
        return MIN_TOUCH_DP * self.density

    def touch(self, design_dp: float = DESIGN_TOUCH) -> float:
        """A touch target of design_dp, never under 48 physical dp."""
        return max(self.dp(design_dp), self.min_touch)

    def cols(self, card_dp: float, width: float | None = None, minimum: int = 2) -> int:
        """Columns of cards ~card_dp design dp wide that fit width (default: the window)."""
        width = self.width if width is None else width
        return max(minimum, int(width / self.dp(card_dp)))

    def keyboard_beside(self, card: float, taken: float) -> bool:
        """An on-screen keyboard goes beside the results it filters instead of under them.

        Under them, the results keep the window's height less `taken` pixels (the keyboard and
        whatever else the screen stacks with them); when that is less than one whole row of
        results, `card` pixels tall, the rows are squashed (1024x600: cards 153 px tall, photos
        cropped; 800x480: a 33 px strip). Never in portrait: there the keys need the whole width.
        """
        return not self.portrait and self.height - taken < card

    def card_height(self, card_dp: float, caption: float, width: float, minimum: int = 2) -> float:
        """Height of a grid card across width: a 4:5 photo a column wide, then caption pixels.

        The columns are `cols(card_dp, width, minimum)`; a column's width includes its share of
        the grid's spacing, as the .kv grids size their cards.
        """
        return width / self.cols(card_dp, width, minimum) * 1.25 + caption

    def side_keyboard_width(self, keys: int) -> float:
        """Width of a keyboard laid beside the results: its longest row, one touch target a key.

        No wider: every pixel it does not need goes to the results.
        """
        if keys <= 0:
            raise ValueError(f"a keyboard row has keys, got {keys}")
        return keys * self.touch()

    def image_px(self, width: float, height: float, step: int = 64) -> tuple[int, int]:
        """Decode size for an image shown width x height pixels, rounded up to step.

        Rounding keeps one cached texture per card size rather than one per pixel of a resize.
        """
        def up(value: float) -> int:
            return max(step, -(-int(value) // step) * step)

        return up(width), up(height)


def make_layout(width: int, height: int, density: float = 1.0) -> Layout:
    """The Layout for a window of width x height pixels on a display of this density."""
    if width <= 0 or height <= 0:
        raise ValueError(f"window size must be positive, got {width}x{height}")
    short, long = min(width, height), max(width, height)
    fit = min(short / REFERENCE_SHORT, long / REFERENCE_LONG)
    unit = max(fit, MIN_UNIT * density)
    return Layout(width=int(width), height=int(height), density=float(density), unit=unit)


def fit_window(screen: tuple[int, int], portrait: bool, margin: float = 0.92) -> tuple[int, int]:
    """The largest 9:16 (portrait) or 16:9 window inside margin x the screen, in pixels.

    For a windowed demo on a desktop screen: it fits whatever the screen is, nothing cut.
    """
    sw, sh = screen
    if sw <= 0 or sh <= 0:
        raise ValueError(f"screen size must be positive, got {sw}x{sh}")
    aw, ah = (9, 16) if portrait else (16, 9)
    scale = min(sw * margin / aw, sh * margin / ah)
    return max(1, int(aw * scale)), max(1, int(ah * scale))
