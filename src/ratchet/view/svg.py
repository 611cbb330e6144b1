"""Inline SVG plots for the run browser: no image files, no script, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

LABEL_WIDTH = 300
PLOT_WIDTH = 420
ROW = 24


def forest(rows: Sequence[tuple[str, dict]], title: str, signed: bool = False) -> str:
    """One row per (label, interval): a dot at the estimate and a bar over the 95% interval, on
    0–100% (or −100 to +100 points for differences, `signed`), with gridlines every 25."""
    if not rows:
        return ""
    lo, hi = (-1.0, 1.0) if signed else (0.0, 1.0)
    x = lambda value: LABEL_WIDTH + (min(max(value, lo), hi) - lo) / (hi - lo) * PLOT_WIDTH  # noqa: E731
    height = ROW * len(rows) + 46
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + PLOT_WIDTH + 20}" '
             f'height="{height}" role="img" aria-label="{escape(title)}" class="forest">',
             f'<text x="4" y="14" class="plot-title">{escape(title)}</text>']
    for step in range(0, 5):
        value = lo + step * (hi - lo) / 4
        gx = x(value)
        parts.append(f'<line x1="{gx:.1f}" y1="22" x2="{gx:.1f}" y2="{height - 18}" class="grid"/>')
        tick = f"{100 * value:+.0f}" if signed else f"{100 * value:.0f}%"
        parts.append(f'<text x="{gx:.1f}" y="{height - 4}" text-anchor="middle" class="tick">{tick}</text>')
    for index, (label, interval) in enumerate(rows):
        y = 34 + index * ROW
        shown = label if len(label) <= 44 else label[:43] + "…"
        parts.append(f'<text x="4" y="{y + 4}" class="label"><title>{escape(label)}</title>{escape(shown)}</text>')
        parts.append(f'<line x1="{x(interval["low"]):.1f}" y1="{y}" x2="{x(interval["high"]):.1f}" y2="{y}" '
                     f'class="bar"/>')
        parts.append(f'<circle cx="{x(interval["estimate"]):.1f}" cy="{y}" r="4.5" class="dot">'
                     f'<title>{escape(_text(interval, signed))}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _text(interval: dict, signed: bool) -> str:
    if signed:
        return (f"{100 * interval['estimate']:+.1f} points [{100 * interval['low']:+.1f}, "
                f"{100 * interval['high']:+.1f}]")
    return f"{100 * interval['estimate']:.1f}% [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"
