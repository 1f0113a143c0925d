"""Small server-rendered SVG charts for the web pages: bars and a line, no JavaScript.

Pure functions that return SVG markup. Every label is escaped here and every number is
formatted here, so a page may insert the result as markup. Each chart carries
``role="img"`` and a ``<title>`` that says in words what it shows (screen readers read it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

WIDTH = 560
HEIGHT = 180
PAD_LEFT = 48
PAD_BOTTOM = 28
PAD_TOP = 10
BAR_COLOUR = "#2f5d8a"
LINE_COLOUR = "#b42318"
AXIS_COLOUR = "#5b6470"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(title: str, body: list[str], width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart"><title>{_esc(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _axes(width: int, height: int, top_label: str) -> list[str]:
    base = height - PAD_BOTTOM
    line = f'stroke="{AXIS_COLOUR}"/>'
    text = f'text-anchor="end" font-size="10" fill="{AXIS_COLOUR}"'
    return [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{base}" {line}',
        f'<line x1="{PAD_LEFT}" y1="{base}" x2="{width - 4}" y2="{base}" {line}',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 8}" {text}>{_esc(top_label)}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{base}" {text}>0</text>',
    ]


def bar_chart(
    title: str,
    values: Sequence[float],
    labels: Sequence[str] = (),
    *,
    unit: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    ceiling: float | None = None,
) -> str:
    """Bars of ``values`` (negative and missing read as 0); ``labels`` under them, thinned
    to fit; the y axis from 0 to ``ceiling`` (the largest value if not given)."""
    top = ceiling if ceiling is not None else max((v for v in values), default=0.0)
    top = top if top > 0 else 1.0
    base = height - PAD_BOTTOM
    span = width - PAD_LEFT - 8
    step = span / max(1, len(values))
    body = _axes(width, height, f"{_num(top)}{unit}")
    every = max(1, len(labels) // 12) if labels else 1
    for i, value in enumerate(values):
        bar = max(0.0, min(value, top)) / top * (base - PAD_TOP)
        x = PAD_LEFT + 2 + i * step
        body.append(
            f'<rect x="{x:.1f}" y="{base - bar:.1f}" width="{max(0.5, step - 2):.1f}" '
            f'height="{bar:.1f}" fill="{BAR_COLOUR}"><title>'
            f"{_esc(labels[i] if i < len(labels) else str(i))}: {_num(value)}{_esc(unit)}"
            "</title></rect>"
        )
        if i < len(labels) and i % every == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="10" fill="{AXIS_COLOUR}">{_esc(labels[i])}</text>'
            )
    return _frame(title, body, width, height)


def line_chart(
    title: str,
    values: Sequence[float],
    *,
    ceiling: float,
    x_label: str = "",
    unit: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """A line through ``values`` spread evenly across the width, y from 0 to ``ceiling``."""
    top = ceiling if ceiling > 0 else 1.0
    base = height - PAD_BOTTOM
    span = width - PAD_LEFT - 8
    body = _axes(width, height, f"{_num(top)}{unit}")
    if values:
        step = span / max(1, len(values) - 1)
        points = " ".join(
            f"{PAD_LEFT + i * step:.1f},{base - max(0.0, min(v, top)) / top * (base - PAD_TOP):.1f}"
            for i, v in enumerate(values)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/>'
        )
    if x_label:
        body.append(
            f'<text x="{PAD_LEFT + span / 2:.1f}" y="{height - 8}" text-anchor="middle" '
            f'font-size="10" fill="{AXIS_COLOUR}">{_esc(x_label)}</text>'
        )
    return _frame(title, body, width, height)
