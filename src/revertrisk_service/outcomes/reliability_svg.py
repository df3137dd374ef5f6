"""The reliability plot of observed quality as SVG, drawn by hand: the server must not import a
plotting library, and the figure is simple (one point per score bucket and version, its Wilson
interval as a bar, the diagonal of perfect calibration)."""

from __future__ import annotations

from html import escape
from typing import Any

SIZE = 360
MARGIN = 48
PLOT = SIZE - 2 * MARGIN
COLOURS = ("#3366cc", "#dc3912", "#109618", "#990099", "#ff9900")


def _x(value: float) -> float:
    return MARGIN + value * PLOT


def _y(value: float) -> float:
    return SIZE - MARGIN - value * PLOT


def reliability_svg(quality: dict[str, Any]) -> str:
    """One series per version of a quality answer (GET /v1/models/<name>/quality)."""
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE + 40}" '
         f'viewBox="0 0 {SIZE} {SIZE + 40}" font-family="sans-serif" font-size="11">'),
        (f"<title>Reliability of {escape(quality['model_name'])}: observed revert rate by "
         "score bucket (Wilson 95% intervals)</title>"),
        (f'<rect x="{MARGIN}" y="{MARGIN}" width="{PLOT}" height="{PLOT}" fill="none" '
         'stroke="#999"/>'),
        (f'<line x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}" stroke="#bbb" '
         'stroke-dasharray="4 3"/>'),
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{_x(tick)}" y="{SIZE - MARGIN + 14}" '
                     f'text-anchor="middle">{tick:g}</text>')
        parts.append(f'<text x="{MARGIN - 6}" y="{_y(tick) + 4}" '
                     f'text-anchor="end">{tick:g}</text>')
    parts.append(f'<text x="{SIZE / 2}" y="{SIZE - 12}" text-anchor="middle">mean score</text>')
    parts.append(f'<text x="14" y="{SIZE / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {SIZE / 2})">observed revert rate</text>')
    for index, version in enumerate(quality["versions"]):
        colour = COLOURS[index % len(COLOURS)]
        for bucket in version["calibration"]:
            rate = bucket["revert_rate"]
            if rate["value"] is None:
                continue
            x = _x(bucket["mean_score"])
            parts.append(f'<line x1="{x:.1f}" y1="{_y(rate["ci_low"]):.1f}" x2="{x:.1f}" '
                         f'y2="{_y(rate["ci_high"]):.1f}" stroke="{colour}"/>')
            parts.append(
                f'<circle cx="{x:.1f}" cy="{_y(rate["value"]):.1f}" r="3.5" fill="{colour}">'
                f'<title>version {escape(version["version"])}, scores '
                f'{bucket["low"]:g}-{bucket["high"]:g}: {rate["value"]:.3f} of {rate["n"]} '
                "decided edits reverted</title></circle>"
            )
        parts.append(
            f'<text x="{MARGIN}" y="{SIZE + 12 + 14 * index}" fill="{colour}">version '
            f'{escape(version["version"])}: {version["decided"]} decided edits</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
