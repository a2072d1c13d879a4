"""Charts as inline SVG built on the server: horizontal bars, accessible, no script.

Each chart has a title and a description (SVG <title>/<desc>, referenced by
aria-labelledby) and keeps its rows so that the page can show the same numbers as a
table for people who do not see the picture.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

#: Colours of the series (before, after, target…): contrast ≥ 3:1 against white.
COLOURS = ("#5b6775", "#005a8c", "#a4262c", "#1b7a3a")
WIDTH = 480
VALUE_WIDTH = 120
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
GAP = 10
LEGEND_HEIGHT = 26
_ids = itertools.count(1)


@dataclass(frozen=True)
class ChartRow:
    """One row of a chart: its label, a value per series and the values as words."""

    label: str
    values: tuple[float, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    """A bar chart: title, description, series names, rows."""

    title: str
    description: str
    series: tuple[str, ...]
    rows: tuple[ChartRow, ...]
    # "chart": one scale for the whole chart; "row": each row on its own scale (rows of
    # different units, e.g. dollars and hours).
    scale: str = "chart"

    def svg(self) -> Markup:
        """Return the chart as an inline SVG element."""
        return bar_chart_svg(self)


def _bar_width(value: float, top: float) -> float:
    span = WIDTH - VALUE_WIDTH
    return 0.0 if top <= 0 or value <= 0 else max(1.0, span * value / top)


def _clip(text: str, limit: int = 56) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def bar_chart_svg(chart: Chart) -> Markup:
    """Draw horizontal grouped bars: each row's label on a line, its bars below."""
    n = max(1, len(chart.series))
    group = LABEL_HEIGHT + n * BAR_HEIGHT + GAP
    height = LEGEND_HEIGHT + group * max(1, len(chart.rows))
    uid = next(_ids)
    title_id, desc_id = f"chart-{uid}-title", f"chart-{uid}-desc"
    top_all = max((v for row in chart.rows for v in row.values), default=0.0)
    parts: list[str] = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
    ]
    x = 0
    for index, name in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="17" class="legend">{escape(name)}</text>')
        x += 28 + 8 * len(name)
    y = LEGEND_HEIGHT
    for row in chart.rows:
        top = max(row.values, default=0.0) if chart.scale == "row" else top_all
        parts.append(f'<text x="0" y="{y + 13}" class="label">{escape(_clip(row.label))}</text>')
        for index, (value, text) in enumerate(zip(row.values, row.texts, strict=True)):
            colour = COLOURS[index % len(COLOURS)]
            bar_y = y + LABEL_HEIGHT + index * BAR_HEIGHT
            width = _bar_width(value, top)
            parts.append(f'<rect x="0" y="{bar_y}" width="{width:.1f}" '
                         f'height="{BAR_HEIGHT - 3}" fill="{colour}"/>')
            parts.append(f'<text x="{width + 4:.1f}" y="{bar_y + 11}" '
                         f'class="value">{escape(text)}</text>')
        y += group
    parts.append("</svg>")
    return Markup("".join(parts))


def rows_of(pairs: list[tuple[str, tuple[Any, ...]]], formatter: Any) -> tuple[ChartRow, ...]:
    """Build chart rows from (label, values); `formatter` turns a value into words."""
    return tuple(ChartRow(label, tuple(float(v or 0) for v in values),
                          tuple(formatter(v) for v in values)) for label, values in pairs)
