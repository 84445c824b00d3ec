"""Server-rendered SVG charts for the HQ pages: per-day bars (stacked when several series) and a rate comparison.

Calm and legible: muted colours, three grid lines, a few day labels, a tooltip on every bar,
no JavaScript. Every value passed in is a number; every label is escaped here.

    svg = day_bars("Kiosk sessions", ["2026-11-01", ...], [Series("sessions", [12, 9, ...])])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

COLOURS = ("#4a6fa5", "#c08a3e", "#7a9e7e", "#9a7aa0")
WIDTH, HEIGHT = 900, 170
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 24


@dataclass(frozen=True)
class Series:
    """One series of values, one per day."""

    label: str
    values: Sequence[float]


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above value (1 for nothing)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for m in (1, 2, 5, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def _short(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.day} {d.strftime('%b')}"


def day_bars(title: str, days: Sequence[str], series: Sequence[Series], *,
             fmt: Callable[[float], str] = lambda v: f"{v:g}", top: float | None = None) -> str:
    """Bars per day, stacked when there are several series; `top` fixes the scale (100 for a percentage)."""
    n = max(len(days), 1)
    totals = [sum(s.values[i] for s in series) for i in range(len(days))]
    ceiling = top if top is not None else _nice_ceiling(max(totals, default=0))
    if top is None and all(float(v).is_integer() for s in series for v in s.values):
        ceiling = max(2.0, ceiling + ceiling % 2)  # counts: whole numbers on every grid line
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / n
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="{LEFT}" y="15" class="t">{escape(title)}</text>']
    for k in range(3):  # grid lines and their values: 0, half, top
        value = ceiling * k / 2
        y = TOP + plot_h - plot_h * k / 2
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="g"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="a" text-anchor="end">{escape(fmt(value))}</text>')
    for i, day in enumerate(days):
        base = TOP + plot_h
        for j, s in enumerate(series):
            height = plot_h * min(s.values[i], ceiling) / ceiling if ceiling else 0
            if height <= 0:
                continue
            base -= height
            parts.append(f'<rect x="{LEFT + i * band + band * 0.15:.1f}" y="{base:.1f}" width="{band * 0.7:.1f}" '
                         f'height="{height:.1f}" fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(day)} '
                         f'{escape(s.label)}: {escape(fmt(s.values[i]))}</title></rect>')
        if i in _labelled(len(days)):
            parts.append(f'<text x="{LEFT + (i + 0.5) * band:.1f}" y="{HEIGHT - 6}" class="a" '
                         f'text-anchor="middle">{escape(_short(day))}</text>')
    if len(series) > 1:
        x = LEFT + 8 * len(title) + 24  # after the title (13px bold: under 8px a character)
        for j, s in enumerate(series):
            parts.append(f'<rect x="{x}" y="7" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>'
                         f'<text x="{x + 14}" y="16" class="a">{escape(s.label)}</text>')
            x += 14 + 7 * len(s.label) + 16
    parts.append("</svg>")
    return "".join(parts)


def _labelled(n: int) -> set[int]:
    """Which day indexes get a label: about one a week, and the last."""
    step = max(1, round(n / 5))
    return set(range(0, n, step)) | ({n - 1} if n else set())


def rate_bars(title: str, rows: Sequence[tuple[str, float | None, str]]) -> str:
    """Horizontal bars of rates in [0, 1]: (label, rate or None, note shown after the bar)."""
    height = TOP + 30 * len(rows) + 8
    left, plot_w = 150, 480
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
             f'height="{height}" role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="{LEFT}" y="15" class="t">{escape(title)}</text>']
    for i, (label, rate, note) in enumerate(rows):
        y = TOP + 30 * i
        width = plot_w * (rate or 0)
        parts.append(f'<text x="{left - 8}" y="{y + 15}" class="a" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="16" class="track"/>'
                     f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="16" '
                     f'fill="{COLOURS[i % len(COLOURS)]}"/>'
                     f'<text x="{left + plot_w + 8}" y="{y + 15}" class="a">{escape(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)
