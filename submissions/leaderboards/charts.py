"""Charts drawn on the server as SVG: no JavaScript, readable without colour, with a title
and a description for screen readers (the pages also show the data as a table).

This module only computes geometry; `templates/leaderboards/_line_chart.svg` draws it, so
every text that reaches the SVG is autoescaped by the template engine.
"""

from __future__ import annotations

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


@dataclass
class _Layout:
    x_labels: list[str]
    top: float
    plot_w: float
    plot_h: float
    ticks: list[dict] = field(default_factory=list)


WIDTH, HEIGHT = 720, 380
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 48, 56
SERIES_COLOURS = ["#1f4e99", "#8a4b08", "#2e7d32"]
# Beyond these, x labels are thinned out and values are left to the tooltips (and the data table).
MAX_X_LABELS, MAX_VALUE_LABELS = 12, 16
COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _ticks(unit: str, top: float) -> list[tuple[float, str]]:
    if unit == "count":
        step = next((s for s in COUNT_STEPS if top / s <= 6), COUNT_STEPS[-1])
        return [(t, _count(t)) for t in range(0, int(top) + 1, step)]
    return [(t / 100, f"{t}%") for t in range(0, 101, 5) if t / 100 <= top]


def line_chart_svg(*, points: list[Point] | None = None, series: list[Series] | None = None, title: str,
                   description: str, reference: tuple[float, str] | None = None,
                   y_max: float | None = None, unit: str = "fraction", x_labels: list[str] | None = None,
                   chart_id: str = "chart") -> SafeString:
    """A labelled line chart over categories (one or several series sharing the x labels, given
    in order or taken in order of first appearance), with an optional horizontal reference line.

    `unit` is "fraction" (0.153 is drawn as 15.3%) or "count" (whole numbers). `chart_id` makes
    the title's and description's ids unique when a page holds several charts.
    """
    series = series or [Series(name="", points=points or [])]
    x_labels = x_labels or list(dict.fromkeys(p.x_label for s in series for p in s.points))
    values = [p.value for s in series for p in s.points] + ([reference[0]] if reference else [])
    floor = 1.0 if unit == "count" else 0.05
    layout = _Layout(x_labels=x_labels, top=y_max or max([floor, *values]) * 1.1,
                     plot_w=WIDTH - LEFT - RIGHT, plot_h=HEIGHT - TOP - BOTTOM)
    step = layout.plot_w / max(len(x_labels), 1)
    shown = _percent if unit == "fraction" else _count
    value_labels = sum(len(s.points) for s in series) <= MAX_VALUE_LABELS
    every = -(-len(x_labels) // MAX_X_LABELS) or 1

    def x(label: str) -> float:
        return round(LEFT + step * (x_labels.index(label) + 0.5), 1)

    def y(value: float) -> float:
        return round(TOP + layout.plot_h * (1 - value / layout.top), 1)

    ticks = [{"y": y(t), "label_y": round(y(t) + 4, 1), "label": label} for t, label in _ticks(unit, layout.top)]
    drawn = []
    for index, s in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        marks = []
        for p in s.points:
            # Below the reference line the value goes under its point, so the line never crosses it.
            below = reference is not None and p.value < reference[0]
            marks.append({"x": x(p.x_label), "y": y(p.value), "label_y": round(y(p.value) + (18 if below else -10), 1),
                          "text": shown(p.value), "point": p})
        path = " ".join(f"{'M' if i == 0 else 'L'}{m['x']},{m['y']}" for i, m in enumerate(marks))
        drawn.append({"series": s, "colour": colour, "marks": marks, "path": path, "legend_y": 18 + 16 * index})
    context = {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "tick_x": LEFT - 8, "reference_x": LEFT + 8,
        "legend_x": WIDTH - RIGHT - 200, "right_x": WIDTH - RIGHT, "top": TOP,
        "bottom_y": TOP + layout.plot_h, "axis_label_y": TOP + layout.plot_h + 20, "title": title,
        "description": description, "ticks": ticks, "series": drawn, "chart_id": chart_id,
        "value_labels": value_labels,
        "x_labels": [{"x": x(label), "text": label} for i, label in enumerate(x_labels) if i % every == 0],
        "reference": {"y": y(reference[0]), "label_y": round(y(reference[0]) - 6, 1), "text": reference[1]}
        if reference else None,
        "legend": len(series) > 1,
    }
    return render_to_string("leaderboards/_line_chart.svg", context)
