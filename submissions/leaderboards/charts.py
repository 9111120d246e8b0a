"""Charts drawn on the server as SVG: no JavaScript, readable without colour, with a title
and a description for screen readers (the pages also show the data as a table).

One layout for a laptop and a phone: the drawing is 440 units wide, so that its 12-unit text
is about 10 px on a 390 px phone screen and about 16 px in a laptop's column; its title wraps
and its legend sits under the plot, one series a line, so neither runs out of the picture.

This module only computes geometry; `templates/leaderboards/_line_chart.svg` draws it, so
every text that reaches the SVG is autoescaped by the template engine.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Point:
    x_label: str
    value: float  # a fraction (0.153 is drawn as 15.3%), or a count when the chart's unit is "count"
    label: str
    confirmed: bool = True


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]
    css_class: str = "series"  # the stylesheet colours it; the dash pattern tells series apart without colour
    dash: str = ""
    # How this series' values are written: "" as the chart's axis, or "score" (mAP: 0.731, never 73.1%).
    unit: str = ""


@dataclass
class _Layout:
    x_labels: list[str]
    top: float
    plot_w: float
    plot_h: float
    ticks: list[dict] = field(default_factory=list)


WIDTH, PLOT_HEIGHT = 440, 220
LEFT, RIGHT, TITLE_LINE, BOTTOM, LEGEND_LINE = 46, 14, 16, 30, 16
# Text is 12 units high; a character about 7 wide (digits, system-ui).
CHAR_WIDTH = 7
SERIES_COLOURS = ["#1f4e99", "#8a4b08", "#2e7d32"]
# Beyond this many points, values are left to the tooltips (and the data table).
MAX_VALUE_LABELS = 16
COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _score(value: float) -> str:
    return f"{value:.3f}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


TEXTS = {"fraction": _percent, "score": _score, "count": _count}


def _ticks(unit: str, top: float) -> list[tuple[float, str]]:
    if unit == "count":
        step = next((s for s in COUNT_STEPS if top / s <= 6), COUNT_STEPS[-1])
        return [(t, _count(t)) for t in range(0, int(top) + 1, step)]
    if unit == "score":
        return [(t / 10, f"{t / 10:.1f}") for t in range(0, 11) if t / 10 <= top]
    step = 5 if top <= 0.4 else 10
    return [(t / 100, f"{t}%") for t in range(0, 101, step) if t / 100 <= top]


def line_chart_svg(*, points: list[Point] | None = None, series: list[Series] | None = None, title: str,
                   description: str, reference: tuple[float, str] | None = None,
                   y_max: float | None = None, unit: str = "fraction", x_labels: list[str] | None = None,
                   chart_id: str = "chart") -> SafeString:
    """A labelled line chart over categories (one or several series sharing the x labels, given
    in order or taken in order of first appearance), with an optional horizontal reference line.

    `unit` is "fraction" (0.153 is drawn as 15.3%), "score" (0 to 1 written as decimals, as mean
    average precision is) or "count" (whole numbers). `chart_id` makes the title's and
    description's ids unique when a page holds several charts.
    """
    series = series or [Series(name="", points=points or [])]
    x_labels = x_labels or list(dict.fromkeys(p.x_label for s in series for p in s.points))
    values = [p.value for s in series for p in s.points] + ([reference[0]] if reference else [])
    floor = 1.0 if unit == "count" else 0.05
    heading = textwrap.wrap(title, width=(WIDTH - 2 * RIGHT) // CHAR_WIDTH) or [""]
    top_y = TITLE_LINE * len(heading) + 24
    legend = [s for s in series if s.name] if len(series) > 1 else []
    layout = _Layout(x_labels=x_labels, top=y_max or max([floor, *values]) * 1.1,
                     plot_w=WIDTH - LEFT - RIGHT, plot_h=PLOT_HEIGHT)
    step = layout.plot_w / max(len(x_labels), 1)
    # Every label gets the room of its text; beyond that they are thinned out, first and last kept.
    widest = max((len(label) for label in x_labels), default=1) * CHAR_WIDTH + 8
    every = max(math.ceil(widest / step), 1)
    value_labels = sum(len(s.points) for s in series) <= MAX_VALUE_LABELS and widest <= step * 1.5

    def x(label: str) -> float:
        return round(LEFT + step * (x_labels.index(label) + 0.5), 1)

    def y(value: float) -> float:
        return round(top_y + layout.plot_h * (1 - value / layout.top), 1)

    bottom_y = top_y + layout.plot_h
    ticks = [{"y": y(t), "label_y": round(y(t) + 4, 1), "label": label} for t, label in _ticks(unit, layout.top)]
    drawn = []
    for index, s in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        shown = TEXTS[s.unit or unit]
        marks = []
        for p in s.points:
            # Below the reference line the value goes under its point, so the line never crosses it.
            below = reference is not None and p.value < reference[0]
            marks.append({"x": x(p.x_label), "y": y(p.value), "label_y": round(y(p.value) + (18 if below else -10), 1),
                          "text": shown(p.value), "point": p})
        path = " ".join(f"{'M' if i == 0 else 'L'}{m['x']},{m['y']}" for i, m in enumerate(marks))
        drawn.append({"series": s, "colour": colour, "marks": marks, "path": path})
    legend_top = bottom_y + BOTTOM
    for row, s in enumerate(d for d in drawn if d["series"] in legend):
        s["legend_y"] = legend_top + LEGEND_LINE * row + 4
    kept = [label for i, label in enumerate(x_labels) if i % every == 0 or i == len(x_labels) - 1]
    if len(kept) > 1 and (x_labels.index(kept[-1]) - x_labels.index(kept[-2])) * step < widest:
        kept.pop(-2)  # the last label is kept; the one before it would overlap it
    context = {
        "width": WIDTH, "height": legend_top + LEGEND_LINE * len(legend) + 6, "left": LEFT, "tick_x": LEFT - 6,
        "reference_x": LEFT + 8, "legend_x": LEFT, "right_x": WIDTH - RIGHT, "top": top_y,
        "heading": [{"y": 16 + TITLE_LINE * i, "text": line} for i, line in enumerate(heading)],
        "bottom_y": bottom_y, "axis_label_y": bottom_y + 18, "title": title,
        "description": description, "ticks": ticks, "series": drawn, "chart_id": chart_id,
        "value_labels": value_labels,
        "x_labels": [{"x": x(label), "text": label} for label in kept],
        "reference": {"y": y(reference[0]), "label_y": round(y(reference[0]) - 6, 1), "text": reference[1]}
        if reference else None,
        "legend": bool(legend),
    }
    return render_to_string("leaderboards/_line_chart.svg", context)
